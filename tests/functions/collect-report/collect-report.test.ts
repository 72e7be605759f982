import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BatchImportFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { collectorSessionPolicy } from "../../../policies/session-policies";
import { DEFAULT_THRESHOLDS } from "../../../functions/analysis/findings";
import { collectAccount, type CollectDeps } from "../../../functions/collect-report/collect-report";
import { MAX_FAILURES_LISTED } from "../../../functions/aws/security-hub";
import { collectBatch, IN_CALL_PAUSES_MS } from "../../../functions/collect-report/collect-batch";
import type { BatchState } from "../../../functions/run/contracts";
import { ACCOUNTS_AT_ONCE_PER_BATCH } from "../../../functions/run/settings";
import { silentLog } from "../../../functions/log";
import { awsError } from "../../helpers/aws-errors";

const REPORT = Buffer.from("user,arn\n<root_account>,arn:aws:iam::111122223333:root\na,b+c,arn:aws:iam::111122223333:user/a,b+c\n");
const SHA256 = createHash("sha256").update(REPORT).digest();
const KEY = "credential-reports/date=2026-11-24/run=run-1/account=111122223333.csv";
// What the collector records of the report it stored (the fixture's, generated at 08:00:05).
const FACTS = { bytes: REPORT.length, sha256: SHA256.toString("hex"), generatedAt: "2026-11-24T08:00:05.000Z" };

