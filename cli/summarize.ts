import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { DEFAULT_MEMBER_ROLE_NAME } from "../functions/aws/member-credentials";
import { silentLog } from "../functions/log";
import { ANALYSIS_FILES } from "../functions/run/report-keys";
import { findPreviousRun, knownAccounts } from "../functions/storage/analysis-store";
import type { Manifest } from "../functions/summarize/manifest";
import type { StoredSummary } from "../functions/org-report/run-combiner";
import { summarizeInputFromStoredRun } from "../functions/summarize/stored-run";
import { securityHubMessage, summarize } from "../functions/summarize/summarize";
import { type AwsClients, awsClients } from "../local/aws-clients";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { SummarizeResult } from "../functions/summarize/summarize";
import { analyzeFolder, previousFromFile } from "../local/folder-analysis";
import { type DownloadProgress, downloadProgressLine, withProgress } from "../local/progress";
import { callerOf, localSummarizeDeps } from "../local/runner";
import { EXIT_INCOMPLETE, UsageError } from "./exit-status";
import { acceptedRisksFlag, THRESHOLD_OPTIONS, thresholdFlags, thresholdsGiven } from "./options/analysis-options";
import { AWS_TARGET_OPTIONS, awsTargetProblems, regionOf } from "./options/aws-target";
import { bucketFlag, inFolderFlag, outFolderFlag, problemsOf, roleNameFlag, runPrefixFlag, stateMachineArnFlag, topicArnFlag } from "./options/flag-checks";
import { type Command, parseOptions } from "./options/option-table";
import { downloadPrefix } from "./output/download";
import { formatFindingsSummary } from "./output/findings-summary";
import { reportRefused } from "./output/report-run";
import { preflight } from "./preflight";

const OPTIONS = [
  { flag: "--from", type: "string", value: "DIR", help: "a folder of raw reports (account=<id>.csv; a manifest.json is used if present)" },
  { flag: "--previous", type: "string", value: "FILE", help: "with --from: an earlier findings.json, for what is new and resolved" },
  { flag: "--bucket", type: "string", value: "NAME", help: "with --run: the bucket of a stored run" },
  {
    flag: "--run",
    type: "string",
    value: "PREFIX",
    help: "with --bucket: a stored run, e.g. credential-reports/date=2026-11-25/run=<id>/ (compared with the run before it in the same bucket)",
  },
  {
    flag: "--state-machine-arn",
    type: "string",
    value: "ARN",
    help: "with --run: summarise a run of a deployed stack by the pipeline itself (output stateMachineArn): starts an execution that writes the run's missing manifest and analysis files as the pipeline's own roles, with the stack's settings, and waits for it; for a run that timed out, was aborted or could not write its manifest",
  },
  ...AWS_TARGET_OPTIONS,
  {
    flag: "--out",
    type: "string",
    value: "DIR",
    help: "where findings.json(l), findings.csv, summary.json, changes.json, users.csv, trend.json and report.html are written [./out/analysis]",
  },
  {
    flag: "--write-manifest",
    type: "boolean",
    help:
      "with --bucket and --run: summarise a run of `run` in its bucket with your own credentials, as its own Summarize would (manifest and analysis files where they are " +
      "missing, never replacing one that is there; the run's event). A deployed stack's bucket lets only the pipeline write: use --state-machine-arn there",
  },
  { flag: "--topic-arn", type: "string", value: "ARN", help: "with --write-manifest: also publish the run summary" },
  { flag: "--security-hub", type: "boolean", help: "with --write-manifest: import the findings into each account's Security Hub" },
  { flag: "--role-name", type: "string", value: "NAME", help: `with --security-hub: the member role [${DEFAULT_MEMBER_ROLE_NAME}]` },
  {
    flag: "--accepted-risks",
    type: "string",
    value: "FILE",
    help: 'known exceptions (YAML or JSON, see docs/findings.md "Accepted risks and break-glass users"): the findings they cover are marked accepted and kept out of the open counts and alerts',
  },
  { flag: "--quiet", type: "boolean", help: "no progress line while a stored run is downloaded" },
  ...THRESHOLD_OPTIONS,
] as const;

