/**
 * Today's analysis before issue 24, kept as it was: it holds every report and finding of a run in
 * memory at once. The streaming path (analyzeAccount per account, RunCombiner) must give the same
 * findings, changes and CSV; tests/pipeline/analysis-equivalence.e2e.test.ts proves it against this.
 */
import { type AcceptedRisk, applyAcceptedRisks, type RiskDecisions, rulesInForce, userMatcher } from "../../functions/analysis/accepted-risks";
import { withBreakGlass } from "../../functions/analysis/break-glass";
import type { FindingChanges, StoredFinding, CarriedFinding } from "../../functions/analysis/changes";

import { MalformedReport, type ParsedReport, parseCredentialReport } from "../../functions/analysis/credential-report";
import {
  CHECKS,
  type CheckId,
  DEFAULT_THRESHOLDS,
  type Finding,
  type FindingThresholds,
  passwordPolicyFindings,
  reportStaleFinding,
  SEVERITIES,
  type Severity,
  userFindings,
} from "../../functions/analysis/findings";
import type { FindingsSummary, UnreadableReport } from "../../functions/org-report/summary";
import type { ANALYSIS_FILES } from "../../functions/run/report-keys";
import { stringify } from "csv-stringify/sync";
import type { IamAccount } from "../../functions/analysis/iam-account";

/** What an earlier run knew: its findings, and those it carried forward. */
interface KnownFindings {
  readonly runId: string;
  readonly findings: readonly StoredFinding[];
  readonly notRechecked?: readonly CarriedFinding[];
}

/** One stored report, as the analysis needs it. */
export interface ReportToAnalyse {
  readonly accountId: string;
  readonly accountName: string;
  /** The report's text, or why it could not be read from storage. */
  readonly csv: string | { readonly readError: string };
  /** IAM's GeneratedTime, when known (object metadata). */
  readonly generatedAt?: Date;
  /** What IAM says of the account beyond the report (the rules are production's own). */
  readonly iam?: IamAccount;
}

/** The files the analysis adds beside a run's manifest. */
export interface RunAnalysis {
  /** The thresholds the findings were computed with. */
  readonly thresholds: FindingThresholds;
  readonly findings: readonly Finding[];
  /** The summary counts the open findings only: accepted risks are counted apart. */
  readonly summary: FindingsSummary;
  readonly changes: FindingChanges;
  /** Which findings accepted risks cover, and which rules expired or matched nothing. */
  readonly risks: RiskDecisions;
  /** When each finding was first seen (the start of that run); carried findings keep their own. */
  readonly firstSeenAt: ReadonlyMap<string, string>;
  /** The findings an accepted risk covered in the run before: a change either way is news for Security Hub. */
  readonly acceptedBefore: ReadonlySet<string>;
  readonly usersCsv: string;
}

/**
 * Everything derived from one run's reports. Pure: the clock is the run's start time, so the same
 * reports give the same findings however late the analysis runs. A report that cannot be read is
 * listed as unreadable and the others are analysed.
 */
