import type { RunRef } from "../run/contracts";
import type { RunFile } from "../run/report-keys";
import type { AccountAnalysis } from "../analysis/account-analysis";
import { type AcceptedRisk, rulesInForce } from "../analysis/accepted-risks";
import { CREDENTIAL_REPORT_COLUMNS, type ParsedReport } from "../analysis/credential-report";
import { CHECKS, type CheckId, type Finding, type FindingThresholds, SEVERITIES, type Severity } from "../analysis/findings";
import { renderHtmlReport } from "./html-report";
import { PageBuilder, type PageState, type RunCoverage } from "./page-model";
import type { IamAccountCheck, NotEvaluatedAccount, NotEvaluatedSummary } from "../analysis/iam-account";
import type { FindingsSummary, UnreadableReport } from "./summary";
import { spreadsheetCsv } from "./users-csv";
import { remediationOf, remediationText } from "../analysis/fixes/fix-guidance";
import { type RunRecord, runRecord, trendOf } from "./run-history";
import { FindingsParquet, type HistoryRow } from "./findings-parquet";
import { type AccountOwnership, type OwnerNotice, OwnerNotices } from "./owner-notices";

/** New critical and high findings listed in the digest at most (the SNS mail stays readable); the count has them all. */
export const MAX_URGENT_LISTED = 20;
/** Accounts whose checks were not evaluated, named at most; the counts have them all. */
export const MAX_NOT_EVALUATED_LISTED = 20;


/** Where the combined files go: parts appended as the accounts come, then each file assembled from text and parts. */
export interface RunFileWriter {
  /** Text, or bytes (the Parquet history). */
  append(part: string, data: string | Uint8Array): Promise<void>;
  assemble(file: RunFile, pieces: readonly (string | { readonly part: string })[]): Promise<void>;
}

/** summary.json: the run's counts, and what the CLI, the SNS summary and the run's event say of it. */
export interface StoredSummary extends FindingsSummary {
  readonly runId: string;
  /** Known findings carried forward, and from how many accounts not re-checked. */
  readonly notRechecked: { readonly findings: number; readonly accounts: number };
  readonly acceptedRisks: { readonly findings: number; readonly expiredRules: number; readonly staleRules: number };
  /** Each account's analysis is stored apart (account=<id>.analysis.json): a later run reads them one at a time. */
  readonly accountAnalyses: true;
  readonly changes: { readonly previousRunId: string | null; readonly new: number; readonly newAccepted: number; readonly resolved: number };
  /** New critical and high findings no accepted risk covers: the first MAX_URGENT_LISTED, most severe first, and how many in all. */
  readonly urgent: { readonly listed: readonly { readonly id: string; readonly severity: Severity; readonly message: string }[]; readonly count: number };
  readonly rules: { readonly expired: readonly AcceptedRisk[]; readonly stale: readonly AcceptedRisk[] };
  /** Checks left undecided (IAM refused a call they need): in how many accounts, by check, and the first accounts. */
  readonly notEvaluated: NotEvaluatedSummary;
  /**
   * What the pipeline did about unused keys (remediation): keys deactivated, found due in a dry
   * run, left (IAM said otherwise), due after their notice; and findings resolved because it did.
   */
  readonly remediation: { readonly deactivated: number; readonly wouldDeactivate: number; readonly left: number; readonly scheduled: number; readonly fixedByPipeline: number };
  /** What the run was analysed with: summarize --bucket analyses it again the same way (since 0.5.0). */
  readonly settings: { readonly thresholds: FindingThresholds; readonly acceptedRisks: readonly AcceptedRisk[] };
}

/** What the run's combination comes to: its summary.json, and what the SNS summary and the event need beside it. */
export interface CombinedRun {
  readonly overview: StoredSummary;
  /** Every finding of the run, accepted ones included. */
  readonly findings: number;
  /** The accounts not re-checked whose findings were carried, sorted. */
  readonly notRecheckedAccounts: readonly string[];
  /** What each owner with something to hear is told (the stack routes to owners), by address. */
  readonly ownerNotices: readonly OwnerNotice[];
}

/**
 * What a combiner gathered from its accounts, as JSON: a shard's, stored for the merge. Its size
 * grows with the shard's accounts (a few counts and a name each), never with their findings.
 */
