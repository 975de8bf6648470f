#!/usr/bin/env bash
# Fuzzes one target with Jazzer (coverage-guided) for a while: scripts/fuzz.sh TARGET [DURATION]
#   TARGET: FrameDecoderFuzzTest | JsonFuzzTest | SessionFuzzTest | AuthFuzzTest; DURATION: 30s, 10m, 2h (default 10m)
# Inputs that find new coverage are kept in MODULE/.cifuzz-corpus (reused by the next run); an input that fails the
# target is written next to the target's seeds in src/test/resources (…FuzzTestInputs/METHOD/crash-…) and from then
# on replayed by the ordinary test run. libFuzzer's summary ("Done N runs in S second(s)") ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh TARGET [DURATION]}"
duration="${2:-10m}"
case "$target" in
  FrameDecoderFuzzTest|JsonFuzzTest) module=scribe-core ;;
  SessionFuzzTest) module=scribe-testkit ;;
  AuthFuzzTest) module=doc-sync-app ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
# FUZZ_INSTRUMENT: the classes Jazzer instruments for coverage (default: Scribe and Jackson).
# -timeout: an input running longer than 10 s is reported as a hang (libFuzzer's default is 20 minutes).
JAZZER_FUZZ=1 ./mvnw -B -ntp -q -pl "$module" -am test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.hooks=true -Djazzer.max_duration="$duration" -Djazzer.instrument="${FUZZ_INSTRUMENT:-io.scribe.**,com.fasterxml.jackson.**}" \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-timeout=10
