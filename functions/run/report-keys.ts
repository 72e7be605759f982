import type { RunRef } from "./contracts";

/** Every object the pipeline writes itself lives under this prefix, written once. */
export const REPORTS_PREFIX = "credential-reports/";

/**
 * The Distributed Map's working files, in the map bucket: the account list it reads and the
 * results its ResultWriter writes. Outside REPORTS_PREFIX, whose bucket policy refuses PUTs
 * without If-None-Match, which Step Functions does not send.
 */
export const MAP_RUNS_PREFIX = "map-runs/";

/** The folder of one run's Distributed Map files; ResultWriter adds `<map run id>/` below it. */
export function mapRunPrefix(runId: string): string {
  return `${MAP_RUNS_PREFIX}run=${runId}/`;
}

/**
 * Summarize's working parts, in the map bucket: a combined file's pieces too large for memory wait
 * here until S3 copies them into the file. Copies of findings, so kept one day (map-files-bucket.ts).
 */
export const SUMMARIZE_PARTS_PREFIX = "summarize-parts/";

/** The folder of one run's working parts. */
export function summarizePartsPrefix(runId: string): string {
  return `${SUMMARIZE_PARTS_PREFIX}run=${runId}/`;
}

/** The UTC date of a run, `YYYY-MM-DD`, taken from the execution's start time. */
export function runDate(run: RunRef): string {
  const started = new Date(run.startedAt);
  if (Number.isNaN(started.getTime())) {
    throw new RangeError(`run.startedAt must be an ISO 8601 time, got ${JSON.stringify(run.startedAt)}`);
  }
  return started.toISOString().slice(0, 10);
}

/**
 * The folder of one run. Hive-style `key=value` segments let Athena partition on date and run,
 * and the run id in the path means a second run on the same day never touches the first.
 */
export function runPrefix(run: RunRef): string {
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(run.id)) {
    throw new RangeError(`run.id must be 1-80 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(run.id)}`);
  }
  return `${REPORTS_PREFIX}date=${runDate(run)}/run=${run.id}/`;
}

/** Where the raw credential report of one account is stored. */
export function reportKey(run: RunRef, accountId: string): string {
  if (!/^\d{12}$/.test(accountId)) {
    throw new RangeError(`account id must be 12 digits, got ${JSON.stringify(accountId)}`);
  }
  return `${runPrefix(run)}account=${accountId}.csv`;
}

/** Where one account's analysis is stored, beside its report (written where the report is read). */
export function accountAnalysisKey(run: RunRef, accountId: string): string {
  return reportKey(run, accountId).replace(/\.csv$/, ".analysis.json");
}

/** Where what IAM says of an account beyond its report is stored, beside the report (as read, with it). */
/**
 * What the collector did about one unused key this run (remediation), by the user and the key's
 * place in the report: written once, as soon as it is done, so a retried try finds the deed.
 */
export function keyActionKey(run: RunRef, accountId: string, user: string, credential: string): string {
  return `${keyActionsPrefix(run, accountId)}${user}.${credential}.json`;
}

/** Where an account's key actions of a run are. */
export function keyActionsPrefix(run: RunRef, accountId: string): string {
  return `${runPrefix(run)}account=${accountId}.action=`;
}

export function iamAccountKey(run: RunRef, accountId: string): string {
  return reportKey(run, accountId).replace(/\.csv$/, ".iam.json");
}

/** Where ListAccounts records the accounts a run covers, so the run can be summarised from S3 alone. */
export function accountListKey(run: RunRef): string {
  return `${runPrefix(run)}accounts.json`;
}

/** The run's accounts to collect as a JSON array, in the map bucket: what the Distributed Map's ItemReader reads. */
export function toCollectKey(run: RunRef): string {
  runPrefix(run);
  return `${mapRunPrefix(run.id)}accounts-to-collect.json`;
}

/** Where the manifest of a run is stored, beside its reports. */
export function manifestKey(run: RunRef): string {
  return `${runPrefix(run)}manifest.json`;
}

/** The files the analysis writes beside the manifest of each run. */
export const ANALYSIS_FILES = {
  /** Every finding, with the thresholds used. */
  findings: "findings.json",
  /** The same findings one per line, for Athena. */
  findingsLines: "findings.jsonl",
  summary: "summary.json",
  changes: "changes.json",
  /** Every user of every account, account id and name first. */
  users: "users.csv",
  /** Every finding with how to fix it, for a spreadsheet. */
  findingsCsv: "findings.csv",
  /** The last runs' records, this one's last: what the page's trend draws. */
  trend: "trend.json",
  html: "report.html",
  /** What the pipeline did about unused keys (remediation), one action a line: empty when it did nothing. */
  actions: "actions.jsonl",
} as const;

/**
 * Files kept across runs, for Athena to read many runs in one query: each run adds its record and
 * its findings under the day it ran (`key=value`, so the day is a partition), named by run id.
 */
export const HISTORY_PREFIX = `${REPORTS_PREFIX}history/`;
export const HISTORY_FILES = { historyRun: "runs", historyFindings: "findings-parquet" } as const;
/** Where runs before 0.5.0 kept their findings across runs, as JSON lines (history/findings/). */
export const LEGACY_HISTORY_FINDINGS = "findings";

/** Where a run's record (historyRun) or its findings (historyFindings) are kept across runs. */
export function historyKey(run: RunRef, file: keyof typeof HISTORY_FILES): string {
  runPrefix(run);
  return `${HISTORY_PREFIX}${HISTORY_FILES[file]}/date=${runDate(run)}/${run.id}.${file === "historyRun" ? "json" : "parquet"}`;
}

/** Where the findings of one shard of a run combined in shards are kept across runs: one Parquet file each, beside one another. */
export function historyShardKey(run: RunRef, shard: number): string {
  return historyKey(run, "historyFindings").replace(/\.parquet$/, `.shard-${String(shard).padStart(4, "0")}.parquet`);
}

/** Every file the combination of a run writes: beside its manifest, or kept across runs. */
export type RunFile = keyof typeof ANALYSIS_FILES | keyof typeof HISTORY_FILES;

/** Where one file of a run's combination is stored. */
export function runFileKey(run: RunRef, file: RunFile): string {
  return file in HISTORY_FILES ? historyKey(run, file as keyof typeof HISTORY_FILES) : analysisKey(run, file as keyof typeof ANALYSIS_FILES);
}

/** Where one analysis file of a run is stored. */
export function analysisKey(run: RunRef, file: keyof typeof ANALYSIS_FILES): string {
  return `${runPrefix(run)}${ANALYSIS_FILES[file]}`;
}
