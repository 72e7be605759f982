import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type AccountScope, EVERY_ACCOUNT, scopeProblems } from "../functions/list-accounts/list-accounts";
import { jsonLog, silentLog } from "../functions/log";
import { DEFAULT_SETTINGS, type PipelineSettings, settingsProblems } from "../functions/settings";
import type { Manifest } from "../functions/summarize/manifest";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type AwsClients, awsClients } from "./aws-clients";
import { DEMO_SPEC, seedDemoOrganization } from "./demo-organization";
import { downloadPrefix } from "./download";
import { startEmulator } from "./emulator";
import { type LocalRunOptions, type LocalRunResult, runLocally } from "./local-runner";
import { EXIT_INCOMPLETE, EXIT_USAGE, exitStatusOf } from "./exit-status";
import { countUsers, formatRunTable } from "./run-table";
import { formatFindingsSummary } from "./findings-summary";
import { analyzeFolder } from "./local-analysis";
import { ANALYSIS_FILES, runPrefix } from "../functions/report-keys";
import { summarize } from "../functions/summarize/summarize";
import { summarizeInputFromStoredRun } from "../functions/summarize/stored-run";
import type { FindingChanges } from "../functions/analysis/changes";
import type { FindingsSummary } from "../functions/analysis/summary";
import { previousRunFindings } from "../functions/summarize/run-analysis";
import type { Finding } from "../functions/analysis/findings";

// The SDK versions are pinned to ones that support Node 20; their notice about later ones is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const DEFAULT_ROLE_NAME = "iam-credential-report-generation-role";

