#!/usr/bin/env bash
# Installs the VS Code test host if needed (a no-op when it is there), then runs an integration
# suite in it. Arguments go to run-tests.ts, e.g.
#   bash test/vscode/run-tests.sh --extension . --tests out/test/suite/index.js --workspace examples
# The exit code is the extension host's (0 when every test passed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
bash "$HERE/setup-code-server.sh"
# tsx by absolute path, so the script works from any directory with relative arguments.
exec "$ROOT/node_modules/.bin/tsx" "$HERE/run-tests.ts" "$@"