export function analyzeRun(input: {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly reports: readonly ReportToAnalyse[];
  readonly previous?: KnownFindings;
  readonly thresholds?: FindingThresholds;
  /** @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
}): RunAnalysis {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const parsed: { report: ParsedReport; accountName: string }[] = [];
  const unreadable: UnreadableReport[] = [];
  const findings: Finding[] = [];
  // Each break-glass rule's user pattern is compiled once for the run, not once per report.
  const breakGlass = rulesInForce(input.acceptedRisks ?? [], input.runStartedAt)
    .filter((rule) => "kind" in rule)
    .map(userMatcher);
  for (const stored of [...input.reports].sort((a, b) => a.accountId.localeCompare(b.accountId))) {
    if (typeof stored.csv !== "string") {
      unreadable.push({ accountId: stored.accountId, error: stored.csv.readError });
      continue;
    }
    try {
      const report = parseCredentialReport(stored.accountId, stored.csv);
      parsed.push({ report, accountName: stored.accountName });
      findings.push(...withBreakGlass(userFindings(report, input.runStartedAt, thresholds, stored.iam), report, breakGlass, input.runStartedAt, thresholds));
      findings.push(...passwordPolicyFindings(stored.accountId, stored.iam, thresholds));
    } catch (error) {
      if (!(error instanceof MalformedReport)) throw error;
      unreadable.push({ accountId: stored.accountId, error: error.message });
    }
    const stale = reportStaleFinding(stored.accountId, stored.generatedAt, input.runStartedAt, thresholds);
    if (stale) findings.push(stale);
  }
  const risks = applyAcceptedRisks(findings, input.acceptedRisks ?? [], input.runStartedAt);
  const summary = summarizeFindings(
    risks.open,
    parsed.map(({ report }) => ({ accountId: report.accountId, users: report.users.length })),
    unreadable,
  );
  // Only an account whose report was read this run can have a finding resolved.
  const changes = findingChanges(findings, input.previous, new Set(parsed.map(({ report }) => report.accountId)));
  const known = knownFindings(input.previous);
  const firstSeenAt = new Map(findings.map((f) => [f.id, known.get(f.id)?.firstSeenAt ?? input.runStartedAt.toISOString()]));
  return {
    thresholds,
    findings,
    summary,
    changes,
    risks,
    firstSeenAt,
    acceptedBefore: new Set([...known.values()].filter((f) => f.acceptedRisk).map((f) => f.id)),
    usersCsv: organizationUsersCsv(parsed),
  };
}

/** The files of an analysis, by their name in ANALYSIS_FILES, as they are stored beside the manifest. */
export function analysisFiles(
  run: { readonly id: string; readonly startedAt: string },
  analysis: RunAnalysis,
): Record<Exclude<keyof typeof ANALYSIS_FILES, "html" | "findingsCsv" | "trend">, { body: string; contentType: string }> {
  const isNew = new Set(analysis.changes.newFindings.map((f) => f.id));
  const acceptedBy = new Map(analysis.risks.accepted.map(({ finding, rule }) => [finding.id, rule]));
  // One flat, snake_case object per line: what Athena's JSON SerDe reads.
  const lines = analysis.findings.map((f) =>
    JSON.stringify({
      finding_id: f.id,
      check_id: f.checkId,
      severity: f.severity,
      cis_control: f.cisControl,
      account_id: f.accountId,
      user_name: f.user,
      credential: f.credential ?? null,
      message: f.message,
      evidence: f.evidence,
      is_new: isNew.has(f.id),
      accepted: acceptedBy.has(f.id),
      run_id: run.id,
      run_started_at: run.startedAt,
    }),
  );
  return {
    findings: {
      body: JSON.stringify(
        {
          runId: run.id,
          thresholds: analysis.thresholds,
          findings: analysis.findings.map(
            (f): StoredFinding => ({ ...f, firstSeenAt: analysis.firstSeenAt.get(f.id), ...(acceptedBy.has(f.id) ? { acceptedRisk: acceptedBy.get(f.id) } : {}) }),
          ),
          expiredRules: analysis.risks.expired,
          staleRules: analysis.risks.stale,
        },
        null,
        2,
      ),
      contentType: "application/json",
    },
    findingsLines: { body: lines.map((line) => `${line}\n`).join(""), contentType: "application/x-ndjson" },
    summary: {
      body: JSON.stringify({ runId: run.id, ...analysis.summary, notRechecked: notRecheckedCounts(analysis.changes), acceptedRisks: acceptedCounts(analysis.risks) }, null, 2),
      contentType: "application/json",
    },
    changes: { body: JSON.stringify(analysis.changes, null, 2), contentType: "application/json" },
    users: { body: analysis.usersCsv, contentType: "text/csv; charset=utf-8" },
    actions: { body: "", contentType: "application/x-ndjson" },
  };
}


function notRecheckedAccounts(changes: FindingChanges): string[] {
  return [...new Set(changes.notRechecked.map((f) => f.accountId))].sort();
}

function notRecheckedCounts(changes: FindingChanges): { readonly findings: number; readonly accounts: number } {
  return { findings: changes.notRechecked.length, accounts: notRecheckedAccounts(changes).length };
}

function acceptedCounts(risks: RiskDecisions): { readonly findings: number; readonly expiredRules: number; readonly staleRules: number } {
  return { findings: risks.accepted.length, expiredRules: risks.expired.length, staleRules: risks.stale.length };
}

/** New critical and high findings that no accepted risk covers. */
export function urgentNewFindings(changes: FindingChanges, risks?: RiskDecisions): Finding[] {
  const accepted = new Set(risks?.accepted.map(({ finding }) => finding.id));
  return changes.newFindings
    .filter((f) => (f.severity === "critical" || f.severity === "high") && !accepted.has(f.id))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.id.localeCompare(b.id));
}

/** Every finding an earlier run knew, by id: its own and those it carried forward. */
function knownFindings(previous: KnownFindings | undefined): Map<string, StoredFinding> {
  return new Map([...(previous?.notRechecked ?? []), ...(previous?.findings ?? [])].map((f) => [f.id, f]));
}

/**
 * New, resolved and carried findings, matched by their stable id. A finding is resolved only when
 * its account was re-checked this run and the finding is gone: an account that failed to collect
 * would otherwise have every finding "resolved" now and "new" again when it is back. Pure.
 */
export function findingChanges(current: readonly Finding[], previous: KnownFindings | undefined, recheckedAccounts: ReadonlySet<string>): FindingChanges {
  const known: CarriedFinding[] = [...(previous?.findings ?? []).map((f) => ({ ...f, lastSeenRunId: previous!.runId })), ...(previous?.notRechecked ?? [])];
  const knownIds = new Set(known.map((f) => f.id));
  const now = new Set(current.map((f) => f.id));
  return {
    previousRunId: previous?.runId ?? null,
    newFindings: current.filter((f) => !knownIds.has(f.id)),
    resolvedFindings: known.filter((f) => recheckedAccounts.has(f.accountId) && !now.has(f.id)).map(({ lastSeenRunId: _, ...finding }) => finding),
    notRechecked: known.filter((f) => !recheckedAccounts.has(f.accountId)),
  };
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

interface AccountReport {
  readonly report: ParsedReport;
  readonly accountName: string;
}

/**
 * One CSV of every user of every account, account id and name first, then the report's columns
 * (every column any report has, in the order IAM writes them). Pure.
 */
export function organizationUsersCsv(reports: readonly AccountReport[]): string {
  const columns: string[] = [];
  for (const { report } of reports) for (const c of report.columns) if (!columns.includes(c)) columns.push(c);
  const rows = reports.flatMap(({ report, accountName }) =>
    report.rows.map((row) => [report.accountId, accountName, ...columns.map((c) => row[c] ?? "")]),
  );
  return stringify([["account_id", "account_name", ...columns], ...rows], { escape_formulas: true });
}
