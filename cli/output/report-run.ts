import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { securityHubMessage } from "../../functions/summarize/summarize";
import { remediationLine } from "../../functions/summarize/run-notice";
import type { Manifest } from "../../functions/summarize/manifest";
import type { StoredSummary } from "../../functions/org-report/run-combiner";
import { ANALYSIS_FILES, runPrefix } from "../../functions/run/report-keys";
import { jsonLog, silentLog } from "../../functions/log";
import type { AwsClients } from "../../local/aws-clients";
import { type DownloadProgress, downloadProgressLine, runProgressLine, withProgress } from "../../local/progress";
import { type LocalRunOptions, type LocalRunResult, type RunProgress, runLocally } from "../../local/runner";
import { exitStatusOf } from "../exit-status";
import { type Downloaded, downloadPrefix } from "./download";
import { formatFindingsSummary } from "./findings-summary";
import { countUsers, formatRunTable } from "./run-table";

export interface RunAndReport extends Omit<LocalRunOptions, "clients" | "log" | "runId" | "pauseMs" | "progress"> {
  readonly outDir?: string;
  readonly verbose: boolean;
  /** No progress lines (they go to stderr). */
  readonly quiet?: boolean;
  /** Said right under the findings. */
  readonly findingsNote?: string;
}

/** Runs once, showing progress, then prints the per-account table and where the files are. */
export async function runAndReport(clients: AwsClients, options: RunAndReport): Promise<number> {
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
  console.log(formatRunTable(manifest, options.outDir ? usersByKey : undefined));
  const { counts } = manifest;
  console.log("");
  console.log(`Run ${result.runId}: ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped.`);
  if (summary?.changes) {
    console.log("");
    console.log(formatFindingsSummary(summary));
    if (options.findingsNote) console.log(`\n${options.findingsNote}`);
  }
  if (result.summary.securityHub) console.log(`\n${securityHubMessage(result.summary.securityHub)}`);
  const remediation = summary?.remediation && remediationLine(summary.remediation, `${runFolder}${ANALYSIS_FILES.actions}`);
  if (remediation) console.log(`\n${remediation}`);
  const owners = result.summary.ownerMessages;
  if (owners) console.log(`\nOwner messages: ${owners.sent} sent, one per owner with something to hear${owners.failed > 0 ? `; ${owners.failed} could not be sent` : ""}.`);
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

/** The bucket keys a download would not write: the rest were written. */
export function reportRefused(bucket: string, refused: Downloaded["refused"]): void {
  for (const { key, why } of refused) console.error(`Not written: s3://${bucket}/${key} ${why}.`);
}
