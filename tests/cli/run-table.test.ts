import { expect } from "chai";
import { asLambda, LAMBDA_RESPONSE_LIMIT_BYTES, lambdaCause, newRunId } from "../../local/runner";
import { countUsers, formatRunTable } from "../../cli/output/run-table";
import { ReportTimedOut } from "../../functions/run/errors";
import { runPrefix } from "../../functions/run/report-keys";
import { buildManifest, describeCaughtError, type ReadBack } from "../../functions/summarize/manifest";

describe("local runner helpers", () => {
  it("counts users by line, so a comma in a user name does not matter", () => {
    expect(countUsers("user,arn\na,b,arn:aws:iam::1:user/a,b\nc,arn:aws:iam::1:user/c\n")).to.equal(2);
    expect(countUsers("user,arn\n")).to.equal(0);
  });

  it("prints one row per account with users, report file or reason", () => {
    const run = { id: "r1", startedAt: "2026-11-24T08:00:00Z" };
    const key = `${runPrefix(run)}account=111111111111.csv`;
    const stored = new Map<string, ReadBack>([["111111111111", { kind: "verified", report: { key, bytes: 10, sha256: "s", reportGeneratedAt: "t" } }]]);
    const manifest = buildManifest(
      run,
      [
        { id: "111111111111", name: "one", status: "collected", attempts: 2 },
        { id: "222222222222", name: "two", status: "failed", attempts: 1, error: { Error: "AssumeRoleFailed", Cause: "AccessDenied: no" } },
      ],
      [{ id: "333333333333", name: "three", status: "SUSPENDED" }],
      stored,
      new Date(),
    );

    expect(formatRunTable(manifest, new Map([[key, 4]])).split("\n")).to.deep.equal([
      "ACCOUNT       NAME   STATUS     USERS  REPORT / REASON",
      "111111111111  one    collected  4      account=111111111111.csv",
      "222222222222  two    failed     -      AccessDenied: no",
      "333333333333  three  skipped    -      SUSPENDED",
    ]);
    // Without the downloaded reports, no column of users to guess.
    expect(formatRunTable(manifest).split("\n")[0]).to.equal("ACCOUNT       NAME   STATUS     REPORT / REASON");
    expect(formatRunTable(manifest)).to.not.contain("?");
  });

  it("fails an in-process task the way Lambda does, so the manifest reads it the same", async () => {
    const task = asLambda(async () => {
      throw new ReportTimedOut("report INPROGRESS");
    });

    const error = await task({}).catch((err: Error) => err);

    expect(error.name).to.equal("ReportTimedOut");
    expect(JSON.parse(error.message)).to.deep.include({ errorType: "ReportTimedOut", errorMessage: "ReportTimedOut: report INPROGRESS" });
    expect(describeCaughtError({ Error: error.name, Cause: error.message })).to.deep.equal({
      type: "ReportTimedOut",
      code: "ReportTimedOut",
      message: "report INPROGRESS",
    });
    expect(lambdaCause(new Error("x"))).to.not.contain("at ");
  });

  it("fails an in-process task whose answer is over Lambda's 6 MB, as Lambda refuses it", async () => {
    const answer = (bytes: number) => asLambda(async () => ({ text: "x".repeat(bytes - '{"text":""}'.length) }));

    expect(await answer(LAMBDA_RESPONSE_LIMIT_BYTES)({})).to.have.nested.property("text.length", LAMBDA_RESPONSE_LIMIT_BYTES - 11);
    const error = await answer(LAMBDA_RESPONSE_LIMIT_BYTES + 1)({}).catch((err: Error) => err);

    expect(error).to.be.instanceOf(Error);
    expect((error as Error).name).to.equal("Function.ResponseSizeTooLarge");
    expect(JSON.parse((error as Error).message).errorMessage).to.contain(`(${LAMBDA_RESPONSE_LIMIT_BYTES + 1} bytes) exceeded maximum allowed payload size`);
  });

  it("makes run ids that are unique and valid in S3 keys", () => {
    const now = new Date("2026-11-24T08:00:00.123Z");
    const [a, b] = [newRunId(now), newRunId(now)];
    expect(a).to.match(/^local-20261124T080000Z-[0-9a-f]{6}$/);
    expect(a).to.not.equal(b);
    expect(() => runPrefix({ id: a, startedAt: now.toISOString() })).to.not.throw();
  });
});
