import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type AccountScope, EVERY_ACCOUNT, scopeProblems } from "../functions/run/account-scope";
import { jsonLog, silentLog } from "../functions/log";
import { DEFAULT_SETTINGS, type PipelineSettings, SETTING_BOUNDS } from "../functions/run/settings";
import type { Manifest } from "../functions/summarize/manifest";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type AwsClients, awsClients } from "../local/aws-clients";
import { DEMO_SPEC, seedDemoOrganization } from "../emulator/demo-organization";
import { changeDemoOrganization, DEMO_CHANGES } from "../emulator/demo-changes";
import { formatTrend, newestTrend } from "./output/trend";
import { type Downloaded, downloadPrefix } from "./output/download";
import { startEmulator } from "../emulator/server";
import { callerOf, type LocalRunOptions, type LocalRunResult, localSummarizeDeps, type RunProgress, runLocally } from "../local/runner";
import { bucketFlag, endpointFlag, outFolderFlag, regionFlag, roleNameFlag, topicArnFlag, wholeNumberFlag } from "./options/flag-checks";
import { preflight } from "./preflight";
import { type DownloadProgress, downloadProgressLine, runProgressLine, withProgress } from "../local/progress";
import { EXIT_INCOMPLETE, EXIT_USAGE, exitStatusOf } from "./exit-status";
import { countUsers, formatRunTable } from "./output/run-table";
import { formatFindingsSummary } from "./output/findings-summary";
import { analyzeFolder, previousFromFile } from "../local/folder-analysis";
import { ANALYSIS_FILES, HISTORY_PREFIX, runPrefix } from "../functions/run/report-keys";
import { securityHubMessage, summarize } from "../functions/summarize/summarize";
import { summarizeInputFromStoredRun } from "../functions/summarize/stored-run";
import type { StoredSummary } from "../functions/org-report/run-combiner";
import { findPreviousRun, knownAccounts } from "../functions/storage/analysis-store";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { MFA_FOR_EVERY_USER, NUMERIC_THRESHOLDS, type NumericThreshold, THRESHOLD_SETTINGS, thresholdsFromEnv } from "../functions/analysis/thresholds";
import { nodeVersionProblem } from "./node-version";
import { DEFAULT_MEMBER_ROLE_NAME } from "../functions/aws/member-credentials";
import { type AcceptedRisk, InvalidAcceptedRisks } from "../functions/analysis/accepted-risks";
import { parseAcceptedRisks } from "../functions/analysis/accepted-risks-file";