export interface CombinerState {
  readonly bySeverity: Record<Severity, number>;
  readonly byCheck: Record<CheckId, number>;
  readonly byAccount: Record<string, Record<Severity, number>>;
  readonly unreadable: UnreadableReport[];
  readonly page: PageState;
  readonly usedRules: number[];
  readonly carriedAccounts: string[];
  readonly notEvaluated: { accounts: number; byCheck: Partial<Record<IamAccountCheck, number>>; listed: NotEvaluatedAccount[] };
  readonly columns: string[];
  /** Items written to each JSON array's part. */
  readonly written: Record<string, number>;
  readonly urgent: Finding[];
  readonly counts: Record<(typeof COUNTS)[number], number>;
  readonly owners: OwnerNotice[];
}

const COUNTS = [
  "urgentCount",
  "accounts",
  "users",
  "open",
  "total",
  "newCount",
  "newAccepted",
  "resolvedCount",
  "carriedCount",
  "accepted",
  "deactivated",
  "wouldDeactivate",
  "left",
  "scheduled",
  "fixedByPipeline",
] as const;

/** The columns of findings.csv: a finding, and how to fix it. */
export const FINDINGS_CSV_COLUMNS = ["finding_id", "check_id", "severity", "account_id", "user_name", "credential", "message", "is_new", "accepted", "remediation", "remediation_url"] as const;

const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const bySeverityThenId = (a: Finding, b: Finding) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.id.localeCompare(b.id);

/**
 * Combines a run's accounts, one at a time and in account order, into the organization's files:
 * findings.json and .jsonl, changes.json and users.csv are written as the accounts come (the
 * Parquet history a row group at a time), and only counts, the accounts' names and the first rows
 * of the page's lists are kept. So its memory is one account's and one row group's, however many
 * accounts and findings the run has.
 */
export class RunCombiner {
  private readonly bySeverity = zeroes(SEVERITIES);
  private readonly byCheck = zeroes(Object.keys(CHECKS) as CheckId[]);
  private readonly byAccount: Record<string, Record<Severity, number>> = {};
  private readonly unreadable: UnreadableReport[] = [];
  private readonly page = new PageBuilder();
  private readonly usedRules = new Set<number>();
  private readonly carriedAccounts: string[] = [];
  private readonly notEvaluated = { accounts: 0, byCheck: {} as Partial<Record<IamAccountCheck, number>>, listed: [] as NotEvaluatedAccount[] };
  // IAM's columns in its order, so every row has them all whatever the account order; a column
  // IAM adds later joins at the end when a report first has it (rows before it are a cell short).
  private readonly columns: string[] = [...CREDENTIAL_REPORT_COLUMNS];
  private readonly written: Record<string, number> = {};
  private urgent: Finding[] = [];
  private readonly counts = zeroes(COUNTS);
  // The shards absorbed, in account order: their parts are named `<part>@<shard>`.
  private readonly shards: { readonly index: number; readonly written: Record<string, number> }[] = [];
  private readonly run: RunRef;
  private readonly previousRunId: string | null;
  private readonly thresholds: FindingThresholds;
  private readonly acceptedRisks: readonly AcceptedRisk[];
  private readonly previousTrend: readonly RunRecord[];
  private readonly coverage?: RunCoverage;
  /** The findings kept across runs, as Parquet written a row group at a time. */
  private readonly history: FindingsParquet;
  private readonly owners: OwnerNotices;

  constructor(
    settings: {
      readonly run: RunRef;
      /** The run compared with; null for the first. */
      readonly previousRunId: string | null;
      readonly thresholds: FindingThresholds;
      readonly acceptedRisks: readonly AcceptedRisk[];
      /** The run before's trend. @default [] */
      readonly previousTrend?: readonly RunRecord[];
      /** What the manifest says of the accounts; without one, the accounts analysed count as collected. */
      readonly coverage?: RunCoverage;
      /** Each account's owners and OU path (the run's account list); none, no owner is told anything. */
      readonly ownership?: AccountOwnership;
    },
    private readonly out: RunFileWriter,
  ) {
    this.run = settings.run;
    this.previousRunId = settings.previousRunId;
    this.thresholds = settings.thresholds;
    this.acceptedRisks = settings.acceptedRisks;
    this.previousTrend = settings.previousTrend ?? [];
    this.coverage = settings.coverage;
    this.history = new FindingsParquet((bytes) => this.out.append("historyFindings", bytes));
    this.owners = new OwnerNotices(settings.ownership ?? new Map());
  }

