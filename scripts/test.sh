#!/usr/bin/env bash
# The whole test suite: starts the services the tests need, builds every module and runs every test, installs the
# library into the local Maven repository, then builds and tests consumer/, an application that depends on the
# installed artifacts through the BOM as a user's project does.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
./mvnw -B -ntp install "$@"
./mvnw -B -ntp -f consumer/pom.xml verify