const HELP = `Organization credential reports: collect every account's IAM credential report into S3.

Usage:
  npm run demo [-- --out DIR]          run the whole pipeline on a local AWS emulator (moto)
  npm run cli -- run [options]         run the pipeline once against AWS or an emulator
  npm run cli -- summarize [options]   findings, summary and HTML report of stored reports
  npm run cli -- history [options]     the last runs of a bucket: open findings, new, resolved
  npm run cli -- help                  this text

Every flag is checked before any AWS call (numbers: whole, in decimal digits, within the bounds
shown); then run and summarize --bucket check the caller, the bucket (HeadBucket) and the topic.
Progress goes to stderr: a live line on a terminal, a line every 5 s otherwise.

demo options:
  --out DIR               where the run's reports and manifest are written [./out]
  --runs N                runs in a row, 1-3, the organization's people fixing some findings and
                          making one new between them; the last run's page draws the trend [1]
  --verbose               print every pipeline event as a JSON line (no progress line)
  The demo applies examples/accepted-risks.yaml and imports the findings into each emulated
  account's Security Hub.

run options:
  --bucket NAME           report bucket, by S3's naming rules (required)
  --topic-arn ARN         SNS topic for the run summary, arn:<partition>:sns:<region>:<account>:<name> (required)
  --role-name NAME        member role to assume in each account, 1-64 of letters, digits, +=,.@_- [${DEFAULT_MEMBER_ROLE_NAME}]
  --endpoint URL          send every AWS call here, an http(s) URL (an emulator); unset: real AWS.
                          Plain http only to this machine (127.0.0.1, localhost, [::1])
  --insecure-endpoint     allow --endpoint to be plain http to another host
  --region REGION         such as us-east-1 [AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1]
  --include-ou ID         collect only accounts under this OU or root, child OUs included (repeatable)
  --exclude-account ID    never collect this account, 12 digits (repeatable)
  --concurrency N         batches collected at once, 1-1000 [${DEFAULT_SETTINGS.maxConcurrency}]
  --batch-size N          accounts per batch, 1-100 [${DEFAULT_SETTINGS.accountsPerBatch}]
  --max-attempts N        rounds per account before it fails as timed out, 1-100 [${DEFAULT_SETTINGS.maxPollAttempts}]
  --poll-interval S       first wait between rounds in seconds, doubling after, 1-300 [${DEFAULT_SETTINGS.pollIntervalSeconds}]
  --timeout-minutes M     stop a run still going after M minutes, 10-1440 [${DEFAULT_SETTINGS.runTimeoutMinutes}]
  --out DIR               also download the run's reports and manifest here (made if missing)
  --accepted-risks FILE   known exceptions and break-glass users (YAML or JSON, see docs/findings.md
                          "Accepted risks and break-glass users"), applied by the run's analysis
                          as the stack's acceptedRisksFile
  --security-hub          import the findings into each account's Security Hub through the member
                          role, as the stack's securityHub does
  --verbose               print every pipeline event as a JSON line (no progress line)
  --quiet                 no progress line
  --max-key-age-days N, --unused-days N, --root-use-window-days N, --max-report-age-hours N,
  --min-password-length N, --password-reuse-prevention N, --mfa-for-every-user
                          the finding thresholds, as for summarize below

summarize options (one source):
  --from DIR              a folder of raw reports (account=<id>.csv; a manifest.json is used if present)
  --previous FILE         with --from: an earlier findings.json, for what is new and resolved
  --bucket NAME --run PREFIX
                          a stored run, e.g. credential-reports/date=2026-11-25/run=<id>/ (compared
                          with the run before it in the same bucket); --endpoint, --insecure-endpoint
                          and --region as above
  --out DIR               where findings.json(l), findings.csv, summary.json, changes.json,
                          users.csv, trend.json and report.html are written [./out/analysis]
  --write-manifest        with --bucket and --run: summarise the stored run in the bucket itself, as
                          its own Summarize would (manifest and analysis files where they are
                          missing, never replacing one that is there; the run's event): for a run
                          that timed out or whose manifest could not be written
  --map-bucket NAME       with --write-manifest: the stack's map files bucket (output mapBucketName),
                          where the run's Distributed Map results are [--bucket]
  --topic-arn ARN         with --write-manifest: also publish the run summary
  --security-hub          with --write-manifest: import the findings into each account's Security Hub
  --role-name NAME        with --security-hub: the member role [${DEFAULT_MEMBER_ROLE_NAME}]
  --accepted-risks FILE   known exceptions (YAML or JSON, see docs/findings.md "Accepted risks and
                          break-glass users"): the findings they cover are marked accepted and
                          kept out of the open counts and alerts
  --quiet                 no progress line while a stored run is downloaded
  --max-key-age-days N    an active key rotated longer ago is old, 1-3650 [MAX_KEY_AGE_DAYS, else 90]
  --unused-days N         an active credential unused this long is unused, 1-3650 [UNUSED_DAYS, else 45]
  --root-use-window-days N
                          root use within this many days is reported, 1-3650 [ROOT_USE_WINDOW_DAYS, else 30]
  --max-report-age-hours N
                          a report generated longer before the run is stale, 1-720 [MAX_REPORT_AGE_HOURS, else 24]
  --min-password-length N the password policy's least length, 6-128 [MIN_PASSWORD_LENGTH, else 14]
  --password-reuse-prevention N
                          the earlier passwords it must remember, 1-24 [PASSWORD_REUSE_PREVENTION, else 24]
  --mfa-for-every-user    also report users without MFA who have no console password [MFA_FOR_EVERY_USER]

history options:
  --bucket NAME           the report bucket (required); --endpoint, --insecure-endpoint and --region
                          as for run
  --json                  print the trend as JSON ({"runs": [...]}) instead of a table

Against real AWS the default credential chain is used; run it as the management account (or a
delegated administrator) where the member role exists in every account.
Exit status: 0 when every active account was collected and analysed; 1 when any account failed,
the analysis failed, or the run stopped; 2 on bad usage: a flag's value, or a bucket, topic or
endpoint that the checks before the run found unusable (nothing was collected).`;

