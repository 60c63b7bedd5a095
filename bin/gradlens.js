#!/usr/bin/env node
// The `gradlens` command: the CLI is bundled to dist/cli.js by `node esbuild.mjs`.
try {
  require.resolve('../dist/cli.js');
} catch {
  process.stderr.write('gradlens: dist/cli.js is missing; build it first with `npm run build`.\n');
  process.exit(2);
}
require('../dist/cli.js');
