import { DEFAULT_THRESHOLDS } from "../../../functions/analysis/findings";
import { iamAsReported } from "../../helpers/iam-as-reported";
import { expect } from "chai";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { AccountOutcome, SkippedAccount, SummarizeInput } from "../../../functions/run/contracts";
import { silentLog } from "../../../functions/log";
import { buildManifest, describeCaughtError, MAX_FAILURES_LISTED, runSummaryMessage } from "../../../functions/summarize/manifest";
import { summarize, type SummarizeDeps } from "../../../functions/summarize/summarize";
import { lambdaCause } from "../../../local/runner";
import { AssumeRoleFailed } from "../../../functions/run/errors";
import { awsError } from "../../helpers/aws-errors";

const run = { id: "run-7", startedAt: "2026-11-24T08:00:00.000Z" };
const prefix = "credential-reports/date=2026-11-24/run=run-7/";
const denied = { Error: "AssumeRoleFailed", Cause: lambdaCause(new AssumeRoleFailed("AccessDenied", "not authorized to assume")) };
const collectedB: AccountOutcome = { id: "222222222222", name: "b", status: "collected", attempts: 2 };
const failedA: AccountOutcome = { id: "111111111111", name: "a", status: "failed", attempts: 1, error: denied };
const suspendedC: SkippedAccount = { id: "333333333333", name: "c", status: "SUSPENDED" };
const MAP_FOLDER = "map-runs/run=run-7/11111111-2222-3333-4444-555555555555/";
const text = (value: unknown): any => ({ Body: { transformToString: async () => JSON.stringify(value) } });

/** A stored report as GetObject returns it (only transformToString is read). */
function reportBody(fixture: string): any {
  const csv = readFileSync(join(__dirname, "../../fixtures/credential-reports", fixture), "utf8");
  return { transformToString: async () => csv };
}

/** What IAM said beside a fixture's report, as GetObject returns it: its root row, a password, CIS's password policy. */
function iamBody(fixture: string): any {
  const csv = readFileSync(join(__dirname, "../../fixtures/credential-reports", fixture), "utf8");
  return text(iamAsReported("111111111111", csv));
}