class UsageError extends Error {}

/** The threshold flags, for parseArgs: run and summarize take the same. */
const THRESHOLD_OPTIONS = {
  ...Object.fromEntries(Object.values(THRESHOLD_SETTINGS).map(({ flag }) => [flag.slice(2), { type: "string" as const }])),
  [MFA_FOR_EVERY_USER.flag.slice(2)]: { type: "boolean" as const },
};

/** The accepted risks file of --accepted-risks, checked as the deployed rules are; its problems are the flag's. */
async function acceptedRisksFlag(path: string, problems: string[]): Promise<AcceptedRisk[] | undefined> {
  try {
    return parseAcceptedRisks(await readFile(path, "utf8"), path);
  } catch (err) {
    if (err instanceof InvalidAcceptedRisks) problems.push(`--accepted-risks ${err.message}`);
    else problems.push(`--accepted-risks: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * IAM reuses a report for four hours, so a report older than a day is rare: the demo draws the
 * stale-report line at 2 hours, where the report IAM made three hours before the run shows.
 */
const DEMO_THRESHOLDS: FindingThresholds = { ...DEFAULT_THRESHOLDS, maxReportAgeHours: 2, mfaForEveryUser: true };
const DEMO_NOTE =
  `The demo counts a report made more than ${DEMO_THRESHOLDS.maxReportAgeHours} hours before the run as stale (maxReportAgeHours; ${DEFAULT_THRESHOLDS.maxReportAgeHours} by default), ` +
  "and reports every user without MFA (mfaForEveryUser; off by default).";

async function main(argv: string[]): Promise<number> {
  const tooOld = nodeVersionProblem(process.version);
  if (tooOld) {
    console.error(tooOld);
    return EXIT_USAGE;
  }
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(HELP);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  if (command === "demo") return demo(rest);
  if (command === "run") return run(rest);
  if (command === "summarize") return summarizeCommand(rest);
  if (command === "history") return historyCommand(rest);
  throw new UsageError(`unknown command ${JSON.stringify(command)}: use demo, run, summarize, history or help`);
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string" }, verbose: { type: "boolean" }, runs: { type: "string" } } });
  const runs = wholeNumberFlag("--runs", values.runs, 1, 1, DEMO_CHANGES.length + 1);
  if (runs.problem) throw new UsageError(runs.problem);
  const outDir = resolve(values.out ?? "out");
  console.log("Starting the AWS emulator (moto) on loopback ...");
  const emulator = await startEmulator();
  try {
    const target = { region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "demo", secretAccessKey: "demo" } };
    const clients = awsClients(target);
    const org = await seedDemoOrganization(clients, DEMO_SPEC);
    console.log(
      `Seeded organization: management account ${org.managementAccountId}, ${org.members.length} member accounts in ` +
        `${org.ous.map((ou) => ou.name).join(", ")}; ${org.members.filter((m) => m.suspended).length} suspended.`,
    );
    // moto finishes a report on the second request: one short wait per account shows the polling.
    const settings = { ...DEFAULT_SETTINGS, pollIntervalSeconds: 1 };
    const risksFile = join(__dirname, "..", "examples", "accepted-risks.yaml");
    const options = {
      region: target.region,
      bucket: org.bucket,
      topicArn: org.topicArn,
      memberRoleName: DEFAULT_MEMBER_ROLE_NAME,
      scope: EVERY_ACCOUNT,
      settings,
      acceptedRisks: parseAcceptedRisks(await readFile(risksFile, "utf8"), risksFile),
      securityHub: true,
      thresholds: DEMO_THRESHOLDS,
    };
    // Earlier runs, each followed by what the organization's people change before the next: the last run's page draws the trend.
    for (let n = 1; n < runs.value; n++) {
      const earlier = await runLocally({ ...options, clients, log: silentLog });
      if (earlier.status === "failed") throw new Error(`run ${n} of ${runs.value} failed: ${earlier.error}`);
      const { counts, findings } = earlier.summary;
      console.log(`Run ${n} of ${runs.value} (${earlier.runId}): ${counts.collected} collected, ${findings ? Object.values(findings.bySeverity).reduce((a, b) => a + b, 0) : 0} open findings.`);
      for (const change of await changeDemoOrganization(clients, org, n)) console.log(`  then ${change}`);
    }
    const status = await runAndReport(clients, { ...options, outDir, verbose: values.verbose ?? false, findingsNote: DEMO_NOTE });
    // What Athena's history tables read, for a local SQL engine (docs/findings.md, "History across runs").
    const { refused } = await downloadPrefix(clients.s3, org.bucket, HISTORY_PREFIX, outDir);
    reportRefused(org.bucket, refused);
    console.log(`The runs' history (what Athena's history tables read) downloaded to ${resolve(outDir, HISTORY_PREFIX)}`);
    return status;
  } finally {
    await emulator.stop();
    console.log("Stopped the AWS emulator.");
  }
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      bucket: { type: "string" },
      "topic-arn": { type: "string" },
      "role-name": { type: "string" },
      endpoint: { type: "string" },
      "insecure-endpoint": { type: "boolean" },
      region: { type: "string" },
      "include-ou": { type: "string", multiple: true },
      "exclude-account": { type: "string", multiple: true },
      concurrency: { type: "string" },
      "batch-size": { type: "string" },
      "max-attempts": { type: "string" },
      "poll-interval": { type: "string" },
      "timeout-minutes": { type: "string" },
      out: { type: "string" },
      "accepted-risks": { type: "string" },
      "security-hub": { type: "boolean" },
      verbose: { type: "boolean" },
      quiet: { type: "boolean" },
      ...THRESHOLD_OPTIONS,
    },
  });
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  else problems.push(...defined(bucketFlag("--bucket", values.bucket)));
  if (!values["topic-arn"]) problems.push("--topic-arn is required");
  else problems.push(...defined(topicArnFlag("--topic-arn", values["topic-arn"])));
  if (values["role-name"] !== undefined) problems.push(...defined(roleNameFlag("--role-name", values["role-name"])));
  problems.push(...awsTargetProblems(values));
  const scope: AccountScope = { includeOuIds: values["include-ou"] ?? [], excludeAccountIds: values["exclude-account"] ?? [] };
  problems.push(...scopeProblems(scope, { ou: "--include-ou", account: "--exclude-account" }));
  const number = (flag: string, fallback: number, min: number, max: number) => {
    const checked = wholeNumberFlag(flag, values[flag.slice(2) as keyof typeof values] as string | undefined, fallback, min, max);
    if (checked.problem) problems.push(checked.problem);
    return checked.value;
  };
  const settings: PipelineSettings = {
    maxConcurrency: number("--concurrency", DEFAULT_SETTINGS.maxConcurrency, ...SETTING_BOUNDS.maxConcurrency),
    accountsPerBatch: number("--batch-size", DEFAULT_SETTINGS.accountsPerBatch, ...SETTING_BOUNDS.accountsPerBatch),
    maxPollAttempts: number("--max-attempts", DEFAULT_SETTINGS.maxPollAttempts, ...SETTING_BOUNDS.maxPollAttempts),
    pollIntervalSeconds: number("--poll-interval", DEFAULT_SETTINGS.pollIntervalSeconds, ...SETTING_BOUNDS.pollIntervalSeconds),
    runTimeoutMinutes: number("--timeout-minutes", DEFAULT_SETTINGS.runTimeoutMinutes, ...SETTING_BOUNDS.runTimeoutMinutes),
  };
  if (values.out !== undefined) problems.push(...defined(outFolderFlag("--out", resolve(values.out))));
  const thresholds = thresholdFlags(values, problems);
  const acceptedRisks = values["accepted-risks"] ? await acceptedRisksFlag(values["accepted-risks"], problems) : undefined;
  if (problems.length > 0) throw new UsageError(problems.join("\n"));

  const region = regionOf(values.region);
  const clients = awsClients({ region, endpoint: values.endpoint });
  const unusable = await preflight(clients, { bucket: values.bucket!, topicArn: values["topic-arn"], endpoint: values.endpoint, region });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  return runAndReport(clients, {
    region,
    bucket: values.bucket!,
    topicArn: values["topic-arn"]!,
    memberRoleName: values["role-name"] ?? DEFAULT_MEMBER_ROLE_NAME,
    scope,
    settings,
    acceptedRisks,
    securityHub: values["security-hub"] ?? false,
    thresholds,
    outDir: values.out ? resolve(values.out) : undefined,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
  });
}

/**
 * The finding thresholds: each flag, else its environment variable (as the Lambda reads it), else
 * the default. Problems are added to `problems`, each naming the flag or the variable.
 */
function thresholdFlags(values: Record<string, string | string[] | boolean | undefined>, problems: string[]): FindingThresholds {
  let fromEnv: FindingThresholds = DEFAULT_THRESHOLDS;
  try {
    fromEnv = thresholdsFromEnv(process.env);
  } catch (err) {
    problems.push(`in the environment: ${(err as Error).message.replace(/^InvalidInput: /, "")}`);
  }
  const numbers = Object.fromEntries(
    NUMERIC_THRESHOLDS.map((key) => {
      const { flag, min, max } = THRESHOLD_SETTINGS[key];
      const checked = wholeNumberFlag(flag, values[flag.slice(2)] as string | undefined, fromEnv[key], min, max);
      if (checked.problem) problems.push(checked.problem);
      return [key, checked.value];
    }),
  ) as Record<NumericThreshold, number>;
  return { ...numbers, mfaForEveryUser: (values[MFA_FOR_EVERY_USER.flag.slice(2)] as boolean | undefined) || fromEnv.mfaForEveryUser };
}

/** The --region flag, else the SDK's own environment variables, else us-east-1. */
function regionOf(flag: string | undefined): string {
  return flag ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

/** The problems that are there. */
/** The flags that say where the AWS calls go: --region, and --endpoint with --insecure-endpoint. */
function awsTargetProblems(values: { readonly region?: string; readonly endpoint?: string; readonly "insecure-endpoint"?: boolean }): string[] {
  return defined(
    values.region !== undefined ? regionFlag("--region", values.region) : undefined,
    values.endpoint !== undefined ? endpointFlag("--endpoint", values.endpoint, { flag: "--insecure-endpoint", given: values["insecure-endpoint"] ?? false }) : undefined,
  );
}

function defined(...problems: (string | undefined)[]): string[] {
  return problems.filter((p): p is string => p !== undefined);
}

interface RunAndReport extends Omit<LocalRunOptions, "clients" | "log" | "runId" | "pauseMs" | "progress"> {
  readonly outDir?: string;
  readonly verbose: boolean;
  /** No progress lines (they go to stderr). */
  readonly quiet?: boolean;
  /** Said right under the findings. */
  readonly findingsNote?: string;
}

/** Runs once, showing progress, then prints the per-account table and where the files are. */
async function runAndReport(clients: AwsClients, options: RunAndReport): Promise<number> {
  console.log(`Running the credential report pipeline (bucket ${options.bucket}) ...`);
  const progress: RunProgress = { listed: 0, collected: 0, failed: 0 };
  const quiet = options.quiet || options.verbose;
  const result: LocalRunResult = await withProgress(quiet, (ms) => runProgressLine(progress, ms), () =>
    runLocally({ ...options, clients, progress, log: options.verbose ? jsonLog : silentLog }),
  );
  if (result.status === "failed") {
    console.error(`Run ${result.runId} failed: ${result.error}`);
    const { run } = result.progress;
    if (run) {
      // The account list is stored once the accounts are listed: from then on the run can be summarised.
      console.error(
        `Reports stored so far stay in s3://${options.bucket}/${runPrefix(run)}. To write its manifest and findings once AWS answers again:\n` +
          `  npm run cli -- summarize --bucket ${options.bucket} --run ${runPrefix(run)} --write-manifest`,
      );
    }
    return exitStatusOf(result);
  }
  const key = result.summary.manifestKey;
  const runFolder = key.slice(0, key.length - "manifest.json".length);
  const usersByKey = new Map<string, number>();
  let manifest: Manifest;
  let summary: StoredSummary | undefined;
  if (options.outDir) {
    const downloaded: DownloadProgress = { files: 0, bytes: 0 };
    const outDir = options.outDir;
    const { files, refused } = await withProgress(quiet, (ms) => downloadProgressLine(downloaded, ms), () => downloadPrefix(clients.s3, options.bucket, runFolder, outDir, downloaded));
    reportRefused(options.bucket, refused);
    for (const [objectKey, path] of files) {
      if (/account=\d{12}\.csv$/.test(objectKey)) usersByKey.set(objectKey, countUsers(await readFile(path, "utf8")));
    }
    const local = async <T>(objectKey: string) => {
      const path = files.get(objectKey);
      if (!path) throw new Error(`s3://${options.bucket}/${objectKey} is not in the run's folder`);
      return JSON.parse(await readFile(path, "utf8")) as T;
    };
    manifest = await local<Manifest>(key);
    // A run analysed by an older version has no findings: the table is still printed.
    summary = await local<StoredSummary>(runFolder + ANALYSIS_FILES.summary).catch(() => undefined);
  } else {
    const inBucket = async <T>(objectKey: string) => {
      const got = await clients.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: objectKey }));
      return JSON.parse(await got.Body!.transformToString()) as T;
    };
    manifest = await inBucket<Manifest>(key);
    summary = await inBucket<StoredSummary>(runFolder + ANALYSIS_FILES.summary).catch(() => undefined);
  }

  console.log("");
  console.log(formatRunTable(manifest, usersByKey));
  const { counts } = manifest;
  console.log("");
  console.log(`Run ${result.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  if (summary?.changes) {
    console.log("");
    console.log(formatFindingsSummary(summary));
    if (options.findingsNote) console.log(`\n${options.findingsNote}`);
  }
  if (result.summary.securityHub) console.log(`\n${securityHubMessage(result.summary.securityHub)}`);
  console.log("");
  const analysisError = result.summary.analysisError;
  if (analysisError) {
    console.error(`The analysis of this run failed, so it has no findings: ${analysisError}`);
    console.log(`Reports and manifest stored in s3://${options.bucket}/${runFolder}`);
  } else {
    console.log(`Reports, manifest and findings stored in s3://${options.bucket}/${runFolder}`);
  }
  if (options.outDir) {
    console.log(`and downloaded to ${resolve(options.outDir, runFolder)}`);
    if (summary) console.log(`Open the HTML report: ${resolve(options.outDir, runFolder, ANALYSIS_FILES.html)}`);
  }
  return exitStatusOf(result);
}

