import type { CheckId, Severity } from "../analysis/findings";

/** A report that could not be analysed; the others still are. */
export interface UnreadableReport {
  readonly accountId: string;
  readonly error: string;
}

/** The counts of one run's findings (`summary.json`). */
export interface FindingsSummary {
  readonly totals: { readonly accounts: number; readonly users: number; readonly findings: number };
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byCheck: Readonly<Record<CheckId, number>>;
  /** Per account whose report was read this run, or whose findings are carried: its open findings by severity, none included. */
  readonly byAccount: Readonly<Record<string, Readonly<Record<Severity, number>>>>;
  readonly unreadableReports: readonly UnreadableReport[];
}