const HELP = `Organization credential reports: collect every account's IAM credential report into S3.

Usage:
  npm run demo [-- --out DIR]          run the whole pipeline on a local AWS emulator (moto)
  npm run cli -- run [options]         run the pipeline once against AWS or an emulator
  npm run cli -- summarize [options]   findings, summary and HTML report of stored reports
  npm run cli -- help                  this text

demo options:
  --out DIR               where the run's reports and manifest are written [./out]
  --verbose               print every pipeline event as a JSON line

run options:
  --bucket NAME           report bucket (required)
  --topic-arn ARN         SNS topic for failure notices (required)
  --role-name NAME        member role to assume in each account [${DEFAULT_ROLE_NAME}]
  --endpoint URL          send every AWS call here (an emulator); unset: real AWS
  --region REGION         [AWS_REGION, else us-east-1]
  --include-ou ID         collect only accounts under this OU or root, child OUs included (repeatable)
  --exclude-account ID    never collect this account (repeatable)
  --concurrency N         batches collected at once, 1-1000 [${DEFAULT_SETTINGS.maxConcurrency}]
  --batch-size N          accounts per batch, 1-100 [${DEFAULT_SETTINGS.accountsPerBatch}]
  --max-attempts N        rounds per account before it fails as timed out, 1-100 [${DEFAULT_SETTINGS.maxPollAttempts}]
  --poll-interval S       first wait between rounds in seconds, doubling after, 1-300 [${DEFAULT_SETTINGS.pollIntervalSeconds}]
  --timeout-minutes M     stop a run still going after M minutes, 10-1440 [${DEFAULT_SETTINGS.runTimeoutMinutes}]
  --out DIR               also download the run's reports and manifest here
  --verbose               print every pipeline event as a JSON line

summarize options (one source):
  --from DIR              a folder of raw reports (account=<id>.csv; a manifest.json is used if present)
  --previous FILE         with --from: an earlier findings.json, for what is new and resolved
  --bucket NAME --run PREFIX
                          a stored run, e.g. credential-reports/date=2026-11-25/run=<id>/ (compared
                          with the run before it in the same bucket); --endpoint and --region as above
  --out DIR               where findings.json(l), summary.json, changes.json, users.csv and
                          report.html are written [./out/analysis]
  --write-manifest        with --bucket and --run: summarise the stored run in the bucket itself,
                          writing its manifest and analysis files where they are missing (a run
                          that timed out or whose manifest could not be written); never replaces
                          a file that is there
  --topic-arn ARN         with --write-manifest: also publish the run summary

Against real AWS the default credential chain is used; run it as the management account (or a
delegated administrator) where the member role exists in every account.
Exit status: 0 when every active account was collected and analysed; 1 when any account failed,
the analysis failed, or the run stopped; 2 on bad usage.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
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
  throw new UsageError(`unknown command ${JSON.stringify(command)}: use demo, run, summarize or help`);
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string" }, verbose: { type: "boolean" } } });
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
    return await runAndReport(clients, {
      region: target.region,
      bucket: org.bucket,
      topicArn: org.topicArn,
      memberRoleName: DEFAULT_ROLE_NAME,
      scope: EVERY_ACCOUNT,
      settings,
      outDir,
      verbose: values.verbose ?? false,
    });
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
      region: { type: "string" },
      "include-ou": { type: "string", multiple: true },
      "exclude-account": { type: "string", multiple: true },
      concurrency: { type: "string" },
      "batch-size": { type: "string" },
      "max-attempts": { type: "string" },
      "poll-interval": { type: "string" },
      "timeout-minutes": { type: "string" },
      out: { type: "string" },
      verbose: { type: "boolean" },
    },
  });
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  if (!values["topic-arn"]) problems.push("--topic-arn is required");
  const scope: AccountScope = { includeOuIds: values["include-ou"] ?? [], excludeAccountIds: values["exclude-account"] ?? [] };
  problems.push(...scopeProblems(scope, { ou: "--include-ou", account: "--exclude-account" }));
  const settings: PipelineSettings = {
    maxConcurrency: numberFlag(values.concurrency, DEFAULT_SETTINGS.maxConcurrency),
    accountsPerBatch: numberFlag(values["batch-size"], DEFAULT_SETTINGS.accountsPerBatch),
    maxPollAttempts: numberFlag(values["max-attempts"], DEFAULT_SETTINGS.maxPollAttempts),
    pollIntervalSeconds: numberFlag(values["poll-interval"], DEFAULT_SETTINGS.pollIntervalSeconds),
    runTimeoutMinutes: numberFlag(values["timeout-minutes"], DEFAULT_SETTINGS.runTimeoutMinutes),
  };
  const flagNames: Record<string, string> = {
    maxConcurrency: "--concurrency",
    accountsPerBatch: "--batch-size",
    maxPollAttempts: "--max-attempts",
    pollIntervalSeconds: "--poll-interval",
    runTimeoutMinutes: "--timeout-minutes",
  };
  problems.push(...settingsProblems(settings).map((p) => p.replace(/^\w+/, (name) => flagNames[name] ?? name)));
  if (values.endpoint && !/^https?:\/\//.test(values.endpoint)) problems.push(`--endpoint must be an http(s) URL, got ${JSON.stringify(values.endpoint)}`);
  if (problems.length > 0) throw new UsageError(problems.join("\n"));

  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  return runAndReport(awsClients({ region, endpoint: values.endpoint }), {
    region,
    bucket: values.bucket!,
    topicArn: values["topic-arn"]!,
    memberRoleName: values["role-name"] ?? DEFAULT_ROLE_NAME,
    scope,
    settings,
    outDir: values.out ? resolve(values.out) : undefined,
    verbose: values.verbose ?? false,
  });
}

interface RunAndReport extends Omit<LocalRunOptions, "clients" | "log" | "runId" | "pauseMs"> {
  readonly outDir?: string;
  readonly verbose: boolean;
}

/** Runs once, then prints the per-account table and where the files are. */
async function runAndReport(clients: AwsClients, options: RunAndReport): Promise<number> {
  console.log(`Running the credential report pipeline (bucket ${options.bucket}) ...`);
  const result: LocalRunResult = await runLocally({ ...options, clients, log: options.verbose ? jsonLog : silentLog });
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
  let summary: FindingsSummary | undefined;
  let changes: FindingChanges | undefined;
  if (options.outDir) {
    const files = await downloadPrefix(clients.s3, options.bucket, runFolder, options.outDir);
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
    summary = await local<FindingsSummary>(runFolder + ANALYSIS_FILES.summary).catch(() => undefined);
    changes = await local<FindingChanges>(runFolder + ANALYSIS_FILES.changes).catch(() => undefined);
  } else {
    const stored = async <T>(objectKey: string) => {
      const got = await clients.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: objectKey }));
      return JSON.parse(await got.Body!.transformToString()) as T;
    };
    manifest = await stored<Manifest>(key);
    summary = await stored<FindingsSummary>(runFolder + ANALYSIS_FILES.summary).catch(() => undefined);
    changes = await stored<FindingChanges>(runFolder + ANALYSIS_FILES.changes).catch(() => undefined);
  }

  console.log("");
  console.log(formatRunTable(manifest, usersByKey));
  const { counts } = manifest;
  console.log("");
  console.log(`Run ${result.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  if (summary && changes) {
    console.log("");
    console.log(formatFindingsSummary(summary, changes));
  }
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
      region: { type: "string" },
      out: { type: "string" },
      "write-manifest": { type: "boolean" },
      "topic-arn": { type: "string" },
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
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  if (values["write-manifest"]) {
    return summarizeStoredRun({
      bucket: values.bucket!,
      runId: runMatch![2],
      date: runMatch![1],
      topicArn: values["topic-arn"],
      region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      endpoint: values.endpoint,
    });
  }
  const outDir = resolve(values.out ?? join("out", "analysis"));

  let source = values.from ? resolve(values.from) : "";
  let previous: { runId: string; findings: Finding[] } | undefined;
  if (values.previous) {
    const stored = JSON.parse(await readFile(values.previous, "utf8")) as { runId?: string; findings: Finding[] };
    previous = { runId: stored.runId ?? values.previous, findings: stored.findings };
  }
  if (fromBucket) {
    const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
    const clients = awsClients({ region, endpoint: values.endpoint });
    const staging = join(outDir, "reports");
    await downloadPrefix(clients.s3, values.bucket!, runFolder!, staging);
    source = join(staging, runFolder!);
    const manifest = JSON.parse(await readFile(join(source, "manifest.json"), "utf8")) as Manifest;
    previous = await previousRunFindings({ id: runMatch![2], startedAt: manifest.startedAt }, { s3: clients.s3, bucket: values.bucket!, log: silentLog });
  }
  const { analysis, reports, htmlPath } = await analyzeFolder(source, outDir, previous);
  console.log(`Analysed ${reports} report(s) from ${source}.`);
  console.log("");
  console.log(formatFindingsSummary(analysis.summary, analysis.changes));
  console.log("");
  console.log(`Wrote ${Object.values(ANALYSIS_FILES).join(", ")} to ${outDir}`);
  console.log(`Open the HTML report: ${htmlPath}`);
  return 0;
}

/** Summarises a stored run in its own bucket: the manifest and analysis files that are missing. */
async function summarizeStoredRun(target: { bucket: string; runId: string; date: string; topicArn?: string; region: string; endpoint?: string }): Promise<number> {
  const clients = awsClients({ region: target.region, endpoint: target.endpoint });
  const input = await summarizeInputFromStoredRun(target.runId, target.date, { s3: clients.s3, bucket: target.bucket });
  const summary = await summarize(input, {
    s3: clients.s3,
    sns: clients.sns,
    bucket: target.bucket,
    topicArn: target.topicArn,
    now: () => new Date(),
    log: silentLog,
  });
  const { counts } = summary;
  console.log(`Run ${target.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  console.log(`Manifest: s3://${target.bucket}/${summary.manifestKey}`);
  if (summary.analysisError) console.error(`The analysis failed, so the run has no findings: ${summary.analysisError}`);
  return counts.failed === 0 && !summary.analysisError ? 0 : EXIT_INCOMPLETE;
}

function numberFlag(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
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
