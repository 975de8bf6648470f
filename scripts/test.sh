#!/usr/bin/env bash
# The whole test suite: starts the services the tests need, then builds every module and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
./mvnw -B -ntp verify "$@"
