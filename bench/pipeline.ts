import { parseArgs } from "node:util";
import { DEFAULT_MEMBER_ROLE_NAME } from "../functions/aws/member-credentials";
import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListVirtualMFADevicesCommand,
} from "@aws-sdk/client-iam";
import { paginateListObjectsV2, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import pLimit from "p-limit";
import { FUNCTION_SIZES, type FunctionName } from "../functions/pipeline/function-sizes";
import { listAccounts } from "../functions/list-accounts/list-accounts";
import { EVERY_ACCOUNT } from "../functions/run/account-scope";
import { silentLog } from "../functions/log";
import { DEFAULT_SETTINGS, type PipelineSettings } from "../functions/run/settings";
import { STATES } from "../functions/pipeline/state-machine-definition";
import { awsClients, type AwsClients } from "../local/aws-clients";
import { before, setCredentialState } from "../emulator/credential-state";
import { assumeInto, seedDemoOrganization } from "../emulator/demo-organization";
import { ADMINISTRATOR_KEYS, startEmulator } from "../emulator/server";
import { deployStack } from "../emulator/deploy";
import { historyEventCount, lambdaInvocations, stateTransitions } from "../local/execution-stats";
import { type HandlerTimes, type PipelineIdentities, type RunProgress, runLocally } from "../local/runner";
import { runProgressLine, withProgress } from "../local/progress";
import { monthlyCost, PRICE_PAGES, PRICES, type RunUse } from "./cost-to-own";

// Which function each Lambda Task state runs, for its memory size.
const FUNCTION_OF: Record<string, FunctionName> = {
  [STATES.listAccounts]: "list-accounts",
  [STATES.collectBatch]: "collect-report",
  [STATES.summarize]: "summarize",
};

/**
 * Benchmark: one run of the deployed definition over an emulated organization of N accounts, all
 * pauses set to zero, so that what is measured is the pipeline and the emulator. Then, in the same
 * process and against the same emulator, a baseline: the same four calls per account
 * (AssumeRole, GenerateCredentialReport, GetCredentialReport, PutObject) with the SDK and 16
 * workers. Prints the numbers of both, the Step Functions history of the run, and its cost.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: "string" },
      "batch-size": { type: "string" },
      concurrency: { type: "string" },
      "security-hub": { type: "boolean" },
      // moto alone, every request allowed: to measure what the authorizing layer costs, never by default.
      "without-authorizer": { type: "boolean" },
    },
  });
  const authorize = !values["without-authorizer"];
  const accounts = Number(values.accounts ?? 1000);
  const settings: PipelineSettings = {
    ...DEFAULT_SETTINGS,
    accountsPerBatch: Number(values["batch-size"] ?? DEFAULT_SETTINGS.accountsPerBatch),
    maxConcurrency: Number(values.concurrency ?? DEFAULT_SETTINGS.maxConcurrency),
  };
  // moto's own account lookup scans every account on each request (see moto_server.py).
  const emulator = await startEmulator({ indexedAccountLookup: true, authorize });
  console.log(
    authorize
      ? "every request judged by the authorizing layer: the deployed stack's policies and AWS's request limits"
      : "THE AUTHORIZING LAYER IS OFF for this measurement (--without-authorizer): moto alone, every request allowed",
  );
  try {
    const target = { region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: ADMINISTRATOR_KEYS[0], secretAccessKey: ADMINISTRATOR_KEYS[0] } };
    const seeding = performance.now();
    // No OUs and no users: seeding a large organization in moto is slow enough as it is.
    const org = await seedDemoOrganization(awsClients(target), { memberAccounts: accounts - 1, ouNames: [], suspended: 0, bucket: "bench-reports", topicName: "bench-alerts", withUsers: false });
    // Every root user signed in three days ago without MFA: findings in every account, for Security Hub to import.
    const now = new Date();
    const root = { createdAt: before(now, 400), passwordLastUsed: before(now, 3), mfaActive: false };
    const everyId = [org.managementAccountId, ...org.members.map((m) => m.id)];
    const seed = pLimit(16);
    await Promise.all(everyId.map((accountId) => seed(() => setCredentialState(emulator.endpoint, { accountId, root }))));
    console.log(`seeded ${accounts} accounts in ${seconds(performance.now() - seeding)} s (not part of what follows)`);

    const counted = callCounter();
    // As deployed: each Lambda as its own role, under the stack's policies. Without the layer, one identity does everything.
    const stackOptions = authorize ? await (await deployStack(emulator, org, values["security-hub"] ? { securityHub: "true" } : {})).runOptions() : undefined;
    const clients = counted.wrap(awsClients(target));
    const identities = stackOptions?.identities
      ? Object.fromEntries(Object.entries(stackOptions.identities).map(([role, roleClients]) => [role, counted.wrap(roleClients)]))
      : undefined;
    const marks: Record<string, number> = {};
    let logBytes = 0;
    const progress: RunProgress = { listed: 0, collected: 0, failed: 0 };
    const started = performance.now();
    const result = await withProgress(false, (ms) => runProgressLine(progress, ms), () =>
      runLocally({
        progress,
        clients,
        ...(identities ? { identities: identities as unknown as PipelineIdentities } : {}),
        region: "us-east-1",
        bucket: org.bucket,
        ...(stackOptions ? { mapBucket: stackOptions.mapBucket, topicArn: stackOptions.topicArn } : { topicArn: org.topicArn }),
        memberRoleName: DEFAULT_MEMBER_ROLE_NAME,
        scope: EVERY_ACCOUNT,
        settings,
        pauseMs: 0,
        securityHub: values["security-hub"] ?? false,
        // The time the last report was stored ends the collection; each line counted as the Lambdas write it (functions/log.ts).
        log: (event, fields = {}) => {
          marks[event] = performance.now() - started;
          logBytes += JSON.stringify({ time: new Date().toISOString(), event, ...fields }).length + 1;
        },
      }),
    );
    const wallMs = performance.now() - started;
    if (result.status !== "succeeded") throw new Error(`run failed: ${result.error}`);
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    const { counts } = result.summary;
    // Collection is the same work as the baseline's: from the account list to the last report stored.
    const listedMs = marks["accounts-listed"];
    const collectMs = marks["report-stored"] - listedMs;

    const baselineMs = await baseline(awsClients(target), org.bucket, "plain");
    const sameRequestsMs = await baseline(awsClients(target), org.bucket, "same requests");
    if (emulator.authorizer) console.log(`the authorizing layer refused ${emulator.authorizer.refusals.length} request(s) and could not judge ${emulator.authorizer.unjudged.length}`);

    const { parent, children, largestPayloadBytes } = result.history;
    const all = [parent, ...children].flat();
    const lambdaStates = new Set(Object.keys(FUNCTION_OF));
    const invocations = lambdaInvocations(all, lambdaStates);
    const transitions = stateTransitions(all);
    const largestChild = Math.max(0, ...children.map(historyEventCount));
    const perAccount = (n: number) => (n / accounts).toFixed(3);
    const rate = (ms: number) => (accounts / (ms / 1000)).toFixed(1);

    console.log(`run of ${accounts} accounts (${counts.collected} collected, ${counts.failed} failed), ${settings.accountsPerBatch} per batch, ${settings.maxConcurrency} batches at once:`);
    console.log(`  wall time                        ${seconds(wallMs)} s (listing the accounts ${seconds(listedMs)} s, collection ${seconds(collectMs)} s, then Summarize and the analysis ${seconds(wallMs - listedMs - collectMs)} s)`);
    console.log(`  accounts per second              ${rate(wallMs)} (collection alone ${rate(collectMs)})`);
    const hub = result.summary.securityHub;
    if (hub) {
      // Imported by the batches as they read each report, with the session they already hold in the account.
      console.log(`  Security Hub                     ${"error" in hub ? hub.error : `${hub.imported} findings imported in ${hub.accounts} accounts, ${hub.failedCount} failed`}`);
    }
    console.log(`  AssumeRole calls per account     ${perAccount(counted.calls("sts:AssumeRole"))}`);
    console.log(`  peak RSS of this process         ${rssMiB.toFixed(0)} MiB`);
    console.log(`  Lambda invocations               ${invocations} (${perAccount(invocations)} per account)`);
    console.log(`  state transitions                ${transitions} (${perAccount(transitions)} per account)`);
    console.log(`  largest state payload            ${largestPayloadBytes} bytes`);
    console.log(`  parent execution history         ${historyEventCount(parent)} events`);
    console.log(`  child executions                 ${children.length}; largest history ${largestChild} events`);
    console.log(`  AWS calls                        ${counted.summary()}`);
    console.log(`baseline, the same four calls per account with the SDK and 16 workers, after its own listing: ${seconds(baselineMs)} s, ${rate(baselineMs)} accounts per second`);
    console.log(`  collection throughput / baseline ${(baselineMs / collectMs).toFixed(2)}; whole run / baseline ${(baselineMs / wallMs).toFixed(2)}`);
    console.log(`baseline of the same necessary requests (the four, the three IAM reads, one more PUT of what they said), 16 workers: ${seconds(sameRequestsMs)} s, ${rate(sameRequestsMs)} accounts per second`);
    console.log(`  collection throughput / it ${(sameRequestsMs / collectMs).toFixed(2)}; whole run / it ${(sameRequestsMs / wallMs).toFixed(2)}`);

    const cost = runCost(transitions, result.handlerTimes, counted.s3Requests());
    console.log(`cost of one run at us-east-1 list prices (linear in the accounts, from this run):`);
    for (const n of [1_000, 10_000, 50_000]) {
      const scale = n / accounts;
      console.log(
        `  ${String(n).padStart(6)} accounts   $${(cost.total * scale).toFixed(4)}  (Step Functions $${(cost.stepFunctions * scale).toFixed(4)}, Lambda $${(cost.lambda * scale).toFixed(4)}, S3 requests $${(cost.s3 * scale).toFixed(4)})`,
      );
    }
    console.log(`  (Lambda duration as measured here, against the emulator: ${cost.gbSeconds.toFixed(1)} GB-s for this run)`);

    const storedBytes = await bytesUnder(awsClients(target), org.bucket, "credential-reports/");
    console.log(`stored by the run: ${(storedBytes / 1024).toFixed(0)} KiB (${(storedBytes / accounts).toFixed(0)} bytes per account); logged: ${(logBytes / 1024).toFixed(0)} KiB (${(logBytes / accounts).toFixed(0)} bytes per account)`);
    const s3 = counted.s3Requests();
    const use: RunUse = { accounts, transitions, lambdaRequests: invocations, lambdaGbSeconds: cost.gbSeconds, s3PutOrList: s3.putOrList, s3GetOrOther: s3.getOrOther, storedBytes, logBytes };
    console.log(`cost to own a month of daily runs (30), linear from this run; prices: ${Object.values(PRICE_PAGES).join(" ")}`);
    for (const n of [100, 1_000, 10_000]) {
      const lines = monthlyCost(use, n, { runsPerMonth: 30, kmsKeys: 2, alarms: 2, logRetentionMonths: 3 });
      const total = lines.reduce((sum, line) => sum + line.dollars, 0);
      console.log(`  ${String(n).padStart(6)} accounts   $${total.toFixed(2)} a month: ${lines.map((line) => `${line.item} $${line.dollars.toFixed(4)}`).join("; ")}`);
    }
  } finally {
    await emulator.stop();
  }
}

/** The run's cost: transitions, Lambda requests and GB-seconds (at the durations measured here), S3 requests. */
function runCost(transitions: number, times: HandlerTimes, s3: { putOrList: number; getOrOther: number }) {
  let requests = 0;
  let gbSeconds = 0;
  for (const [state, { calls, ms }] of Object.entries(times)) {
    requests += calls;
    gbSeconds += (FUNCTION_SIZES[FUNCTION_OF[state]].memorySize / 1024) * (ms / 1000);
  }
  const stepFunctions = transitions * PRICES.perStateTransition;
  const lambda = requests * PRICES.perLambdaRequest + gbSeconds * PRICES.perLambdaArmGbSecond;
  const s3Cost = s3.putOrList * PRICES.perS3PutOrList + s3.getOrOther * PRICES.perS3GetOrOther;
  return { stepFunctions, lambda, s3: s3Cost, total: stepFunctions + lambda + s3Cost, gbSeconds };
}

/** The bytes of every object under a prefix. */
async function bytesUnder(clients: AwsClients, bucket: string, prefix: string): Promise<number> {
  let bytes = 0;
  for await (const page of paginateListObjectsV2({ client: clients.s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) bytes += object.Size ?? 0;
  }
  return bytes;
}

/**
 * A plain script, 16 accounts at a time, for comparison: "plain" makes the four calls any script
 * would (AssumeRole, GenerateCredentialReport, GetCredentialReport, PutObject); "same requests"
 * also the three IAM reads the checks need and a second PUT of their answers, the requests per
 * account the pipeline cannot do without, so the ratio measures its overhead, not its checks.
 */
async function baseline(clients: AwsClients, bucket: string, kind: "plain" | "same requests"): Promise<number> {
  const listing = await listAccounts(clients.organizations, EVERY_ACCOUNT, silentLog);
  const limit = pLimit(16);
  const own = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
  const started = performance.now();
  await Promise.all(
    listing.accounts.map((account) =>
      limit(async () => {
        const iam = clients.iamClient(account.id === own ? undefined : await assumeInto(clients, account.id));
        await iam.send(new GenerateCredentialReportCommand({}));
        const report = await iam.send(new GetCredentialReportCommand({}));
        await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `baseline/${kind}/${account.id}.csv`, Body: report.Content }));
        if (kind === "plain") return;
        const answers = await Promise.all([
          iam.send(new GetAccountSummaryCommand({})),
          iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: "Assigned" })),
          iam.send(new GetAccountPasswordPolicyCommand({})).catch((err: Error) => err.name),
        ]);
        await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `baseline/${kind}/${account.id}.json`, Body: JSON.stringify(answers.map((a) => (typeof a === "string" ? a : a.$metadata.httpStatusCode))) }));
      }),
    ),
  );
  return performance.now() - started;
}

