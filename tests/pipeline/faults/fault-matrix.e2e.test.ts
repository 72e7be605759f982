import { GetObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { expect } from "chai";
import { stackRunOptions, summarizeByPipeline } from "../../helpers/emulator-data";
import { deployStack, type Deployment } from "../../../emulator/deploy";
import { awsClients, type AwsClients } from "../../../local/aws-clients";
import { type DemoOrganization, seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { exitStatusOf } from "../../../cli/exit-status";
import { type LocalRunResult, runLocally } from "../../../local/runner";
import { historyKey, runPrefix } from "../../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../../functions/run/settings";
import type { StoredSummary } from "../../../functions/org-report/run-combiner";
import type { Manifest, ManifestEntry } from "../../../functions/summarize/manifest";
import { assumeRoleDenied, type FaultProxy, type FaultRule, startFaultProxy } from "../../helpers/fault-proxy";

/** Who a case breaks: the account chosen for per-account faults. */
interface Accounts {
  readonly victim: string;
  readonly management: string;
}

/** One fault and what the run must make of it. */
interface FaultCase {
  readonly name: string;
  readonly rules: (accounts: Accounts) => FaultRule[];
  /** Milliseconds for every Wait and retry pause of the run. @default 0 */
  readonly pauseMs?: number;
  /** How long the endpoint may be silent before the run stops. @default 1500 */
  readonly unreachableAfterMs?: number;
  readonly expect: {
    readonly status: "succeeded" | "failed";
    readonly exitStatus: 0 | 1;
    /** The victim's entry in the manifest, when it is not simply collected. */
    readonly victim?: Partial<ManifestEntry>;
    /** Part of the run's error, when the run fails. */
    readonly error?: RegExp;
    /** Part of the analysis error, when the analysis fails. */
    readonly analysisError?: RegExp;
    /** The run failed, but only after its manifest was stored. */
    readonly manifestStored?: boolean;
    /** Checks of what the proxy saw. */
    readonly requests?: (proxy: FaultProxy) => void;
    /** Checks of the run's summary.json. */
    readonly summary?: (summary: StoredSummary, accounts: Accounts) => void;
  };
}

const slowDown = { status: 503, code: "SlowDown", message: "Please reduce your request rate." };
const reportOf = (accountId: string) => new RegExp(`account=${accountId}\\.csv$`);
const ANALYSIS_FILE = /\/findings\.json$/;
const MANIFEST = /\/manifest\.json$/;

const CASES: FaultCase[] = [
  {
    name: "IAM throttles GenerateCredentialReport in one account, 4 times",
    rules: ({ victim }) => [{ service: "iam", action: "GenerateCredentialReport", account: victim, times: 4, fault: { status: 400, code: "Throttling", message: "Rate exceeded" } }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "IAM answers LimitExceeded for one account's report, 4 times",
    rules: ({ victim }) => [{ service: "iam", action: "GenerateCredentialReport", account: victim, times: 4, fault: { status: 409, code: "LimitExceeded", message: "Too many requests" } }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "AssumeRole into one account is denied",
    rules: ({ victim }) => [assumeRoleDenied(victim)],
    expect: { status: "succeeded", exitStatus: 1, victim: { status: "failed", errorType: "AssumeRoleFailed", errorCode: "AccessDenied" } },
  },
  {
    name: "one account's report is never ready",
    rules: ({ victim }) => [{ service: "iam", action: "GetCredentialReport", account: victim, fault: { status: 410, code: "ReportInProgress", message: "Report is in progress" } }],
    expect: { status: "succeeded", exitStatus: 1, victim: { status: "failed", errorType: "ReportTimedOut", errorCode: "ReportTimedOut" } },
  },
  {
    name: "S3 answers SlowDown to 30 % of report PUTs",
    rules: () => [{ service: "s3", action: "PutObject", key: /account=\d{12}\.csv$/, probability: 0.3, fault: slowDown }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "S3 answers SlowDown to one report PUT 6 times in a row (two calls' worth of SDK retries)",
    rules: ({ victim }) => [{ service: "s3", action: "PutObject", key: reportOf(victim), times: 6, fault: slowDown }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "S3 answers 500 to one report PUT for good",
    rules: ({ victim }) => [{ service: "s3", action: "PutObject", key: reportOf(victim), fault: { status: 500, code: "InternalError", message: "We encountered an internal error." } }],
    expect: { status: "succeeded", exitStatus: 1, victim: { status: "failed", errorType: "ReportTimedOut", errorMessage: "store: InternalError" } },
  },
  {
    name: "S3 refuses one report PUT because the KMS key denies the collector",
    rules: ({ victim }) => [
      {
        service: "s3",
        action: "PutObject",
        key: reportOf(victim),
        fault: { status: 403, code: "AccessDenied", message: "User: arn:aws:sts::123456789012:assumed-role/collector/x is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/k because no identity-based policy allows the kms:GenerateDataKey action" },
      },
    ],
    expect: { status: "succeeded", exitStatus: 1, victim: { status: "failed", errorType: "StoreFailed", errorCode: "AccessDenied" } },
  },
  {
    name: "S3 answers SlowDown to the manifest PUT 4 times (past the SDK's retries)",
    rules: () => [{ service: "s3", action: "PutObject", key: MANIFEST, times: 4, fault: slowDown }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "S3 answers 503 to the findings.json PUT 4 times",
    rules: () => [{ service: "s3", action: "PutObject", key: ANALYSIS_FILE, times: 4, fault: { status: 503, code: "ServiceUnavailable", message: "Service Unavailable" } }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "S3 refuses the findings.json PUT for good",
    rules: () => [{ service: "s3", action: "PutObject", key: ANALYSIS_FILE, fault: { status: 403, code: "AccessDenied", message: "Access Denied" } }],
    expect: { status: "succeeded", exitStatus: 1, analysisError: /StoreFailed: AccessDenied: .*findings\.json: Access Denied/ },
  },
  {
    // Summarize needs no HEAD for reports whose collector recorded them (every one here); what it
    // must read is each report, for the analysis.
    name: "S3 answers 503 to reading one stored report back for good",
    rules: ({ victim }) => [{ service: "s3", action: "GetObject", key: reportOf(victim), fault: { status: 503, code: "ServiceUnavailable", message: "Service Unavailable" } }],
    expect: { status: "failed", exitStatus: 1, error: /^TransientAwsError ServiceUnavailable: reading .*account=\d{12}\.csv/, manifestStored: true },
  },
  {
    // An older member role during a StackSet rollout: the report is read, the checks that need the
    // refused call are not evaluated there (neither passing nor failing), and the run says so.
    // The report's root row (MFA on) decides root-mfa-off; the kind of device only IAM's virtual devices can tell.
    name: "IAM refuses GetAccountSummary and ListVirtualMFADevices in one account",
    rules: ({ victim }) =>
      ["GetAccountSummary", "ListVirtualMFADevices"].map((action) => ({ service: "iam", action, account: victim, fault: { status: 403, code: "AccessDenied", message: `not authorized to perform: iam:${action}` } })),
    expect: {
      status: "succeeded",
      exitStatus: 0,
      summary: (summary, { victim }) =>
        expect(summary.notEvaluated).to.deep.equal({
          accounts: 1,
          byCheck: { "root-hardware-mfa-off": 1 },
          listed: [{ accountId: victim, checks: ["root-hardware-mfa-off"], reason: "iam:GetAccountSummary: AccessDenied; iam:ListVirtualMFADevices: AccessDenied" }],
        }),
    },
  },
  {
    name: "Organizations throttles the first ListAccounts page 4 times",
    rules: () => [{ service: "organizations", action: "ListAccounts", times: 4, fault: { status: 400, code: "TooManyRequestsException", message: "AWS Organizations can't complete your request because another request is already in progress." } }],
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "Organizations throttles a later ListAccounts page 4 times",
    rules: () => [{ service: "organizations", action: "ListAccounts", skip: 1, times: 4, fault: { status: 400, code: "TooManyRequestsException", message: "Slow down" } }],
    expect: {
      status: "succeeded",
      exitStatus: 0,
      // 21 accounts are two pages of 20: the first page is asked for again with each retry of the step.
      requests: (proxy) => expect(proxy.seen.filter((r) => r.action === "ListAccounts" && r.faultedBy === undefined).length).to.be.at.least(3),
    },
  },
  {
    name: "connections are dropped for 1.5 s in the middle of the run",
    rules: () => [{ skip: 40, forMs: 1500, fault: "drop" }],
    pauseMs: 200,
    // An outage this short is no reason to stop.
    unreachableAfterMs: 10_000,
    expect: { status: "succeeded", exitStatus: 0 },
  },
  {
    name: "the manifest cannot be written at all (summarised afterwards from S3)",
    rules: () => [{ service: "s3", action: "PutObject", key: MANIFEST, fault: { status: 403, code: "AccessDenied", message: "Access Denied" } }],
    expect: { status: "failed", exitStatus: 1, error: /StoreFailed AccessDenied: .*manifest\.json: Access Denied/ },
  },
  {
    name: "the endpoint goes away for good in the middle of the run",
    rules: () => [{ skip: 40, fault: "drop" }],
    // Polls spaced out as they are for real (there 10 s and more), so it is the outage that ends the run.
    pauseMs: 400,
    expect: { status: "failed", exitStatus: 1, error: /^stopped: http:\/\/127\.0\.0\.1:\d+ has not answered for \d+ s \(\d+ call\(s\) failed to connect, .*\); \d+ of 20 accounts were done/ },
  },
];

// Every fault that AWS documents, against moto behind a fault-injecting proxy: the outcome of the
// run, every account in the manifest exactly once with the right status, and nothing stored changed.
describe("fault matrix (moto behind a fault-injecting proxy)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let direct: AwsClients;
  let org: DemoOrganization;
  let accounts: Accounts;
  let activeIds: string[];
  let deployment: Deployment;

  before(async () => {
    emulator = await startEmulator();
    direct = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    // 20 members and the management account: two ListAccounts pages of 20.
    org = await seedDemoOrganization(direct, { memberAccounts: 20, ouNames: ["A", "B"], suspended: 1, bucket: "fault-reports", topicName: "fault-alerts" });
    // The stack versions its bucket, so that an overwrite would show as a second version.
    deployment = await deployStack(emulator, org);
    proxy = await startFaultProxy(emulator.endpoint, { defaultAccount: org.managementAccountId });
    accounts = { victim: org.members[2].id, management: org.managementAccountId };
    activeIds = [org.managementAccountId, ...org.members.filter((m) => !m.suspended).map((m) => m.id)];
  });

  afterEach(() => proxy.reset());

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  const run = async (runId: string, pauseMs = 0, unreachableAfterMs = 1500): Promise<LocalRunResult> =>
    runLocally(
      await stackRunOptions(
        deployment,
        proxy.endpoint,
        { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 8, maxPollAttempts: 8 }, runId, pauseMs, unreachableAfterMs },
        // The SDK's three attempts, with short pauses between them: what is tested is what happens after.
        { retryStrategy: new ConfiguredRetryStrategy(3, () => 20) },
      ),
    );

  CASES.forEach((fault, index) => {
    it(fault.name, async () => {
      const before = await storedObjects();
      const rules = fault.rules(accounts);
      for (const rule of rules) proxy.addRule(rule);
      const runId = `fault-${index}`;

      const result = await run(runId, fault.pauseMs, fault.unreachableAfterMs);

      expect(result.status, result.status === "failed" ? result.error : "").to.equal(fault.expect.status);
      expect(exitStatusOf(result)).to.equal(fault.expect.exitStatus);
      if (fault.expect.error) expect(result.status === "failed" ? result.error : "").to.match(fault.expect.error);
      if (fault.expect.analysisError) expect(result.status === "succeeded" ? result.summary.analysisError : "").to.match(fault.expect.analysisError);
      fault.expect.requests?.(proxy);
      // Each fault really happened, as often as the case says.
      rules.forEach((rule, i) => {
        const hits = proxy.seen.filter((r) => r.faultedBy === i).length;
        if (rule.times !== undefined) expect(hits, `hits of rule ${i}`).to.equal(rule.times);
        else expect(hits, `hits of rule ${i}`).to.be.greaterThan(0);
      });
      proxy.reset();

      const after = await storedObjects();
      expectNothingChanged(before, after);
      if (result.status === "succeeded") {
        expectEveryAccountOnce(await manifestOf(result.summary.manifestKey), fault.expect.victim);
        fault.expect.summary?.(await manifestOf(result.summary.manifestKey.replace("manifest.json", "summary.json")) as unknown as StoredSummary, accounts);
        // New objects only in this run's folder, its Distributed Map's folder and its two files kept across runs.
        const run = { id: runId, startedAt: new Date().toISOString() };
        const runFolders = [result.summary.manifestKey.replace("manifest.json", ""), `map-runs/run=${runId}/`, historyKey(run, "historyRun"), historyKey(run, "historyFindings")];
        expect([...after.keys()].filter((key) => !before.has(key) && !runFolders.some((folder) => key.startsWith(folder)))).to.deep.equal([]);
      } else if (fault.expect.manifestStored) {
        expectEveryAccountOnce(await manifestOf(`${runPrefix({ id: runId, startedAt: new Date().toISOString() })}manifest.json`));
      } else if (fault.name.startsWith("the manifest cannot be written")) {
        // With the fault gone, the pipeline summarises the run from what it stored (its account list and reports), as an operator asks it to.
        const date = new Date().toISOString().slice(0, 10);
        const summary = await summarizeByPipeline(emulator, deployment, runId, date);
        expect(summary.counts).to.include({ accounts: 21, collected: 20, failed: 0, skipped: 1 });
        expectEveryAccountOnce(await manifestOf(summary.manifestKey));
        expectNothingChanged(after, await storedObjects());
      }
    });
  });

  /**
   * Every object version: key, ETag (the MD5 of its bytes, for a single-part PUT), size and how
   * many versions the key has. Listing versions rather than reading objects keeps each case fast.
   */
  async function storedObjects(): Promise<Map<string, { etag: string; size: number; versions: number }>> {
    const objects = new Map<string, { etag: string; size: number; versions: number }>();
    // ListObjectVersions has no paginator in the SDK: follow its markers.
    for (let markers = {}, more = true; more; ) {
      const page = await direct.s3.send(new ListObjectVersionsCommand({ Bucket: org.bucket, ...markers }));
      more = page.IsTruncated === true;
      markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      for (const v of page.Versions ?? []) {
        const seen = objects.get(v.Key!);
        objects.set(v.Key!, seen ? { ...seen, versions: seen.versions + 1 } : { etag: v.ETag ?? "", size: v.Size ?? -1, versions: 1 });
      }
      // A delete marker would be a removal.
      for (const marker of page.DeleteMarkers ?? []) objects.set(marker.Key!, { etag: "deleted", size: -1, versions: Number.NaN });
    }
    return objects;
  }

  function expectNothingChanged(before: Awaited<ReturnType<typeof storedObjects>>, after: Awaited<ReturnType<typeof storedObjects>>): void {
    expect(before.size + after.size, "nothing stored").to.be.greaterThan(0);
    for (const [key, object] of before) {
      expect(after.get(key), `${key} changed or was removed`).to.deep.equal({ ...object, versions: 1 });
    }
  }

  async function manifestOf(key: string): Promise<Manifest> {
    const got = await direct.s3.send(new GetObjectCommand({ Bucket: org.bucket, Key: key }));
    return JSON.parse(await got.Body!.transformToString());
  }


  /** Each account exactly once; every healthy one collected; the victim as the case says. */
  function expectEveryAccountOnce(manifest: Manifest, victim?: Partial<ManifestEntry>): void {
    const ids = manifest.accounts.map((entry) => entry.accountId);
    expect(new Set(ids).size, "an account listed twice").to.equal(ids.length);
    expect(ids.sort()).to.deep.equal([...activeIds, ...org.members.filter((m) => m.suspended).map((m) => m.id)].sort());
    for (const entry of manifest.accounts) {
      if (entry.status === "skipped") {
        expect(entry.skipReason).to.equal("SUSPENDED");
      } else if (entry.accountId === accounts.victim && victim) {
        const { errorMessage, ...exact } = victim;
        expect(entry).to.deep.include(exact);
        if (errorMessage) expect(entry.errorMessage).to.contain(errorMessage);
      } else {
        expect(entry, entry.accountId).to.deep.include({ status: "collected", key: `${manifest.prefix}account=${entry.accountId}.csv` });
        expect(entry.unverified, entry.accountId).to.equal(undefined);
      }
    }
    expect(manifest.prefix).to.equal(runPrefix({ id: manifest.runId, startedAt: manifest.startedAt }));
  }
});
