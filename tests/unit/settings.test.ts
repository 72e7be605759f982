import { expect } from "chai";
import { DEFAULT_SETTINGS, pollWaitSeconds, settingsProblems } from "../../functions/settings";
import { pendingOrTimeout } from "../../functions/collect-report/progress";
import { ReportTimedOut } from "../../functions/errors";

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

  it("returns pending with the wait until the last attempt, then times out", () => {
    const poll = { maxAttempts: 3, intervalSeconds: 5 };
    expect(pendingOrTimeout(2, poll, "report INPROGRESS")).to.deep.equal({ status: "pending", attempts: 2, waitSeconds: 10 });
    expect(() => pendingOrTimeout(3, poll, "report INPROGRESS"))
      .to.throw(ReportTimedOut, "ReportTimedOut: report INPROGRESS; still not stored after 3 of 3 attempts")
      .with.property("name", "ReportTimedOut");
  });

  it("reports every out-of-range setting with its name and bounds", () => {
    expect(settingsProblems({ maxConcurrency: 0, maxPollAttempts: 2.5, pollIntervalSeconds: 301, runTimeoutMinutes: 1441 })).to.deep.equal([
      "maxConcurrency must be a whole number from 1 to 40, got 0",
      "maxPollAttempts must be a whole number from 1 to 100, got 2.5",
      "pollIntervalSeconds must be a whole number from 1 to 300, got 301",
      "runTimeoutMinutes must be a whole number from 10 to 1440, got 1441",
    ]);
    expect(settingsProblems(DEFAULT_SETTINGS)).to.deep.equal([]);
  });
});
