// Mocha's spec reporter plus one plain closing line, "N passed, N failed, N skipped", which CI reads.
const { Spec } = require("mocha").reporters;

class SpecWithTotals extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once("end", () => {
      const { passes, failures, pending } = this.stats;
      console.log(`${passes} passed, ${failures} failed, ${pending} skipped`);
    });
  }
}

module.exports = SpecWithTotals;
