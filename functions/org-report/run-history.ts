import { runDate } from "../run/report-keys";
import type { RunRef } from "../run/contracts";
import type { Severity } from "../analysis/findings";

/**
 * One run as its history keeps it: a line of `history/runs/` for Athena, and a point of the page's
 * trend. Flat and snake_case, what Athena's JSON SerDe reads.
 */
export interface RunRecord {
  readonly run_id: string;
  /** The run's UTC day, as in its folder. */
  readonly run_date: string;
  readonly run_started_at: string;
  readonly accounts_collected: number;
  readonly accounts_failed: number;
  readonly accounts_skipped: number;
  /** Findings of the accounts read this run that no accepted risk covers: the run's open count. */
  readonly open_findings: number;
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  /** Open findings first seen in this run. */
  readonly new_findings: number;
  readonly resolved_findings: number;
  /** Findings accepted risks cover: not among the open ones. */
  readonly accepted_findings: number;
  readonly unreadable_reports: number;
  /** Access keys the pipeline deactivated (remediation on); absent in records before 0.5.0. */
  readonly keys_deactivated?: number;
}

/** The columns of the runs table, in RunRecord's order, with their Hive types. */
export const RUN_RECORD_COLUMNS: readonly { readonly name: keyof RunRecord; readonly type: "string" | "int" }[] = [
  { name: "run_id", type: "string" },
  { name: "run_date", type: "string" },
  { name: "run_started_at", type: "string" },
  { name: "accounts_collected", type: "int" },
  { name: "accounts_failed", type: "int" },
  { name: "accounts_skipped", type: "int" },
  { name: "open_findings", type: "int" },
  { name: "critical", type: "int" },
  { name: "high", type: "int" },
  { name: "medium", type: "int" },
  { name: "low", type: "int" },
  { name: "new_findings", type: "int" },
  { name: "resolved_findings", type: "int" },
  { name: "accepted_findings", type: "int" },
  { name: "unreadable_reports", type: "int" },
  { name: "keys_deactivated", type: "int" },
];

/** Runs the trend keeps: the page draws them, `history` prints them. */
export const MAX_TREND_RUNS = 30;

/** What a run came to, as its record says it. */
export interface RunOutcome {
  readonly accounts: { readonly collected: number; readonly failed: number; readonly skipped: number };
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly open: number;
  readonly newOpen: number;
  readonly resolved: number;
  readonly accepted: number;
  readonly unreadable: number;
  readonly deactivated: number;
}

export function runRecord(run: RunRef, outcome: RunOutcome): RunRecord {
  return {
    run_id: run.id,
    run_date: runDate(run),
    run_started_at: run.startedAt,
    accounts_collected: outcome.accounts.collected,
    accounts_failed: outcome.accounts.failed,
    accounts_skipped: outcome.accounts.skipped,
    open_findings: outcome.open,
    ...outcome.bySeverity,
    new_findings: outcome.newOpen,
    resolved_findings: outcome.resolved,
    accepted_findings: outcome.accepted,
    unreadable_reports: outcome.unreadable,
    keys_deactivated: outcome.deactivated,
  };
}

/**
 * The trend of a run: the run before's trend and this run's record, oldest first, the last
 * MAX_TREND_RUNS. Each run keeps its own (write-once), so the page reads one small file of the
 * run before, never the old runs themselves. A run summarised again replaces its own record.
 */
export function trendOf(before: readonly RunRecord[], record: RunRecord): RunRecord[] {
  return [...before.filter((r) => r.run_id !== record.run_id && r.run_started_at < record.run_started_at), record].slice(-MAX_TREND_RUNS);
}