  /** One account's analysis, with its parsed report when it was read (for users.csv). */
  async add(account: AccountAnalysis, report?: ParsedReport): Promise<void> {
    this.page.add(account);
    this.owners.add(account);
    account.usedRules.forEach((i) => this.usedRules.add(i));
    if (account.rechecked) {
      this.counts.accounts++;
      this.counts.users += account.users;
      this.byAccount[account.accountId] = zeroes(SEVERITIES);
    }
    if (account.unreadable) this.unreadable.push({ accountId: account.accountId, error: account.unreadable });
    if (account.notEvaluated) {
      this.notEvaluated.accounts++;
      for (const check of account.notEvaluated.checks) this.notEvaluated.byCheck[check] = (this.notEvaluated.byCheck[check] ?? 0) + 1;
      if (this.notEvaluated.listed.length < MAX_NOT_EVALUATED_LISTED) this.notEvaluated.listed.push({ accountId: account.accountId, ...account.notEvaluated });
    }
    const isNew = new Set(account.newIds);
    for (const f of account.findings) {
      this.counts.total++;
      if (f.acceptedRisk) this.counts.accepted++;
      else {
        this.counts.open++;
        this.bySeverity[f.severity]++;
        this.byCheck[f.checkId]++;
        (this.byAccount[f.accountId] ??= zeroes(SEVERITIES))[f.severity]++;
        if (isNew.has(f.id) && (f.severity === "critical" || f.severity === "high")) this.noteUrgent(f);
      }
      await this.item("findings", JSON.stringify(f, null, 2).replace(/\n/g, "\n    "));
      const line = jsonLine(f, isNew.has(f.id), this.run);
      await this.out.append("findingsLines", `${JSON.stringify(line)}\n`);
      await this.history.add(line);
      if (isNew.has(f.id)) {
        const { firstSeenAt: _, acceptedRisk: __, ...plain } = f;
        this.counts.newCount++;
        if (f.acceptedRisk) this.counts.newAccepted++;
        await this.item("changes.new", JSON.stringify(plain, null, 2).replace(/\n/g, "\n    "));
      }
    }
    for (const f of account.resolved) {
      this.counts.resolvedCount++;
      if (f.fixedByPipelineAt) this.counts.fixedByPipeline++;
      await this.item("changes.resolved", JSON.stringify(f, null, 2).replace(/\n/g, "\n    "));
    }
    if (account.notRechecked.length > 0) this.carriedAccounts.push(account.accountId);
    for (const f of account.notRechecked) {
      this.counts.carriedCount++;
      await this.item("changes.notRechecked", JSON.stringify(f, null, 2).replace(/\n/g, "\n    "));
    }
    for (const action of account.remediation?.actions ?? []) {
      this.counts[action.outcome === "would-deactivate" ? "wouldDeactivate" : action.outcome]++;
      await this.out.append("actions", `${JSON.stringify({ ...action, runId: this.run.id })}\n`);
    }
    this.counts.scheduled += account.remediation?.scheduled.length ?? 0;
    // One CSV write per account, as for users.csv: the stringifier's cost is per call, not per row.
    const csvRows = account.findings.map((f) => findingsCsvRow(f, isNew.has(f.id), this.thresholds));
    if (csvRows.length > 0) await this.out.append("findingsCsv", spreadsheetCsv(csvRows));
    if (report) await this.userRows(account, report);
  }

