#!/usr/bin/env bash
# `npm test`: every test, in order: type-check, build, unit tests (engine, checker, parser, runner,
# CLI), the webview in headless Chromium, the real VS Code suites, the packaged .vsix.
# Each suite appends "name passed failed" to a counts file; the last line totals them for CI.
set -uo pipefail
cd "$(dirname "$0")/.."

# First, what the browser and VS Code suites need from outside npm (Debian's chromium, code-server):
# installed when missing (Debian packages only as root), or one line says what to install, and
# nothing runs. A no-op once everything is there.
echo "== set-up: chromium and code-server"
bash test/vscode/setup-code-server.sh || exit 1
mkdir -p test-results
export GRADLENS_COUNTS="$PWD/test-results/counts.txt"
: > "$GRADLENS_COUNTS"
status=0

step() { echo; echo "== $1"; }

step "type-check"
npx tsc -p . --noEmit || status=1
npx tsc -p webview --noEmit || status=1

step "build"
npm run build --silent || status=1
node test/integration/build.mjs || status=1

step "unit tests"
GRADLENS_SUITE=unit npx mocha 'test/unit/**/*.test.ts' || status=1

# A real VS Code (code-server) runs the integration suites in its extension host. Each suite gets a
# fresh copy of the examples as its workspace, so set-up steps (typings) never touch the repo.
vscode_suite() {
  local name=$1; shift
  local ws; ws=$(mktemp -d)
  cp -r examples/. "$ws/"
  GRADLENS_RESULTS_DIR="$PWD/test-results" bash test/vscode/run-tests.sh --workspace "$ws" "$@" \
    || { status=1; grep -q "^$name " "$GRADLENS_COUNTS" || echo "$name 0 1" >> "$GRADLENS_COUNTS"; }
  rm -rf "$ws"
}

step "browser tests: the webview in headless Chromium"
GRADLENS_SUITE=browser npx mocha 'test/browser/**/*.test.ts' || status=1

step "VS Code integration tests (code-server)"
vscode_suite vscode --extension "$PWD" --tests "$PWD/out/test/integration/suite/index.js"

step "VS Code integration tests in Restricted Mode"
vscode_suite vscode-restricted --untrusted --extension "$PWD" --tests "$PWD/out/test/integration/restricted/index.js"

step "End-to-end UI tests (code-server in headless Chromium)"
GRADLENS_SUITE=e2e npx mocha 'test/e2e/**/*.e2e.test.ts' || status=1

# Last, because packaging rebuilds dist/ minified: the .vsix installed with --install-extension.
step "VS Code: the packaged extension (.vsix)"
npm run package --silent || status=1
vscode_suite vscode-vsix --vsix "$PWD/gradlens-$(node -p "require('./package.json').version").vsix" --tests "$PWD/out/test/integration/vsix/index.js"

passed=$(awk '{p+=$2} END {print p+0}' "$GRADLENS_COUNTS")
failed=$(awk '{f+=$3} END {print f+0}' "$GRADLENS_COUNTS")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a step failed outside mocha
echo
echo "$passed passed, $failed failed"
exit $status
