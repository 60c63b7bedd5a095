// Runs a folder's *.test.js files with mocha inside the extension host, as @vscode/test-electron
// expects of a suite's index module: run() resolves when all pass and rejects otherwise.
import * as path from 'node:path';
import * as fs from 'node:fs';

export function runMocha(dir: string, suiteName: string): Promise<void> {
  // Mocha 12 is an ES module; its CommonJS entry exposes the class as `default`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mochaModule = require('mocha');
  const Mocha = mochaModule.default ?? mochaModule;
  process.env.GRADLENS_SUITE = suiteName;
  const reporter = path.resolve(__dirname, '../../../../test/helpers/summary-reporter.cjs');
  // GRADLENS_GREP runs only the tests whose titles match, while a test is being written.
  const grep = process.env.GRADLENS_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: fs.existsSync(reporter) ? reporter : 'spec', ...(grep ? { grep } : {}) });
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures: number) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