  /** Writes the files that need the whole run (and assembles those written as it went); what the run came to. */
  async finish(): Promise<CombinedRun> {
    const startedAt = new Date(this.run.startedAt);
    const inForce = rulesInForce(this.acceptedRisks, startedAt);
    const expiredRules = this.acceptedRisks.filter((rule) => !inForce.includes(rule));
    const staleRules = this.acceptedRisks.filter((rule, i) => inForce.includes(rule) && !this.usedRules.has(i));
    const summary: FindingsSummary = {
      totals: { accounts: this.counts.accounts, users: this.counts.users, findings: this.counts.open },
      bySeverity: this.bySeverity,
      byCheck: this.byCheck,
      byAccount: this.byAccount,
      unreadableReports: this.unreadable,
    };
    const overview: StoredSummary = {
      runId: this.run.id,
      ...summary,
      notRechecked: { findings: this.counts.carriedCount, accounts: this.carriedAccounts.length },
      acceptedRisks: { findings: this.counts.accepted, expiredRules: expiredRules.length, staleRules: staleRules.length },
      accountAnalyses: true,
      changes: { previousRunId: this.previousRunId, new: this.counts.newCount, newAccepted: this.counts.newAccepted, resolved: this.counts.resolvedCount },
      urgent: { listed: this.urgent.map((f) => ({ id: f.id, severity: f.severity, message: f.message })), count: this.counts.urgentCount },
      rules: { expired: expiredRules, stale: staleRules },
      notEvaluated: this.notEvaluated,
      remediation: {
        deactivated: this.counts.deactivated,
        wouldDeactivate: this.counts.wouldDeactivate,
        left: this.counts.left,
        scheduled: this.counts.scheduled,
        fixedByPipeline: this.counts.fixedByPipeline,
      },
      settings: { thresholds: this.thresholds, acceptedRisks: this.acceptedRisks },
    };
    const indent = (value: unknown) => JSON.stringify(value, null, 2).replace(/\n/g, "\n  ");
    await this.out.assemble("findings", [
      `{\n  "runId": ${JSON.stringify(this.run.id)},\n  "thresholds": ${indent(this.thresholds)},\n  "findings": [`,
      ...this.pieces("findings"),
      `${this.closing("findings")}],\n  "expiredRules": ${indent(expiredRules)},\n  "staleRules": ${indent(staleRules)}\n}\n`,
    ]);
    await this.out.assemble("findingsLines", this.pieces("findingsLines"));
    // The same findings kept across runs, for Athena's history table: columnar. Shards wrote their own.
    if (this.shards.length === 0) await this.finishHistory();
    await this.out.assemble("findingsCsv", [spreadsheetCsv([[...FINDINGS_CSV_COLUMNS]]), ...this.pieces("findingsCsv")]);
    await this.out.assemble("changes", [
      `{\n  "previousRunId": ${JSON.stringify(this.previousRunId)},\n  "newFindings": [`,
      ...this.pieces("changes.new"),
      `${this.closing("changes.new")}],\n  "resolvedFindings": [`,
      ...this.pieces("changes.resolved"),
      `${this.closing("changes.resolved")}],\n  "notRechecked": [`,
      ...this.pieces("changes.notRechecked"),
      `${this.closing("changes.notRechecked")}]\n}\n`,
    ]);
    await this.out.assemble("users", [spreadsheetCsv([["account_id", "account_name", ...this.columns]]), ...this.pieces("users")]);
    await this.out.assemble("actions", this.pieces("actions"));
    await this.out.assemble("summary", [JSON.stringify(overview, null, 2)]);
    const record = runRecord(this.run, {
      accounts: this.coverage?.counts ?? { collected: this.counts.accounts, failed: 0, skipped: 0 },
      bySeverity: this.bySeverity,
      open: this.counts.open,
      newOpen: this.counts.newCount - this.counts.newAccepted,
      resolved: this.counts.resolvedCount,
      accepted: this.counts.accepted,
      unreadable: this.unreadable.length,
      deactivated: this.counts.deactivated,
    });
    const trend = trendOf(this.previousTrend, record);
    await this.out.assemble("trend", [`${JSON.stringify({ runs: trend }, null, 2)}\n`]);
    await this.out.assemble("historyRun", [`${JSON.stringify(record)}\n`]);
    const model = this.page.model(
      { runId: this.run.id, runStartedAt: startedAt, previousRunId: this.previousRunId },
      summary,
      { expired: expiredRules, stale: staleRules },
      this.notEvaluated,
      { trend, thresholds: this.thresholds },
      this.coverage ?? { counts: { collected: this.counts.accounts, failed: 0, skipped: 0 }, failed: [], skipped: [] },
    );
    await this.out.assemble("html", [renderHtmlReport(model)]);
    return { overview, findings: this.counts.total, notRecheckedAccounts: [...this.carriedAccounts].sort(), ownerNotices: this.owners.toSend() };
  }

  /**
   * One shard's end: its history file written, and what it gathered (its parts stay where its
   * writer put them, for the merge). finish() is for the whole run, never a shard.
   */
  async finishShard(): Promise<CombinerState> {
    await this.finishHistory();
    return {
      bySeverity: this.bySeverity,
      byCheck: this.byCheck,
      byAccount: this.byAccount,
      unreadable: this.unreadable,
      page: this.page.state(),
      usedRules: [...this.usedRules],
      carriedAccounts: this.carriedAccounts,
      notEvaluated: this.notEvaluated,
      columns: this.columns,
      written: this.written,
      urgent: this.urgent,
      counts: this.counts,
      owners: this.owners.state(),
    };
  }