/** Findings, summary and HTML of stored reports: a folder of them, or a run in its bucket. */
export const summarizeCommand: Command = {
  name: "summarize",
  usage: "npm run cli -- summarize [options]",
  summary: "findings, summary and HTML report of stored reports",
  options: OPTIONS,
  notes: "Give one source: --from DIR, --bucket NAME with --run PREFIX, or --state-machine-arn ARN with --run PREFIX.",
  run: summarizeReports,
};

async function summarizeReports(args: string[]): Promise<number> {
  const values = parseOptions(OPTIONS, args);
  const byPipeline = values["state-machine-arn"] !== undefined;
  const fromBucket = !byPipeline && (values.bucket !== undefined || values.run !== undefined);
  const problems: string[] = [];
  const sources = [values.from !== undefined, values.bucket !== undefined, byPipeline].filter(Boolean).length;
  if (sources > 1) problems.push("give one source: --from DIR, --bucket NAME with --run, or --state-machine-arn ARN with --run");
  if (sources === 0) problems.push("give --from DIR, --bucket NAME with --run PREFIX, or --state-machine-arn ARN with --run PREFIX");
  if (fromBucket && !(values.bucket && values.run)) problems.push("--bucket and --run go together");
  if (byPipeline && !values.run) problems.push("--state-machine-arn goes with --run PREFIX");
  if (byPipeline) problems.push(...problemsOf(stateMachineArnFlag("--state-machine-arn", values["state-machine-arn"]!)));
  if (byPipeline && (values.out || values.previous || values["accepted-risks"] || values["write-manifest"])) {
    problems.push("--state-machine-arn summarises with the stack's own settings and writes into its bucket: --out, --previous, --accepted-risks and --write-manifest do not go with it");
  }
  const runPrefix = values.run !== undefined ? runPrefixFlag("--run", values.run) : undefined;
  if (runPrefix && "problem" in runPrefix) problems.push(runPrefix.problem);
  const storedRun = runPrefix && "id" in runPrefix ? runPrefix : undefined;
  const runFolder = storedRun?.folder;
  if (values.previous && fromBucket) problems.push("--previous goes with --from; a stored run is compared with the run before it");
  if (values["write-manifest"] && !fromBucket) problems.push("--write-manifest goes with --bucket and --run");
  if (values["write-manifest"] && values.out) problems.push("--write-manifest writes into the bucket; --out does not go with it");
  if (values["topic-arn"] && !values["write-manifest"]) problems.push("--topic-arn goes with --write-manifest");
  if (values["security-hub"] && !values["write-manifest"]) problems.push("--security-hub goes with --write-manifest");
  if (values["role-name"] !== undefined && !values["security-hub"]) problems.push("--role-name goes with --security-hub");
  if (values["role-name"] !== undefined) problems.push(...problemsOf(roleNameFlag("--role-name", values["role-name"])));
  if (values.bucket !== undefined) problems.push(...problemsOf(bucketFlag("--bucket", values.bucket)));
  if (values["topic-arn"] !== undefined) problems.push(...problemsOf(topicArnFlag("--topic-arn", values["topic-arn"])));
  problems.push(...awsTargetProblems(values));
  const thresholds = thresholdFlags(values, problems);
  if (values.out !== undefined) problems.push(...problemsOf(outFolderFlag("--out", resolve(values.out))));
  if (values.from !== undefined) problems.push(...problemsOf(inFolderFlag("--from", resolve(values.from))));
  const acceptedRisks = values["accepted-risks"] ? await acceptedRisksFlag(values["accepted-risks"], problems) : undefined;
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const region = regionOf(values);
  if (byPipeline) {
    return summarizeByPipeline({ stateMachineArn: values["state-machine-arn"]!, runId: storedRun!.id, date: storedRun!.date, region, endpoint: values.endpoint, quiet: values.quiet ?? false });
  }
  if (values["write-manifest"]) {
    return summarizeStoredRun({
      bucket: values.bucket!,
      runId: storedRun!.id,
      date: storedRun!.date,
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
    previous = knownAccounts(await findPreviousRun({ id: storedRun!.id, startedAt: manifest.startedAt }, store), store);
  }
  // A stored run is analysed again as it was, unless flags say otherwise.
  const stored = fromBucket ? await storedSettings(join(source, ANALYSIS_FILES.summary)) : undefined;
  const told = thresholdsGiven(values);
  const settings = {
    thresholds: stored && !told ? stored.thresholds : thresholds,
    acceptedRisks: stored && acceptedRisks === undefined ? stored.acceptedRisks : acceptedRisks,
  };
  if (fromBucket) console.log(settingsLine(stored !== undefined, told, acceptedRisks !== undefined, settings.acceptedRisks?.length ?? 0));
  const { summary, reports, htmlPath } = await analyzeFolder(source, outDir, { previous, ...settings });
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
  const unusable = await preflight(clients, { bucket: target.bucket, topicArn: target.topicArn, endpoint: target.endpoint, region: target.region, writes: true });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  const input = await summarizeInputFromStoredRun(target.runId, target.date, { s3: clients.s3, bucket: target.bucket });
  const summary = await summarize(input, localSummarizeDeps(clients, await callerOf(clients), { ...target, log: silentLog }, target.runId));
  const { counts } = summary;
  console.log(`Run ${target.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  console.log(`Manifest: s3://${target.bucket}/${summary.manifestKey}`);
  if (summary.analysisError) console.error(`The analysis failed, so the run has no findings: ${summary.analysisError}`);
  if (summary.eventError) console.error(`The run's event could not be put: ${summary.eventError}`);
  if (summary.securityHub) console.log(securityHubMessage(summary.securityHub));
  return counts.failed === 0 && !summary.analysisError ? 0 : EXIT_INCOMPLETE;
}

/** How often a started execution is looked at: Summarize takes seconds to minutes. */
const EXECUTION_POLL_MS = 2000;

/**
 * Summarises a stored run of a deployed stack by the pipeline itself: an execution of its state
 * machine with `{"summarizeRun": {id, date}}`, whose Summarize writes what the run is missing as
 * its own role (the bucket lets no one else write), with the stack's settings. Waits for it.
 */
async function summarizeByPipeline(target: { stateMachineArn: string; runId: string; date: string; region: string; endpoint?: string; quiet: boolean }): Promise<number> {
  const clients = awsClients({ region: target.region, endpoint: target.endpoint });
  // Execution names are 1-80 characters and unique per state machine: the run's id, then when.
  const stamp = new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15);
  const name = `summarize-${stamp}-${target.runId}`.slice(0, 80);
  const { executionArn } = await clients.stepFunctions.send(
    new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify({ summarizeRun: { id: target.runId, date: target.date } }) }),
  );
  console.log(`Started ${executionArn}`);
  const execution = await withProgress(target.quiet, (ms) => `summarising run ${target.runId} (${Math.round(ms / 1000)} s)`, () => executionEnd(clients, executionArn!));
  if (execution.status !== "SUCCEEDED") {
    console.error(`The execution ended ${execution.status}: ${execution.error ?? ""} ${execution.cause ?? ""}`.trim());
    return EXIT_INCOMPLETE;
  }
  const summary = JSON.parse(execution.output ?? "{}") as SummarizeResult;
  const { counts } = summary;
  console.log(`Run ${target.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  console.log(`Manifest: ${summary.manifestKey}`);
  if (summary.analysisError) console.error(`The analysis failed, so the run has no findings: ${summary.analysisError}`);
  return counts.failed === 0 && !summary.analysisError ? 0 : EXIT_INCOMPLETE;
}

async function executionEnd(clients: AwsClients, executionArn: string) {
  for (;;) {
    const execution = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== "RUNNING" && execution.status !== "PENDING_REDRIVE") return execution;
    await new Promise((resolve) => setTimeout(resolve, EXECUTION_POLL_MS));
  }
}

/** The settings a stored run was analysed with, as its summary.json records them (since 0.5.0). */
async function storedSettings(path: string): Promise<StoredSummary["settings"] | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const summary = JSON.parse(text) as Partial<StoredSummary>;
  return summary.settings && { thresholds: { ...DEFAULT_THRESHOLDS, ...summary.settings.thresholds }, acceptedRisks: summary.settings.acceptedRisks };
}

function settingsLine(recorded: boolean, thresholdsTold: boolean, risksTold: boolean, rules: number): string {
  if (!recorded) return `The stored run records no settings (a run before 0.5.0): analysed with the command line's thresholds and accepted risks (${rules} rule(s)).`;
  const from = (told: boolean) => (told ? "the command line's" : "the stored run's");
  return `Analysed with ${from(thresholdsTold)} thresholds and ${from(risksTold)} accepted risks (${rules} rule(s)).`;
}