/** Counts every call by service and command, across every set of clients it wraps. */
function callCounter() {
  const calls = new Map<string, number>();
  const count = <C extends { middlewareStack: { add(m: unknown, o: object): void } }>(service: string, client: C): C => {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        const name = `${service}:${(context.commandName ?? "?").replace(/Command$/, "")}`;
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: "initialize", name: "benchCallCounter" },
    );
    return client;
  };
  const wrap = (clients: AwsClients): AwsClients => ({
    ...clients,
    organizations: count("organizations", clients.organizations),
    sts: count("sts", clients.sts),
    s3: count("s3", clients.s3),
    sns: count("sns", clients.sns),
    securityHubClient: (credentials) => count("securityhub", clients.securityHubClient(credentials)),
    iamClient: (credentials) => {
      const iam = clients.iamClient(credentials);
      // The collector's own IAM client is shared: count it once.
      if (!(iam as { benchCounted?: true }).benchCounted) count("iam", Object.assign(iam, { benchCounted: true as const }));
      return iam;
    },
  });
  return {
    wrap,
    calls: (name: string) => calls.get(name) ?? 0,
    summary: () =>
      [...calls]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, n]) => `${name} ${n}`)
        .join(", "),
    /** S3 requests by price class: PUT, COPY, POST and LIST; GET and the rest. */
    s3Requests: () => {
      let putOrList = 0;
      let getOrOther = 0;
      for (const [name, n] of calls) {
        if (!name.startsWith("s3:")) continue;
        if (/^s3:(Put|Copy|Post|List)/.test(name)) putOrList += n;
        else getOrOther += n;
      }
      return { putOrList, getOrOther };
    },
  };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
