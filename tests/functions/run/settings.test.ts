import { expect } from "chai";
import { DEFAULT_SETTINGS, pollWaitSeconds, settingsProblems } from "../../../functions/run/settings";

describe("poll settings", () => {
  it("doubles the wait from the interval and caps it at five minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => pollWaitSeconds(attempt, 10))).to.deep.equal([10, 20, 40, 80, 160, 300, 300]);
  });

  it("keeps the default bound close to the 45 minutes of the original solution", () => {
    const { maxPollAttempts, pollIntervalSeconds } = DEFAULT_SETTINGS;
    let total = 0;
    for (let attempt = 1; attempt < maxPollAttempts; attempt++) total += pollWaitSeconds(attempt, pollIntervalSeconds);
    expect(total).to.be.within(40 * 60, 55 * 60);
  });

  it("reports every out-of-range setting with its name and bounds", () => {
    expect(settingsProblems({ maxConcurrency: 0, accountsPerBatch: 101, maxPollAttempts: 2.5, pollIntervalSeconds: 301, runTimeoutMinutes: 1441 })).to.deep.equal([
      "maxConcurrency must be a whole number from 1 to 1000, got 0",
      "accountsPerBatch must be a whole number from 1 to 100, got 101",
      "maxPollAttempts must be a whole number from 1 to 100, got 2.5",
      "pollIntervalSeconds must be a whole number from 1 to 300, got 301",
      "runTimeoutMinutes must be a whole number from 10 to 1440, got 1441",
    ]);
    expect(settingsProblems(DEFAULT_SETTINGS)).to.deep.equal([]);
  });
});
