import { CHECKS, type CheckId, type Finding, SEVERITIES, type Severity } from "./findings";

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
  /** Per account: its findings by severity, accounts with none included. */
  readonly byAccount: Readonly<Record<string, Readonly<Record<Severity, number>>>>;
  readonly unreadableReports: readonly UnreadableReport[];
}

const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Counts findings by severity, check and account. Pure. */
export function summarizeFindings(
  findings: readonly Finding[],
  analysed: readonly { accountId: string; users: number }[],
  unreadableReports: readonly UnreadableReport[] = [],
): FindingsSummary {
  const bySeverity = zeroes(SEVERITIES);
  const byCheck = zeroes(Object.keys(CHECKS) as CheckId[]);
  const byAccount: Record<string, Record<Severity, number>> = {};
  for (const { accountId } of analysed) byAccount[accountId] = zeroes(SEVERITIES);
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCheck[f.checkId] += 1;
    byAccount[f.accountId] ??= zeroes(SEVERITIES);
    byAccount[f.accountId][f.severity] += 1;
  }
  return {
    totals: { accounts: analysed.length, users: analysed.reduce((n, a) => n + a.users, 0), findings: findings.length },
    bySeverity,
    byCheck,
    byAccount,
    unreadableReports,
  };
}
