import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzeAccount, carriedAccount } from "../functions/analysis/account-analysis";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";
import type { StoredFinding } from "../functions/analysis/changes";
import type { IamAccount } from "../functions/analysis/iam-account";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { RunCombiner, type StoredSummary } from "../functions/org-report/run-combiner";
import { NO_PREVIOUS_RUN, type PreviousFindings } from "../functions/storage/analysis-store";
import { ANALYSIS_FILES } from "../functions/run/report-keys";
import type { RunRecord } from "../functions/org-report/run-history";
import { coverageOf, type Manifest } from "../functions/summarize/manifest";
import { RunFilesInFolder } from "../functions/summarize/run-files";

// Report files as the pipeline names them (account=<id>.csv), or any name ending in the account id.
const REPORT_FILE = /(?:^|\D)(\d{12})\.csv$/;

/**
 * Analyses a folder of raw reports and writes the files a run stores beside its manifest
 * (findings.json, findings.jsonl, summary.json, changes.json, users.csv, report.html) into
 * `outDir`, one report at a time, as Summarize does: memory holds one account, not the folder.
 * The clock is the run's start (from the folder's manifest), or now for a folder without one.
 */
export async function analyzeFolder(
  dir: string,
  outDir: string,
  options: {
    /** What the run compared with knew. @default none: every finding is new */
    readonly previous?: PreviousFindings;
    readonly thresholds?: FindingThresholds;
    readonly acceptedRisks?: readonly AcceptedRisk[];
  } = {},
): Promise<{ summary: StoredSummary; reports: number; htmlPath: string }> {
  const files = (await readdir(dir)).sort();
  const manifest = files.includes("manifest.json") ? (JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest) : undefined;
  const entries = new Map((manifest?.accounts ?? []).map((entry) => [entry.accountId, entry]));
  const reportFiles = files.flatMap((file) => {
    const accountId = REPORT_FILE.exec(file)?.[1];
    return accountId && file !== ANALYSIS_FILES.users ? [{ file, accountId }] : [];
  });
  if (reportFiles.length === 0) throw new Error(`${dir} holds no credential reports (files named account=<12-digit id>.csv)`);
  const run = { id: manifest?.runId ?? "local", startedAt: manifest?.startedAt ?? new Date().toISOString() };
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const acceptedRisks = options.acceptedRisks ?? [];
  const previous = options.previous ?? NO_PREVIOUS_RUN;
  const out = new RunFilesInFolder(outDir);
  try {
    // A stored run's folder (summarize --bucket) holds the trend its Summarize made: the runs before it are kept, its own is made again.
    const stored = files.includes(ANALYSIS_FILES.trend) ? (JSON.parse(await readFile(join(dir, ANALYSIS_FILES.trend), "utf8")) as { runs: RunRecord[] }) : undefined;
    const combiner = new RunCombiner(
      {
        run,
        previousRunId: previous.runId,
        thresholds,
        acceptedRisks,
        previousTrend: stored?.runs ?? [],
        ...(manifest?.counts && manifest.accounts ? { coverage: coverageOf(manifest) } : {}),
      },
      out,
    );
    const read = new Set<string>();
    for (const { file, accountId } of reportFiles.sort((a, b) => a.accountId.localeCompare(b.accountId))) {
      const entry = entries.get(accountId);
      const iam = await readIamAnswers(join(dir, file.replace(/\.csv$/, "")));
      const { report, ...analysis } = analyzeAccount({
        account: { id: accountId, name: entry?.name ?? "" },
        run,
        csv: await readFile(join(dir, file), "utf8"),
        generatedAt: entry?.reportGeneratedAt ? new Date(entry.reportGeneratedAt) : undefined,
        ...(iam ? { iam } : {}),
        known: await previous.of(accountId),
        thresholds,
        acceptedRisks,
      });
      read.add(accountId);
      await combiner.add(analysis, report);
    }
    // Accounts the run before knew whose report is not here (failed, or no longer listed): carried.
    for (const accountId of await previous.accountIds()) {
      if (read.has(accountId)) continue;
      const known = await previous.of(accountId);
      const analysis = carriedAccount({ id: accountId, name: entries.get(accountId)?.name ?? known?.accountName ?? "" }, run, known);
      if (analysis.notRechecked.length > 0) await combiner.add(analysis);
    }
    const { overview } = await combiner.finish();
    return { summary: overview, reports: reportFiles.length, htmlPath: join(outDir, ANALYSIS_FILES.html) };
  } finally {
    await out.close();
  }
}

/** What an earlier findings.json knew, indexed by account once (the file is read whole). */
export async function previousFromFile(path: string): Promise<PreviousFindings> {
  const stored = JSON.parse(await readFile(path, "utf8")) as { runId?: string; findings: StoredFinding[] };
  const runId = stored.runId ?? path;
  const byAccount = new Map<string, StoredFinding[]>();
  for (const f of stored.findings) {
    const list = byAccount.get(f.accountId);
    if (list) list.push(f);
    else byAccount.set(f.accountId, [f]);
  }
  return {
    runId,
    of: async (accountId) => ({ runId, findings: byAccount.get(accountId) ?? [], notRechecked: [] }),
    accountIds: async () => [...byAccount.keys()].sort(),
  };
}

/**
 * What IAM said of the account in a run: kept in its analysis (account=<id>.analysis.json), or
 * beside its report (account=<id>.iam.json) by earlier versions and for an account the collector
 * left to Summarize; absent for reports from elsewhere.
 */
async function readIamAnswers(base: string): Promise<IamAccount | undefined> {
  const analysis = await readJsonFile<{ iam?: IamAccount }>(`${base}.analysis.json`);
  return analysis?.iam ?? (await readJsonFile<IamAccount>(`${base}.iam.json`));
}

async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