describe("CollectReport", () => {
  let sts: AwsClientStub<STSClient>;
  let iam: AwsClientStub<IAMClient>;
  let s3: AwsClientStub<S3Client>;
  const credentialsUsed: unknown[] = [];

  const deps: CollectDeps = {
    sts: new STSClient({}),
    s3: new S3Client({}),
    iamClient: (credentials) => {
      credentialsUsed.push(credentials);
      return new IAMClient({});
    },
    bucket: "reports",
    memberRoleName: "iam-credential-report-generation-role",
    ownAccountId: "999988887777",
    partition: "aws",
    log: silentLog,
  };

  const run = { id: "run-1", startedAt: "2026-11-24T08:00:00.000Z" };
  /** One try for one account, as the given (1-based) round. */
  const once = (attempt = 1, accountId = "111122223333") => collectAccount({ id: accountId, name: "workloads" }, run, attempt, deps);
  const pauses: number[] = [];
  const batchDeps = { ...deps, sleep: async (ms: number) => void pauses.push(ms) };
  const batch = (ids: string[], progress?: BatchState["progress"]): BatchState => ({
    Items: ids.map((id) => ({ id, name: `n-${id}` })),
    BatchInput: { run, poll: { maxAttempts: 5, intervalSeconds: 10 } },
    ...(progress ? { progress } : {}),
  });

  // mockClient patches the client class itself: only while these tests run, so the
  // end-to-end tests get the real thing.
  before(() => {
    sts = mockClient(STSClient);
    iam = mockClient(IAMClient);
    s3 = mockClient(S3Client);
  });
  after(() => {
    sts.restore();
    iam.restore();
    s3.restore();
  });

  beforeEach(() => {
    for (const mock of [sts, iam, s3]) mock.reset();
    credentialsUsed.length = 0;
    pauses.length = 0;
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date() },
    });
    iam.on(GetCredentialReportCommand).resolves({ Content: REPORT, GeneratedTime: new Date("2026-11-24T08:00:05Z"), ReportFormat: "text/csv" });
    s3.on(PutObjectCommand).resolves({});
  });

  it("assumes the member role with a session named after the run, for the shortest time, limited to what the collector does", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "STARTED" });

    await once();

    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).to.deep.equal([
      {
        RoleArn: "arn:aws:iam::111122223333:role/iam-credential-report-generation-role",
        RoleSessionName: "credreport-run-1",
        DurationSeconds: 900,
        Policy: JSON.stringify(collectorSessionPolicy()),
      },
    ]);
    expect(credentialsUsed).to.deep.equal([{ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" }]);
  });

  it("uses its own credentials in its own account", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });

    expect(await once(1, "999988887777")).to.deep.equal({ stored: true, report: FACTS });
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
    expect(credentialsUsed).to.deep.equal([undefined]);
  });

  for (const state of ["STARTED", "INPROGRESS"] as const) {
    it(`is not ready, and stores nothing, while the report is ${state}`, async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: state });

      expect(await once()).to.deep.equal({ stored: false, reason: `report ${state}` });
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(0);
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(0);
    });
  }

  it("stores the bytes unchanged at the run's key, once, with checksum and report time", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });

    expect(await once(2)).to.deep.equal({ stored: true, report: FACTS });
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).to.deep.include({
      Bucket: "reports",
      Key: KEY,
      ContentType: "text/csv",
      ChecksumSHA256: SHA256.toString("base64"),
      IfNoneMatch: "*",
      Metadata: {
        "account-id": "111122223333",
        "run-id": "run-1",
        sha256: SHA256.toString("hex"),
        "report-generated-at": "2026-11-24T08:00:05.000Z",
      },
    });
    expect(Buffer.from(put.Body as Uint8Array).equals(REPORT)).to.equal(true);
  });

  for (const [code, status, name] of [["Throttling", 400, "Throttling"], ["LimitExceeded", 409, "LimitExceededException"], ["ServiceFailure", 500, "ServiceFailureException"]] as const) {
    it(`treats ${code} from IAM as pending`, async () => {
      iam.on(GenerateCredentialReportCommand).rejects(awsError(code, status, undefined, name));

      expect(await once()).to.deep.equal({ stored: false, reason: `credential report: ${code}` });
    });
  }

  it("treats throttling of AssumeRole as pending", async () => {
    sts.on(AssumeRoleCommand).rejects(awsError("Throttling", 400));

    expect(await once()).to.deep.include({ stored: false });
  });

  it("treats a report that vanished between generate and get as pending", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    iam.on(GetCredentialReportCommand).rejects(awsError("ReportNotPresent", 410));

    expect(await once()).to.deep.include({ stored: false });
  });

  it("fails the account with AssumeRoleFailed and the AWS code when the role cannot be assumed", async () => {
    sts.on(AssumeRoleCommand).rejects(awsError("AccessDenied", 403, "User is not authorized to perform: sts:AssumeRole"));

    const error = await once().catch((err: Error) => err);

    expect(error).to.include({ name: "AssumeRoleFailed", code: "AccessDenied" });
    expect((error as Error).message).to.equal("AccessDenied: User is not authorized to perform: sts:AssumeRole");
    expect(iam.calls()).to.have.length(0);
  });

  it("fails the account with ReportUnavailable when IAM refuses the report", async () => {
    iam.on(GenerateCredentialReportCommand).rejects(awsError("AccessDenied", 403, "not allowed"));

    const error = await once().catch((err: Error) => err);

    expect(error).to.include({ name: "ReportUnavailable", code: "AccessDenied", message: "AccessDenied: not allowed" });
  });

  it("fails the account with StoreFailed when S3 refuses the object", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("AccessDenied", 403, "Access Denied"));

    const error = await once().catch((err: Error) => err);

    expect(error).to.include({ name: "StoreFailed", code: "AccessDenied", message: `AccessDenied: ${KEY}: Access Denied` });
  });

  for (const [what, failure] of [
    ["SlowDown", () => awsError("SlowDown", 503, "Please reduce your request rate.")],
    ["a 500", () => awsError("InternalError", 500)],
    ["a dropped connection", () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
  ] as const) {
    it(`goes back to waiting, not failing, when storing meets ${what}`, async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
      s3.on(PutObjectCommand).rejects(failure());

      expect(await once(3)).to.deep.include({ stored: false });
    });
  }

  it("goes back to waiting when the key is taken and the stored checksum cannot be read for now", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).rejects(awsError("ServiceUnavailable", 503));

    expect(await once()).to.deep.include({ stored: false });
  });

  it("accepts an existing object with the same bytes as a retried call", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: SHA256.toString("hex") } });

    expect(await once()).to.deep.equal({ stored: true, report: FACTS });
  });

  it("never overwrites an existing object that holds other bytes", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: "0".repeat(64) } });

    const error = await once().catch((err: Error) => err);

    expect(error).to.include({ name: "StoreFailed", code: "PreconditionFailed" });
    expect((error as Error).message).to.equal(`PreconditionFailed: ${KEY} already holds a different report; it was not overwritten`);
    expect(s3.commandCalls(PutObjectCommand)).to.have.length(1);
  });

  describe("a batch", () => {
    it("polls a report that is not ready within the call (asking IAM to generate it once), and stores it there", async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: "STARTED" });
      iam.on(GetCredentialReportCommand).rejectsOnce(awsError("ReportInProgress", 404)).resolves({ Content: REPORT, GeneratedTime: new Date("2026-11-24T08:00:05Z") });

      const progress = await collectBatch(batch(["111122223333"]), batchDeps);

      expect(progress).to.deep.equal({
        done: [{ id: "111122223333", name: "n-111122223333", status: "collected", attempts: 1, report: FACTS }],
        pending: [],
        pendingCount: 0,
        waitSeconds: 0,
      });
      expect(pauses).to.deep.equal(IN_CALL_PAUSES_MS.slice(0, 2));
      // One role session and one generation for the account; the later tries only get the report.
      expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(1);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(1);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(2);
    });

    it("asks IAM to generate again when the report it was generating is gone", async () => {
      iam.on(GenerateCredentialReportCommand).resolvesOnce({ State: "STARTED" }).resolves({ State: "COMPLETE" });
      iam.on(GetCredentialReportCommand).rejectsOnce(awsError("ReportExpired", 410)).resolves({ Content: REPORT, GeneratedTime: new Date("2026-11-24T08:00:05Z") });

      const progress = await collectBatch(batch(["111122223333"]), batchDeps);

      expect(progress.done).to.deep.equal([{ id: "111122223333", name: "n-111122223333", status: "collected", attempts: 1, report: FACTS }]);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(2);
    });

    it("hands a report still not ready back to the state machine, with a wait that grows by round", async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: "INPROGRESS" });
      iam.on(GetCredentialReportCommand).rejects(awsError("ReportInProgress", 404));

      const first = await collectBatch(batch(["111122223333"]), batchDeps);
      const third = await collectBatch(batch(["111122223333"], { done: [], pending: [{ account: { id: "111122223333", name: "n-111122223333" }, attempts: 2 }], pendingCount: 1, waitSeconds: 20 }), batchDeps);

      expect(first).to.deep.equal({ done: [], pending: [{ account: { id: "111122223333", name: "n-111122223333" }, attempts: 1 }], pendingCount: 1, waitSeconds: 10 });
      expect(third).to.deep.include({ pendingCount: 1, waitSeconds: 40 });
      // Every try of the call: the first asks IAM to generate, one after each pause asks for the report.
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(2);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(2 * IN_CALL_PAUSES_MS.length);
      expect(pauses.slice(0, IN_CALL_PAUSES_MS.length)).to.deep.equal([...IN_CALL_PAUSES_MS]);
    });

    it("times an account out after its last round", async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: "INPROGRESS" });
      iam.on(GetCredentialReportCommand).rejects(awsError("ReportInProgress", 404));
      const account = { id: "111122223333", name: "n-111122223333" };

      const progress = await collectBatch(batch(["111122223333"], { done: [], pending: [{ account, attempts: 4 }], pendingCount: 1, waitSeconds: 80 }), batchDeps);

      expect(progress.pending).to.deep.equal([]);
      expect(progress.done).to.deep.equal([
        {
          ...account,
          status: "failed",
          attempts: 5,
          error: { Error: "ReportTimedOut", Cause: "ReportTimedOut: credential report: ReportInProgress; still not stored after 5 of 5 rounds" },
        },
      ]);
    });

    it("records one account's failure and goes on with the others, each called only until it is done", async () => {
      sts.on(AssumeRoleCommand, { RoleArn: "arn:aws:iam::222222222222:role/iam-credential-report-generation-role" }).rejects(awsError("AccessDenied", 403, "not authorized"));
      iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
      const earlier = { id: "333333333333", name: "n-333333333333", status: "collected" as const, attempts: 1 };

      const logged: [string, Record<string, unknown>][] = [];
      const progress = await collectBatch(
        batch(["111122223333", "222222222222", "333333333333"], {
          done: [earlier],
          pending: ["111122223333", "222222222222"].map((id) => ({ account: { id, name: `n-${id}` }, attempts: 1 })),
          pendingCount: 2,
          waitSeconds: 10,
        }),
        { ...batchDeps, log: (event, fields = {}) => void logged.push([event, fields]) },
      );

      expect(progress.done).to.deep.equal([
        { id: "111122223333", name: "n-111122223333", status: "collected", attempts: 2, report: FACTS },
        { id: "222222222222", name: "n-222222222222", status: "failed", attempts: 2, error: { Error: "AssumeRoleFailed", Cause: "AccessDenied: not authorized" } },
        earlier,
      ]);
      // The line docs/operations.md's troubleshooting filters on ("failed"): the error's name, not AWS's text.
      expect(logged.filter(([event]) => event === "account-failed")).to.deep.equal([["account-failed", { accountId: "222222222222", runId: run.id, error: "AssumeRoleFailed" }]]);
      expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn)).to.not.include(
        "arn:aws:iam::333333333333:role/iam-credential-report-generation-role",
      );
    });

    it(`works on at most ${ACCOUNTS_AT_ONCE_PER_BATCH} accounts of a batch at once`, async () => {
      let inFlight = 0;
      let most = 0;
      sts.on(AssumeRoleCommand).callsFake(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return { Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: new Date() } };
      });
      iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
      const ids = Array.from({ length: 35 }, (_, i) => String(100000000000 + i));

      const progress = await collectBatch(batch(ids), batchDeps);

      expect(progress.done.filter((outcome) => outcome.status === "collected")).to.have.length(35);
      expect(most).to.equal(ACCOUNTS_AT_ONCE_PER_BATCH);
    });

    it("rejects a batch that is not a batch, before any call", async () => {
      const error = await collectBatch({ Items: [{ id: "12345", name: "x" }], BatchInput: batch([]).BatchInput } as BatchState, batchDeps).catch((err: Error) => err);

      expect(error).to.include({ name: "InvalidInput" });
      expect(sts.calls()).to.have.length(0);
    });
  });
  describe("the analysis where the report is read", () => {
    const WORKLOADS = readFileSync(join(__dirname, "..", "..", "fixtures", "credential-reports", "workloads-111111111111.csv"));
    let hub: AwsClientStub<SecurityHubClient>;
    const analysing: CollectDeps = {
      ...deps,
      securityHubClient: () => new SecurityHubClient({}),
      analysis: { thresholds: DEFAULT_THRESHOLDS, acceptedRisks: [], securityHub: { partition: "aws", region: "us-east-1" } },
      retryPauseMs: 0,
    };
    const analysisKey = "credential-reports/date=2026-11-24/run=run-1/account=111111111111.analysis.json";
    const collect = () => collectAccount({ id: "111111111111", name: "workloads" }, run, 1, analysing);

    before(() => {
      hub = mockClient(SecurityHubClient);
    });
    after(() => hub.restore());
    beforeEach(() => {
      hub.reset();
      iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
      iam.on(GetCredentialReportCommand).resolves({ Content: WORKLOADS, GeneratedTime: new Date("2026-11-24T07:00:00Z"), ReportFormat: "text/csv" });
    });

    it("names no more Security Hub failures in a batch's outcomes than the run lists, and counts them all", async () => {
      hub.on(BatchImportFindingsCommand).callsFake(async (input: { Findings: { Id: string }[] }) => ({
        SuccessCount: 0,
        FailedCount: input.Findings.length,
        FailedFindings: input.Findings.map((f) => ({ Id: f.Id, ErrorCode: "InvalidInput", ErrorMessage: "refused" })),
      }));
      const ids = Array.from({ length: 30 }, (_, i) => String(100000000000 + i));

      const progress = await collectBatch(batch(ids), { ...analysing, sleep: async () => {} });

      const results = progress.done.map((outcome) => (outcome.status === "collected" ? outcome.securityHub : undefined));
      expect(results.every((result) => result !== undefined)).to.equal(true);
      expect(results.reduce((n, result) => n + result!.failed.length, 0)).to.equal(MAX_FAILURES_LISTED);
      expect(results.reduce((n, result) => n + result!.failedCount, 0)).to.be.greaterThan(ids.length * 2);
      expect(s3.commandCalls(PutObjectCommand).filter((call) => /\.analysis\.json$/.test(call.args[0].input.Key ?? ""))).to.have.length(ids.length);
    });

    it("keeps the account collected, and leaves its analysis to Summarize, when the analysis cannot be stored", async () => {
      hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0 });
      s3.on(PutObjectCommand, { Key: analysisKey }).rejects(awsError("SlowDown", 503));

      expect(await collect()).to.deep.include({ stored: true });
      // Tried again on its own, never by collecting the report again.
      expect(s3.commandCalls(PutObjectCommand).filter((call) => call.args[0].input.Key === analysisKey).length).to.be.greaterThan(1);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(1);
      // What IAM said is then stored beside the report, for Summarize to analyse the account with.
      expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).to.include(analysisKey.replace(".analysis.json", ".iam.json"));
    });

    it("stores two objects an account: the report as IAM gave it, and its analysis holding what IAM said beside it", async () => {
      hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0 });

      expect(await collect()).to.deep.include({ stored: true });

      const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(puts.map((put) => put.Key!.split("/").pop())).to.deep.equal(["account=111111111111.csv", "account=111111111111.analysis.json"]);
      const stored = JSON.parse(String(puts[1].Body));
      expect(stored.iam).to.have.property("refused");
      expect(stored.findings.length).to.be.greaterThan(0);
    });
  });
});
