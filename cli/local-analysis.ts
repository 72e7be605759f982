import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analysisFiles, analyzeRun, type ReportToAnalyse, type RunAnalysis } from "../functions/analysis/analyze-run";
import { ANALYSIS_FILES } from "../functions/report-keys";
import type { FindingThresholds } from "../functions/analysis/findings";
import type { Manifest } from "../functions/summarize/manifest";
import type { KnownFindings } from "../functions/analysis/changes";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";

// Report files as the pipeline names them (account=<id>.csv), or any name ending in the account id.
const REPORT_FILE = /(?:^|\D)(\d{12})\.csv$/;

/** The raw reports of a folder, with names and generated times from its manifest when there is one. */
export async function reportsInFolder(dir: string): Promise<{ reports: ReportToAnalyse[]; manifest?: Manifest }> {
  const files = await readdir(dir);
  const manifest = files.includes("manifest.json") ? (JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest) : undefined;
  const entries = new Map((manifest?.accounts ?? []).map((entry) => [entry.accountId, entry]));
  const reports: ReportToAnalyse[] = [];
  for (const file of files.sort()) {
    const accountId = REPORT_FILE.exec(file)?.[1];
    if (!accountId || file === "users.csv") continue;
    const entry = entries.get(accountId);
    reports.push({
      accountId,
      accountName: entry?.name ?? "",
      csv: await readFile(join(dir, file), "utf8"),
      generatedAt: entry?.reportGeneratedAt ? new Date(entry.reportGeneratedAt) : undefined,
    });
  }
  return { reports, manifest };
}

/**
 * Analyses a folder of raw reports and writes the files a run stores beside its manifest
 * (findings.json, findings.jsonl, summary.json, changes.json, users.csv, report.html) into `outDir`. The clock is the run's start (from the manifest),
 * or now for a folder without one.
 */
export async function analyzeFolder(
  dir: string,
  outDir: string,
  previous?: KnownFindings,
  thresholds?: FindingThresholds,
  acceptedRisks?: readonly AcceptedRisk[],
): Promise<{ analysis: RunAnalysis; reports: number; htmlPath: string }> {
  const { reports, manifest } = await reportsInFolder(dir);
  if (reports.length === 0) throw new Error(`${dir} holds no credential reports (files named account=<12-digit id>.csv)`);
  const run = { id: manifest?.runId ?? "local", startedAt: manifest?.startedAt ?? new Date().toISOString() };
  const analysis = analyzeRun({ runId: run.id, runStartedAt: new Date(run.startedAt), reports, previous, thresholds, acceptedRisks });
  await mkdir(outDir, { recursive: true });
  for (const [file, { body }] of Object.entries(analysisFiles(run, analysis))) {
    await writeFile(join(outDir, ANALYSIS_FILES[file as keyof typeof ANALYSIS_FILES]), body);
  }
  const htmlPath = join(outDir, ANALYSIS_FILES.html);
  return { analysis, reports: reports.length, htmlPath };
}
