#!/usr/bin/env bash
# Every test, in order: type-check, build, unit tests (engine, checker, parser, runner, CLI).
# Each suite appends "name passed failed" to a counts file; the last line totals them for CI.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
export GRADLENS_COUNTS="$PWD/test-results/counts.txt"
: > "$GRADLENS_COUNTS"
status=0

step() { echo; echo "== $1"; }

step "type-check"
npx tsc -p . --noEmit || status=1

step "build"
node esbuild.mjs || status=1

step "unit tests"
GRADLENS_SUITE=unit npx mocha 'test/unit/**/*.test.ts' || status=1

passed=$(awk '{p+=$2} END {print p+0}' "$GRADLENS_COUNTS")
failed=$(awk '{f+=$3} END {print f+0}' "$GRADLENS_COUNTS")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a step failed outside mocha
echo
echo "$passed passed, $failed failed"
exit $status
