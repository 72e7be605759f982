import { expect } from "chai";
import { manifestKey, reportKey, runDate, runPrefix } from "../../../functions/run/report-keys";

describe("S3 key layout", () => {
  const run = { id: "3f2c9a1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f", startedAt: "2026-11-24T23:59:59.999Z" };

  it("puts date, run and account in Hive-style segments", () => {
    expect(reportKey(run, "111122223333")).to.equal(
      "credential-reports/date=2026-11-24/run=3f2c9a1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f/account=111122223333.csv",
    );
    expect(manifestKey(run)).to.equal("credential-reports/date=2026-11-24/run=3f2c9a1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f/manifest.json");
  });

  it("takes the date in UTC from the execution start time", () => {
    expect(runDate({ id: "r", startedAt: "2026-11-25T01:30:00+02:00" })).to.equal("2026-11-24");
  });

  it("gives two runs of the same day different keys", () => {
    const other = { ...run, id: "second-run" };
    expect(reportKey(other, "111122223333")).to.not.equal(reportKey(run, "111122223333"));
    expect(runPrefix(other)).to.equal("credential-reports/date=2026-11-24/run=second-run/");
  });

  it("rejects ids that would bend the path", () => {
    expect(() => reportKey(run, "1111/2222333")).to.throw(RangeError, 'account id must be 12 digits, got "1111/2222333"');
    expect(() => runPrefix({ ...run, id: "a/b" })).to.throw(RangeError, 'run.id must be 1-80 of A-Z a-z 0-9 _ . -, got "a/b"');
    expect(() => runDate({ id: "r", startedAt: "yesterday" })).to.throw(RangeError, 'run.startedAt must be an ISO 8601 time, got "yesterday"');
  });
});