/** Findings, summary and HTML from a folder of raw reports, or from a run stored in a bucket. */
async function summarizeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      previous: { type: "string" },
      bucket: { type: "string" },
      run: { type: "string" },
      endpoint: { type: "string" },
      "insecure-endpoint": { type: "boolean" },
      region: { type: "string" },
      out: { type: "string" },
      "write-manifest": { type: "boolean" },
      "topic-arn": { type: "string" },
      "map-bucket": { type: "string" },
      "accepted-risks": { type: "string" },
      "security-hub": { type: "boolean" },
      "role-name": { type: "string" },
      quiet: { type: "boolean" },
      ...THRESHOLD_OPTIONS,
    },
  });
  const fromBucket = values.bucket !== undefined || values.run !== undefined;
  const problems: string[] = [];
  if (values.from && fromBucket) problems.push("give either --from DIR or --bucket with --run, not both");
  if (!values.from && !fromBucket) problems.push("give --from DIR, or --bucket NAME with --run PREFIX");
  if (fromBucket && !(values.bucket && values.run)) problems.push("--bucket and --run go together");
  const runFolder = values.run?.replace(/\/?$/, "/");
  const runMatch = runFolder ? /(?:^|\/)date=(\d{4}-\d{2}-\d{2})\/run=([A-Za-z0-9_.-]{1,80})\/$/.exec(runFolder) : undefined;
  if (runFolder && !runMatch) problems.push(`--run must be a run's prefix such as credential-reports/date=2026-11-25/run=<id>/, got ${JSON.stringify(values.run)}`);
  if (values.previous && fromBucket) problems.push("--previous goes with --from; a stored run is compared with the run before it");
  if (values["write-manifest"] && !fromBucket) problems.push("--write-manifest goes with --bucket and --run");
  if (values["write-manifest"] && values.out) problems.push("--write-manifest writes into the bucket; --out does not go with it");
  if (values["topic-arn"] && !values["write-manifest"]) problems.push("--topic-arn goes with --write-manifest");
  if (values["map-bucket"] && !values["write-manifest"]) problems.push("--map-bucket goes with --write-manifest");
  if (values["security-hub"] && !values["write-manifest"]) problems.push("--security-hub goes with --write-manifest");
  if (values["role-name"] !== undefined && !values["security-hub"]) problems.push("--role-name goes with --security-hub");
  if (values["role-name"] !== undefined) problems.push(...defined(roleNameFlag("--role-name", values["role-name"])));
  if (values.bucket !== undefined) problems.push(...defined(bucketFlag("--bucket", values.bucket)));
  if (values["map-bucket"] !== undefined) problems.push(...defined(bucketFlag("--map-bucket", values["map-bucket"])));
  if (values["topic-arn"] !== undefined) problems.push(...defined(topicArnFlag("--topic-arn", values["topic-arn"])));
  problems.push(...awsTargetProblems(values));
  const thresholds = thresholdFlags(values, problems);
  if (values.out !== undefined) problems.push(...defined(outFolderFlag("--out", resolve(values.out))));
  const acceptedRisks = values["accepted-risks"] ? await acceptedRisksFlag(values["accepted-risks"], problems) : undefined;
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const region = regionOf(values.region);
  if (values["write-manifest"]) {
    return summarizeStoredRun({
      bucket: values.bucket!,
      mapBucket: values["map-bucket"],
      runId: runMatch![2],
      date: runMatch![1],
      topicArn: values["topic-arn"],
      region,
      endpoint: values.endpoint,
      thresholds,
      acceptedRisks,
      securityHub: values["security-hub"] ?? false,
      memberRoleName: values["role-name"] ?? DEFAULT_MEMBER_ROLE_NAME,
    });
  }
  const outDir = resolve(values.out ?? join("out", "analysis"));

  let source = values.from ? resolve(values.from) : "";
  let previous = values.previous ? await previousFromFile(values.previous) : undefined;
  if (fromBucket) {
    const clients = awsClients({ region, endpoint: values.endpoint });
    const unusable = await preflight(clients, { bucket: values.bucket!, endpoint: values.endpoint, region });
    if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
    const staging = join(outDir, "reports");
    const downloaded: DownloadProgress = { files: 0, bytes: 0 };
    const { refused } = await withProgress(values.quiet ?? false, (ms) => downloadProgressLine(downloaded, ms), () => downloadPrefix(clients.s3, values.bucket!, runFolder!, staging, downloaded));
    reportRefused(values.bucket!, refused);
    source = join(staging, runFolder!);
    const manifest = JSON.parse(await readFile(join(source, "manifest.json"), "utf8")) as Manifest;
    const store = { s3: clients.s3, bucket: values.bucket! };
    previous = knownAccounts(await findPreviousRun({ id: runMatch![2], startedAt: manifest.startedAt }, store), store);
  }
  const { summary, reports, htmlPath } = await analyzeFolder(source, outDir, { previous, thresholds, acceptedRisks });
  console.log(`Analysed ${reports} report(s) from ${source}.`);
  console.log("");
  console.log(formatFindingsSummary(summary));
  console.log("");
  console.log(`Wrote ${Object.values(ANALYSIS_FILES).join(", ")} to ${outDir}`);
  console.log(`Open the HTML report: ${htmlPath}`);
  return 0;
}