  /**
   * What shard `index` gathered, its accounts after those of the shards absorbed before: finish()
   * then writes the run's files from every shard's parts (`<part>@<index>`) as if one combiner had
   * added every account. Only the history differs: one Parquet file per shard.
   */
  absorb(index: number, state: CombinerState): void {
    for (const s of SEVERITIES) this.bySeverity[s] += state.bySeverity[s];
    for (const c of Object.keys(this.byCheck) as CheckId[]) this.byCheck[c] += state.byCheck[c] ?? 0;
    Object.assign(this.byAccount, state.byAccount);
    this.unreadable.push(...state.unreadable);
    this.page.absorb(state.page);
    state.usedRules.forEach((i) => this.usedRules.add(i));
    this.carriedAccounts.push(...state.carriedAccounts);
    this.notEvaluated.accounts += state.notEvaluated.accounts;
    for (const [check, n] of Object.entries(state.notEvaluated.byCheck) as [IamAccountCheck, number][]) this.notEvaluated.byCheck[check] = (this.notEvaluated.byCheck[check] ?? 0) + n;
    this.notEvaluated.listed.push(...state.notEvaluated.listed.slice(0, MAX_NOT_EVALUATED_LISTED - this.notEvaluated.listed.length));
    // A column a shard's reports added (IAM adds one rarely): rows without it are a cell short. Unlike
    // one combiner, a later shard's rows lack an extra column an earlier shard found: only a run
    // whose reports straddle IAM adding a column differs from its combination in one piece.
    for (const c of state.columns) if (!this.columns.includes(c)) this.columns.push(c);
    for (const [part, n] of Object.entries(state.written)) this.written[part] = (this.written[part] ?? 0) + n;
    this.urgent = [...this.urgent, ...state.urgent].sort(bySeverityThenId).slice(0, MAX_URGENT_LISTED);
    for (const c of COUNTS) this.counts[c] += state.counts[c];
    this.owners.absorb(state.owners);
    this.shards.push({ index, written: state.written });
  }

  private async finishHistory(): Promise<void> {
    await this.history.finish();
    await this.out.assemble("historyFindings", [{ part: "historyFindings" }]);
  }

  /** A part as a file's pieces: the part itself, or each shard's in turn, JSON arrays' items joined by commas. */
  private pieces(part: string): (string | { readonly part: string })[] {
    if (this.shards.length === 0) return [{ part }];
    // A JSON array's parts are those item() counts; a shard with none of its items has no part.
    const isArray = part in this.written;
    let before = false;
    return this.shards.flatMap(({ index, written }) => {
      if (!isArray) return [{ part: `${part}@${index}` }];
      if (!written[part]) return [];
      const comma = before ? [","] : [];
      before = true;
      return [...comma, { part: `${part}@${index}` }];
    });
  }

  /** One element of a JSON array written as a part: a comma before all but the first. */
  private async item(part: string, json: string): Promise<void> {
    const n = (this.written[part] ?? 0) + 1;
    this.written[part] = n;
    await this.out.append(part, `${n > 1 ? "," : ""}\n    ${json}`);
  }

  private closing(part: string): string {
    return this.written[part] ? "\n  " : "";
  }

  /** Keeps the most severe new critical and high findings, by severity then id. */
  private noteUrgent(f: Finding): void {
    this.counts.urgentCount++;
    this.urgent = [...this.urgent, f].sort(bySeverityThenId).slice(0, MAX_URGENT_LISTED);
  }

  /** The account's rows of the organization's CSV: IAM's columns, and any a report had beyond them. */
  private async userRows(account: AccountAnalysis, report: ParsedReport): Promise<void> {
    for (const c of report.columns) if (!this.columns.includes(c)) this.columns.push(c);
    const rows = report.rows.map((row) => [account.accountId, account.accountName, ...this.columns.map((c) => row[c] ?? "")]);
    if (rows.length > 0) await this.out.append("users", spreadsheetCsv(rows));
  }
}

/** A finding's row of findings.csv: what it is, and how to fix it. */
function findingsCsvRow(f: Finding & { readonly acceptedRisk?: AcceptedRisk }, isNew: boolean, thresholds: FindingThresholds): string[] {
  const fix = remediationOf(f, thresholds);
  return [f.id, f.checkId, f.severity, f.accountId, f.user, f.credential ?? "", f.message, String(isNew), String(f.acceptedRisk !== undefined), remediationText(fix), fix.url];
}

/** One flat, snake_case object per line: what Athena's JSON SerDe reads. */
function jsonLine(f: Finding & { readonly acceptedRisk?: AcceptedRisk }, isNew: boolean, run: RunRef): HistoryRow {
  return {
    finding_id: f.id,
    check_id: f.checkId,
    severity: f.severity,
    cis_control: f.cisControl,
    account_id: f.accountId,
    user_name: f.user,
    credential: f.credential ?? null,
    message: f.message,
    evidence: f.evidence,
    is_new: isNew,
    accepted: f.acceptedRisk !== undefined,
    run_id: run.id,
    run_started_at: run.startedAt,
  };
}