describe("Summarize", () => {
  let s3: AwsClientStub<S3Client>;
  let sns: AwsClientStub<SNSClient>;
  let events: AwsClientStub<EventBridgeClient>;
  const deps: SummarizeDeps = {
    s3: new S3Client({}),
    sns: new SNSClient({}),
    events: new EventBridgeClient({}),
    bucket: "reports",
    topicArn: "arn:aws:sns:us-east-1:999988887777:alerts",
    now: () => new Date("2026-11-24T08:05:00.000Z"),
    log: silentLog,
  };

  /**
   * A run as S3 holds it when Summarize starts: its account list (accounts.json), and the Map's
   * results, one child per entry of `children` (succeeded: its accounts' outcomes; failed: its
   * accounts and error).
   */
  function storedRun(
    children: ReadonlyArray<{ outcomes: AccountOutcome[] } | { failed: string[]; error: string }>,
    skipped: SkippedAccount[] = [],
    names: Record<string, string> = { "111111111111": "a", "222222222222": "b" },
  ): SummarizeInput {
    const ids = children.flatMap((child) => ("outcomes" in child ? child.outcomes.map((o) => o.id) : child.failed));
    s3.on(GetObjectCommand, { Key: `${prefix}accounts.json` }).resolves(
      text({ schemaVersion: 1, run, accounts: ids.map((id) => ({ id, name: names[id] ?? "" })), skipped }),
    );
    const entries = children.map((child, i) =>
      "outcomes" in child
        ? { ExecutionArn: `e${i}`, Status: "SUCCEEDED", Input: "{}", Output: JSON.stringify(child.outcomes) }
        : { ExecutionArn: `e${i}`, Status: "FAILED", Input: JSON.stringify({ Items: child.failed.map((id) => ({ id, name: names[id] ?? "" })) }), Error: child.error, Cause: "the batch's Lambda failed" },
    );
    s3.on(GetObjectCommand, { Key: `${MAP_FOLDER}manifest.json` }).resolves(
      text({ DestinationBucket: "map-files", MapRunArn: "arn:mr", ResultFiles: { SUCCEEDED: [{ Key: `${MAP_FOLDER}SUCCEEDED_0.json`, Size: 1 }], FAILED: [], PENDING: [] } }),
    );
    s3.on(GetObjectCommand, { Key: `${MAP_FOLDER}SUCCEEDED_0.json` }).resolves(text(entries));
    return {
      run,
      listing: {
        accountList: { bucket: "reports", key: `${prefix}accounts.json` },
        toCollect: { bucket: "map-files", key: "map-runs/run=run-7/accounts-to-collect.json" },
        counts: { accounts: ids.length, skipped: skipped.length },
      },
      results: { MapRunArn: "arn:mr", ResultWriterDetails: { Bucket: "map-files", Key: `${MAP_FOLDER}manifest.json` } },
    };
  }
  let input: SummarizeInput;

  // mockClient patches the client class itself: only while these tests run, so the
  // end-to-end tests get the real thing.
  before(() => {
    s3 = mockClient(S3Client);
    sns = mockClient(SNSClient);
    events = mockClient(EventBridgeClient);
  });
  after(() => {
    s3.restore();
    sns.restore();
    events.restore();
  });

  /** Every collected account's report is this fixture, stored with what IAM said beside it. */
  const storedReports = (fixture: string) => {
    s3.on(GetObjectCommand).resolves({ Body: reportBody(fixture) });
    for (const id of ["111111111111", "222222222222"]) s3.on(GetObjectCommand, { Key: `${prefix}account=${id}.iam.json` }).resolves(iamBody(fixture));
  };

  beforeEach(() => {
    s3.reset();
    sns.reset();
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    // What Summarize streams from disk is read here, as S3 would, so the tests can look at it.
    s3.on(PutObjectCommand).callsFake(async (put: { Body?: unknown }) => {
      if (put.Body instanceof Readable) put.Body = (await put.Body.toArray()).join("");
      return {};
    });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 321, Metadata: { sha256: "ab".repeat(32), "report-generated-at": "2026-11-24T08:00:05.000Z" } });
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    storedReports("sandbox-222222222222.csv");
    s3.on(ListObjectsV2Command).resolves({});
    // The run's folder holds the collected accounts' reports.
    s3.on(ListObjectsV2Command, { Prefix: prefix }).resolves({
      Contents: ["111111111111", "222222222222"].map((id) => ({ Key: `${prefix}account=${id}.csv`, Size: 321 })),
    });
    input = storedRun([{ outcomes: [collectedB, failedA] }], [suspendedC]);
  });

  it("writes the manifest beside the reports, once, with every account", async () => {
    const summary = await summarize(input, deps);

    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).to.include({ Bucket: "reports", Key: `${prefix}manifest.json`, IfNoneMatch: "*", ContentType: "application/json" });
    const manifest = JSON.parse(put.Body as string);
    expect(manifest).to.deep.include({ runId: "run-7", date: "2026-11-24", startedAt: run.startedAt, endedAt: "2026-11-24T08:05:00.000Z", prefix });
    expect(manifest.counts).to.deep.equal({ accounts: 3, collected: 1, failed: 1, skipped: 1, skippedByStatus: { SUSPENDED: 1 }, unverified: 0 });
    expect(manifest.accounts).to.deep.equal([
      {
        accountId: "111111111111",
        name: "a",
        attempts: 1,
        status: "failed",
        errorType: "AssumeRoleFailed",
        errorCode: "AccessDenied",
        errorMessage: "not authorized to assume",
      },
      {
        accountId: "222222222222",
        name: "b",
        attempts: 2,
        status: "collected",
        key: `${prefix}account=222222222222.csv`,
        bytes: 321,
        sha256: "ab".repeat(32),
        reportGeneratedAt: "2026-11-24T08:00:05.000Z",
      },
      { accountId: "333333333333", name: "c", status: "skipped", attempts: 0, skipReason: "SUSPENDED" },
    ]);
    expect(summary).to.deep.equal({
      manifestKey: `${prefix}manifest.json`,
      counts: manifest.counts,
      findings: { bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, new: 0 },
    });
  });

  it("publishes one run summary naming the failed accounts", async () => {
    await summarize(input, deps);

    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).to.have.length(1);
    expect(published[0].TopicArn).to.equal(deps.topicArn);
    expect(published[0].Message).to.contain("1 collected, 1 failed, 1 skipped (1 SUSPENDED)");
    expect(published[0].Message).to.contain("- 111111111111 (a): AssumeRoleFailed AccessDenied: not authorized to assume");
    expect(published[0].Message).to.contain(`Manifest: s3://reports/${prefix}manifest.json`);
  });

  it("puts one event for the run on the default bus: counts, findings, where the manifest and page are", async () => {
    storedReports("workloads-111111111111.csv");

    await summarize(storedRun([{ outcomes: [collectedB, failedA] }]), deps);

    const entries = events.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries).to.have.length(1);
    expect(entries[0]).to.deep.include({ Source: "org-credential-reports", DetailType: "Credential Report Run Completed" });
    expect(entries[0].EventBusName).to.equal(undefined);
    expect(JSON.parse(entries[0].Detail!)).to.deep.equal({
      runId: "run-7",
      startedAt: run.startedAt,
      counts: { accounts: 2, collected: 1, failed: 1, skipped: 0, skippedByStatus: {}, unverified: 0 },
      findings: {
        total: 10,
        bySeverity: { critical: 2, high: 3, medium: 3, low: 2 },
        new: 10,
        newCriticalOrHigh: 5,
        resolved: 0,
        notRechecked: { findings: 0, accounts: 0 },
        notEvaluated: { accounts: 0, byCheck: {} },
        unreadableReports: 0,
      },
      remediation: { deactivated: 0, wouldDeactivate: 0, left: 0, scheduled: 0, fixedByPipeline: 0, actions: `s3://reports/${prefix}actions.jsonl` },
      notRecheckedAccounts: [],
      unreadableAccounts: [],
      manifest: `s3://reports/${prefix}manifest.json`,
      report: `s3://reports/${prefix}report.html`,
    });
  });

  it("names a stored report that cannot be read as a failure, in the SNS summary and the run's event", async () => {
    storedReports("not-a-report.csv");

    await summarize(storedRun([{ outcomes: [collectedB] }]), deps);

    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).to.have.length(1);
    expect(published[0].Subject).to.equal("IAM credential report: 1 report(s) unreadable");
    expect(published[0].Message).to.contain(
      "Reports stored but not readable (these accounts' earlier findings are carried, neither re-checked nor resolved):\n- 222222222222: MalformedReport: the report of account 222222222222 is not a readable credential report: missing columns user, arn,",
    );
    const [entry] = events.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    const detail = JSON.parse(entry.Detail!);
    expect(detail.findings.unreadableReports).to.equal(1);
    expect(detail.unreadableAccounts).to.deep.equal(["222222222222"]);
  });

  it("keeps the run's files and counts when its event cannot be put, and says why", async () => {
    events.on(PutEventsCommand).rejects(awsError("AccessDeniedException", 400, "not authorized to perform events:PutEvents"));

    const summary = await summarize(storedRun([{ outcomes: [collectedB] }]), deps);

    expect(summary.counts.collected).to.equal(1);
    expect(summary.eventError).to.equal("PutEvents: AccessDeniedException: not authorized to perform events:PutEvents");
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).to.include(`${prefix}manifest.json`);
  });

  it("publishes nothing when every account was collected or skipped by status", async () => {
    await summarize(storedRun([{ outcomes: [collectedB] }], [suspendedC]), deps);

    expect(sns.commandCalls(PublishCommand)).to.have.length(0);
  });

  it("stores the analysis beside the manifest and publishes new critical and high findings", async () => {
    storedReports("workloads-111111111111.csv");

    const summary = await summarize(storedRun([{ outcomes: [collectedB] }]), deps);

    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    // The account the collector did not analyse is analysed here, and stored beside its report.
    expect(keys).to.deep.equal([
      ...["manifest.json", "account=222222222222.analysis.json", "findings.json", "findings.jsonl"].map((file) => prefix + file),
      // The run's findings and record, kept across runs for Athena's history tables.
      "credential-reports/history/findings-parquet/date=2026-11-24/run-7.parquet",
      ...["findings.csv", "changes.json", "users.csv", "actions.jsonl", "summary.json", "trend.json"].map((file) => prefix + file),
      "credential-reports/history/runs/date=2026-11-24/run-7.json",
      prefix + "report.html",
    ]);
    expect(s3.commandCalls(PutObjectCommand).every((call) => call.args[0].input.IfNoneMatch === "*")).to.equal(true);
    expect(summary.findings).to.deep.equal({ bySeverity: { critical: 2, high: 3, medium: 3, low: 2 }, new: 10 });
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).to.have.length(1);
    expect(published[0].Subject).to.equal("IAM credential report: 5 new critical or high finding(s)");
    expect(published[0].Message).to.contain("Findings: 10 (2 critical, 3 high, 3 medium, 2 low); 10 new, 0 resolved (no earlier run to compare with).");
    expect(published[0].Message).to.contain("- [critical] The root user of 222222222222 has credentials and no MFA");
    expect(published[0].Message).to.contain(`Report: s3://reports/${prefix}report.html`);
  });

  it("draws the findings' lines where the deployment says", async () => {
    storedReports("workloads-111111111111.csv");
    const oneRun = storedRun([{ outcomes: [collectedB] }]);

    const strict = await summarize(oneRun, { ...deps, thresholds: { ...DEFAULT_THRESHOLDS, maxKeyAgeDays: 30 } });

    // Five active keys are more than 30 days old (at the default of 90, none is on this date).
    expect(strict.findings?.bySeverity).to.deep.equal({ critical: 2, high: 3, medium: 3 + 5, low: 2 });
    const stored = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === `${prefix}findings.json`)!;
    expect(JSON.parse(stored.args[0].input.Body as string).thresholds).to.deep.include({ maxKeyAgeDays: 30 });
  });

  it("still returns the counts, and says so in a summary, when the analysis fails", async () => {
    // Looking for the previous run (a listing of folders) is refused.
    s3.on(ListObjectsV2Command, { Delimiter: "/" }).rejects(awsError("AccessDenied", 403, "Access Denied"));

    const summary = await summarize(storedRun([{ outcomes: [collectedB] }]), deps);

    expect(summary.counts).to.include({ collected: 1, failed: 0 });
    expect(summary.findings).to.equal(undefined);
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published[0].Subject).to.equal("IAM credential report: analysis failed");
    expect(published[0].Message).to.match(/The analysis of this run failed: .*Access Denied/);
    expect(summary.analysisError).to.match(/Access Denied/);
  });

  it("returns the analysis error, with the manifest stored, when S3 refuses an analysis file for good", async () => {
    s3.on(PutObjectCommand, { Key: `${prefix}findings.json` }).rejects(awsError("AccessDenied", 403, "Access Denied"));

    const summary = await summarize(storedRun([{ outcomes: [collectedB] }]), deps);

    expect(summary.analysisError).to.equal(`StoreFailed: AccessDenied: ${prefix}findings.json: Access Denied`);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.Key).to.equal(`${prefix}manifest.json`);
  });

  for (const [step, arrange] of [
    ["the manifest", () => s3.on(PutObjectCommand, { Key: `${prefix}manifest.json` }).rejects(awsError("SlowDown", 503, "Please reduce your request rate."))],
    ["findings.json", () => s3.on(PutObjectCommand, { Key: `${prefix}findings.json` }).rejects(awsError("SlowDown", 503, "Please reduce your request rate."))],
    ["the listing of the run's folder", () => s3.on(ListObjectsV2Command, { Prefix: prefix }).rejects(awsError("InternalError", 500))],
    ["a report read for the analysis", () => s3.on(GetObjectCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))],
    ["the SNS summary", () => sns.on(PublishCommand).rejects(awsError("Throttling", 400, "Rate exceeded"))],
  ] as const) {
    it(`asks to be run again (TransientAwsError) when AWS says "later" for ${step}`, async () => {
      arrange();

      const error = await summarize(input, deps).catch((err: Error) => err);

      expect(error).to.have.property("name", "TransientAwsError");
    });
  }

  it("lists a collected account with no object at its key as failed", async () => {
    s3.on(ListObjectsV2Command, { Prefix: prefix }).resolves({ Contents: [] });

    const summary = await summarize(input, deps);

    expect(summary.counts).to.include({ collected: 0, failed: 2 });
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts[1]).to.include({ status: "failed", errorCode: "ReportMissing", errorMessage: `no object at ${prefix}account=222222222222.csv` });
    expect(s3.commandCalls(HeadObjectCommand)).to.have.length(0);
  });

  it("takes what the collector recorded of a stored report when its listed size matches, without a HEAD", async () => {
    const facts = { bytes: 321, sha256: "cd".repeat(32), generatedAt: "2026-11-24T08:00:07.000Z" };
    const withFacts = storedRun([{ outcomes: [{ ...collectedB, report: facts }] }]);

    await summarize(withFacts, deps);

    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts[0]).to.deep.include({ status: "collected", bytes: 321, sha256: facts.sha256, reportGeneratedAt: facts.generatedAt });
    expect(s3.commandCalls(HeadObjectCommand)).to.have.length(0);
  });

  it("reads a stored report back when its size is not what the collector recorded", async () => {
    const withFacts = storedRun([{ outcomes: [{ ...collectedB, report: { bytes: 999, sha256: "cd".repeat(32), generatedAt: "2026-11-24T08:00:07.000Z" } }] }]);

    await summarize(withFacts, deps);

    expect(s3.commandCalls(HeadObjectCommand)).to.have.length(1);
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts[0]).to.deep.include({ bytes: 321, sha256: "ab".repeat(32) });
  });

  it("keeps a listed report whose metadata cannot be read back as collected, marked unverified", async () => {
    s3.on(HeadObjectCommand).rejects(awsError("ServiceUnavailable", 503, "Service Unavailable"));

    const summary = await summarize(input, deps);

    expect(summary.counts).to.include({ collected: 1, failed: 1, unverified: 1 });
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts[1]).to.deep.equal({
      accountId: "222222222222",
      name: "b",
      attempts: 2,
      status: "collected",
      key: `${prefix}account=222222222222.csv`,
      bytes: 321,
      unverified: "HeadObject: ServiceUnavailable: Service Unavailable",
    });
  });

  it("accounts for the accounts of a child that failed as a whole: collected where their report is stored, else failed with its error", async () => {
    s3.on(ListObjectsV2Command, { Prefix: prefix }).resolves({ Contents: [{ Key: `${prefix}account=222222222222.csv`, Size: 321 }] });
    const failedChild = storedRun([{ failed: ["111111111111", "222222222222"], error: "InvalidInput" }]);

    const summary = await summarize(failedChild, deps);

    expect(summary.counts).to.include({ accounts: 2, collected: 1, failed: 1 });
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts.map((e: { accountId: string; status: string; errorType?: string }) => [e.accountId, e.status, e.errorType])).to.deep.equal([
      ["111111111111", "failed", "InvalidInput"],
      ["222222222222", "collected", undefined],
    ]);
  });

  it("gives every listed account a line when the Map failed as a whole", async () => {
    s3.on(ListObjectsV2Command, { Prefix: prefix }).resolves({ Contents: [] });
    const { results: _results, ...listedOnly } = storedRun([{ outcomes: [collectedB, failedA] }], [suspendedC]);

    const summary = await summarize({ ...listedOnly, mapError: { Error: "States.ItemReaderFailed", Cause: "Access Denied" } }, deps);

    expect(summary.counts).to.include({ accounts: 3, collected: 0, failed: 2, skipped: 1 });
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(manifest.accounts.filter((e: { status: string }) => e.status === "failed").map((e: { errorType: string }) => e.errorType)).to.deep.equal([
      "States.ItemReaderFailed",
      "States.ItemReaderFailed",
    ]);
  });

  it("keeps a manifest an earlier try already wrote, works from it, and still publishes", async () => {
    const earlier = buildManifest(run, [collectedB, failedA], [suspendedC], new Map(), new Date("2026-11-24T08:04:00.000Z"));
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(GetObjectCommand, { Key: `${prefix}manifest.json` }).resolves({ Body: { transformToString: async () => JSON.stringify(earlier) } as any });

    const summary = await summarize(input, deps);

    // The stored manifest found both collected and failed accounts failed (nothing was read back then).
    expect(summary.counts).to.deep.equal(earlier.counts);
    expect(sns.commandCalls(PublishCommand)).to.have.length(1);
  });

  it("fails with StoreFailed when the manifest cannot be written", async () => {
    s3.on(PutObjectCommand).rejects(awsError("AccessDenied", 403, "Access Denied"));

    const error = await summarize(input, deps).catch((err: Error) => err);

    expect(error).to.include({ name: "StoreFailed", message: `AccessDenied: ${prefix}manifest.json: Access Denied` });
  });
});