/**
 * Summarises a stored run in its own bucket, as the run's own Summarize would have: the manifest
 * and analysis files that are missing, with the accepted risks and thresholds given, the run's
 * event, the SNS summary (with --topic-arn) and, with --security-hub, the import.
 */
async function summarizeStoredRun(target: {
  bucket: string;
  mapBucket?: string;
  runId: string;
  date: string;
  topicArn?: string;
  region: string;
  endpoint?: string;
  thresholds: FindingThresholds;
  acceptedRisks?: readonly AcceptedRisk[];
  securityHub: boolean;
  memberRoleName: string;
}): Promise<number> {
  const clients = awsClients({ region: target.region, endpoint: target.endpoint });
  const unusable = await preflight(clients, { bucket: target.bucket, topicArn: target.topicArn, endpoint: target.endpoint, region: target.region });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  const input = await summarizeInputFromStoredRun(target.runId, target.date, { s3: clients.s3, bucket: target.bucket, mapBucket: target.mapBucket });
  const summary = await summarize(input, localSummarizeDeps(clients, await callerOf(clients), { ...target, log: silentLog }, target.runId));
  const { counts } = summary;
  console.log(`Run ${target.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  console.log(`Manifest: s3://${target.bucket}/${summary.manifestKey}`);
  if (summary.analysisError) console.error(`The analysis failed, so the run has no findings: ${summary.analysisError}`);
  if (summary.eventError) console.error(`The run's event could not be put: ${summary.eventError}`);
  if (summary.securityHub) console.log(securityHubMessage(summary.securityHub));
  return counts.failed === 0 && !summary.analysisError ? 0 : EXIT_INCOMPLETE;
}

/** The newest run's trend in a bucket, as its page draws it: a table, or JSON. */
async function historyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { bucket: { type: "string" }, endpoint: { type: "string" }, "insecure-endpoint": { type: "boolean" }, region: { type: "string" }, json: { type: "boolean" } },
  });
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  else problems.push(...defined(bucketFlag("--bucket", values.bucket)));
  problems.push(...awsTargetProblems(values));
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const region = regionOf(values.region);
  const clients = awsClients({ region, endpoint: values.endpoint });
  const unusable = await preflight(clients, { bucket: values.bucket!, endpoint: values.endpoint, region });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  const trend = await newestTrend(clients.s3, values.bucket!);
  if (!trend) {
    console.error(`s3://${values.bucket}/ holds no run with a history yet (runs of version 0.4.0 or later keep one).`);
    return EXIT_INCOMPLETE;
  }
  console.log(values.json ? JSON.stringify({ runs: trend }, null, 2) : formatTrend(trend));
  return 0;
}

/** The bucket keys a download would not write: the rest were written. */
function reportRefused(bucket: string, refused: Downloaded["refused"]): void {
  for (const { key, why } of refused) console.error(`Not written: s3://${bucket}/${key} ${why}.`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`${err.message}\nSee --help.`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = EXIT_INCOMPLETE;
  },
);
