import type { AccountRef, RunRef } from "../../functions/run/contracts";
import type { ANALYSIS_FILES } from "../../functions/run/report-keys";
import { type AccountAnalysis, analyzeAccount, carriedAccount, type KnownAccount } from "../../functions/analysis/account-analysis";
import type { AcceptedRisk } from "../../functions/analysis/accepted-risks";
import type { IamAccount } from "../../functions/analysis/iam-account";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../../functions/analysis/findings";
import { type CombinedRun, type RunFileWriter, RunCombiner } from "../../functions/org-report/run-combiner";

/** One stored report, as the analysis needs it. */
export interface ReportToAnalyse extends AccountRef {
  /** The report's text, or why it could not be read from storage. */
  readonly csv: string | { readonly readError: string };
  /** IAM's GeneratedTime, when known. */
  readonly generatedAt?: Date;
  /** What IAM says of the account beyond the report; unset, the checks that need it are not evaluated. */
  readonly iam?: IamAccount;
}

/** A run's analysis made in memory: each account's, and the run's files by name. */
export interface ReportsAnalysis extends CombinedRun {
  readonly accounts: readonly AccountAnalysis[];
  readonly files: Partial<Record<keyof typeof ANALYSIS_FILES, string>>;
}

/**
 * Analyses a few reports in memory, the way a run does (each account, then the combination, with
 * the accounts the run before knew and this one did not read carried): for tests. A run of any
 * size goes through the same steps one account at a time (functions/summarize/combine-run.ts, local/folder-analysis.ts).
 */
export async function analyzeReports(input: {
  readonly run: RunRef;
  readonly reports: readonly ReportToAnalyse[];
  /** What the run before knew of each account. @default nothing */
  readonly known?: (accountId: string) => KnownAccount | undefined;
  /** The accounts the run before knew, beyond those reported here. @default none */
  readonly previousAccountIds?: readonly string[];
  /** @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
  /** @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
}): Promise<ReportsAnalysis> {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const acceptedRisks = input.acceptedRisks ?? [];
  const reports = [...input.reports].sort((a, b) => a.id.localeCompare(b.id));
  const reported = new Set(reports.map((r) => r.id));
  const departed = (input.previousAccountIds ?? []).filter((id) => !reported.has(id));
  const previousRunId = [...reported, ...departed].map((id) => input.known?.(id)?.runId).find((id) => id !== undefined) ?? null;
  const out = new RunFilesInMemory();
  const combiner = new RunCombiner({ run: input.run, previousRunId, thresholds, acceptedRisks }, out);
  const accounts: AccountAnalysis[] = [];
  for (const stored of reports) {
    const { report, ...analysis } = analyzeAccount({
      account: { id: stored.id, name: stored.name },
      run: input.run,
      csv: stored.csv,
      generatedAt: stored.generatedAt,
      ...(stored.iam ? { iam: stored.iam } : {}),
      known: input.known?.(stored.id),
      thresholds,
      acceptedRisks,
    });
    accounts.push(analysis);
    await combiner.add(analysis, report);
  }
  for (const id of departed) {
    const known = input.known?.(id);
    const analysis = carriedAccount({ id, name: known?.accountName ?? "" }, input.run, known);
    if (analysis.notRechecked.length === 0) continue;
    accounts.push(analysis);
    await combiner.add(analysis);
  }
  return { ...(await combiner.finish()), accounts, files: out.files };
}

/** A run's combined files kept in memory, by file. */
export class RunFilesInMemory implements RunFileWriter {
  readonly files: Partial<Record<keyof typeof ANALYSIS_FILES, string>> = {};
  private readonly parts = new Map<string, string[]>();

  async append(part: string, text: string): Promise<void> {
    const chunks = this.parts.get(part) ?? [];
    chunks.push(text);
    this.parts.set(part, chunks);
  }

  async assemble(file: keyof typeof ANALYSIS_FILES, pieces: readonly (string | { readonly part: string })[]): Promise<void> {
    this.files[file] = pieces.map((piece) => (typeof piece === "string" ? piece : (this.parts.get(piece.part) ?? []).join(""))).join("");
  }
}