describe("run manifest", () => {
  it("reads Lambda's JSON cause, a plain Step Functions cause and a missing one", () => {
    expect(describeCaughtError(denied)).to.deep.equal({ type: "AssumeRoleFailed", code: "AccessDenied", message: "not authorized to assume" });
    expect(describeCaughtError({ Error: "States.Timeout", Cause: "Task timed out" })).to.deep.equal({
      type: "States.Timeout",
      code: "States.Timeout",
      message: "Task timed out",
    });
    expect(describeCaughtError({ Error: "Lambda.Unknown" })).to.deep.equal({ type: "Lambda.Unknown", code: "Lambda.Unknown", message: "" });
  });

  it("says in the SNS summary how many earlier findings were carried forward, not resolved", () => {
    const manifest = buildManifest(run, [], [], new Map(), new Date("2026-11-24T09:00:00Z"));
    const digest = {
      bySeverity: { critical: 0, high: 1, medium: 0, low: 0 },
      total: 1,
      newCount: 0,
      resolvedCount: 0,
      notRechecked: { findings: 3, accountIds: ["222222222222"] },
      previousRunId: "run-0",
      urgent: [],
      urgentCount: 0,
      notEvaluated: { accounts: 0, byCheck: {}, listed: [] },
      unreadableReports: [],
      reportKey: "k/report.html",
    };

    const message = runSummaryMessage(manifest, "reports", "k", digest);

    expect(message).to.contain("3 earlier finding(s) of 1 account(s) not re-checked this run are carried forward: neither new nor resolved until their report is read again.");
    expect(runSummaryMessage(manifest, "reports", "k", { ...digest, notRechecked: { findings: 0, accountIds: [] } })).to.not.contain("carried forward");
    expect(message).to.not.contain("not evaluated");
  });

  it("names the accounts whose checks IAM's answers left undecided", () => {
    const manifest = buildManifest(run, [], [], new Map(), new Date("2026-11-24T09:00:00Z"));
    const notEvaluated = {
      accounts: 21,
      byCheck: { "root-mfa-off": 21 },
      listed: [{ accountId: "111111111111", checks: ["root-mfa-off", "root-hardware-mfa-off"] as const, reason: "iam:GetAccountSummary: AccessDenied" }],
    };
    const digest = { bySeverity: {}, total: 0, newCount: 0, resolvedCount: 0, notRechecked: { findings: 0, accountIds: [] }, previousRunId: null, urgent: [], urgentCount: 0, notEvaluated, unreadableReports: [], reportKey: "k" };

    expect(runSummaryMessage(manifest, "reports", "k", digest)).to.contain(
      "Checks not evaluated in 21 account(s), neither passing nor failing (their earlier findings are carried):\n- 111111111111: root-mfa-off, root-hardware-mfa-off (iam:GetAccountSummary: AccessDenied)\n- ... and 20 more",
    );
  });

  it("lists at most a bounded number of failures in the SNS summary", () => {
    const failures = Array.from({ length: MAX_FAILURES_LISTED + 5 }, (_, i) => ({
      id: String(100000000000 + i),
      name: `n${i}`,
      status: "failed" as const,
      attempts: 1,
      error: denied,
    }));
    const manifest = buildManifest(run, failures, [], new Map(), new Date("2026-11-24T09:00:00Z"));

    const message = runSummaryMessage(manifest, "reports", "k");

    expect(message.split("\n").filter((line) => line.startsWith("- 1"))).to.have.length(MAX_FAILURES_LISTED);
    expect(message).to.contain("- ... and 5 more");
  });
});
