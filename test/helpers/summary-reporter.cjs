// Mocha's spec output plus the closing line CI reads ("N passed, N failed"). When
// GRADLENS_COUNTS names a file, the counts are appended there so test/run-all.sh can total suites.
const Mocha = require('mocha');
const fs = require('node:fs');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const suite = process.env.GRADLENS_SUITE || 'unit';
      console.log(`${suite}: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
      if (process.env.GRADLENS_COUNTS) fs.appendFileSync(process.env.GRADLENS_COUNTS, `${suite} ${passes} ${failures}\n`);
    });
  }
}
module.exports = SummaryReporter;
