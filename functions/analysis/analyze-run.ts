import type { AccountRef, RunRef } from "../contracts";
import type { ANALYSIS_FILES } from "../report-keys";
import { RunFilesInMemory } from "../summarize/run-files";
import { type AccountAnalysis, analyzeAccount, type KnownAccount } from "./account-analysis";
import type { AcceptedRisk } from "./accepted-risks";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "./findings";
import { type CombinedRun, RunCombiner } from "./run-combiner";

/** One stored report, as the analysis needs it. */
export interface ReportToAnalyse extends AccountRef {
  /** The report's text, or why it could not be read from storage. */
  readonly csv: string | { readonly readError: string };
  /** IAM's GeneratedTime, when known. */
  readonly generatedAt?: Date;
}

/** A run's analysis made in memory: each account's, and the run's files by name. */
export interface ReportsAnalysis extends CombinedRun {
  readonly accounts: readonly AccountAnalysis[];
  readonly files: Partial<Record<keyof typeof ANALYSIS_FILES, string>>;
}

/**
 * Analyses a few reports in memory, the way a run does (each account, then the combination): for
 * tests and small folders. A run of any size goes through the same two steps without this, one
 * account at a time (combine-run.ts, local-analysis.ts).
 */
export async function analyzeReports(input: {
  readonly run: RunRef;
  readonly reports: readonly ReportToAnalyse[];
  /** What the run before knew of each account. @default nothing */
  readonly known?: (accountId: string) => KnownAccount | undefined;
  /** @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
  /** @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
}): Promise<ReportsAnalysis> {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const acceptedRisks = input.acceptedRisks ?? [];
  const out = new RunFilesInMemory();
  const combiner = new RunCombiner(input.run, thresholds, acceptedRisks, out);
  const accounts: AccountAnalysis[] = [];
  for (const stored of [...input.reports].sort((a, b) => a.id.localeCompare(b.id))) {
    const { report, ...analysis } = analyzeAccount({
      account: { id: stored.id, name: stored.name },
      run: input.run,
      csv: stored.csv,
      generatedAt: stored.generatedAt,
      known: input.known?.(stored.id),
      thresholds,
      acceptedRisks,
    });
    accounts.push(analysis);
    await combiner.add(analysis, report);
  }
  return { ...(await combiner.finish()), accounts, files: out.files };
}
