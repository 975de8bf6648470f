#!/usr/bin/env bash
# The main job: builds what it needs, then runs the Scribe example (two peers in one process, in-memory store).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -DskipTests -pl examples -am install
exec java -jar examples/target/scribe-examples.jar "$@"
