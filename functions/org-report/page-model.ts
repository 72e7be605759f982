import type { KeyAction } from "../analysis/fixes/key-remediation";
import type { AccountAnalysis } from "../analysis/account-analysis";
import type { AcceptedRisk } from "../analysis/accepted-risks";
import type { CarriedFinding, StoredFinding } from "../analysis/changes";
import { AGE_BUCKETS } from "../analysis/ages";
import type { CheckId, Finding, FindingThresholds } from "../analysis/findings";
import type { NotEvaluatedSummary } from "../analysis/iam-account";
import type { RunRecord } from "./run-history";
import type { FindingsSummary } from "./summary";

/** A list the page shows the first items of, and how many there are in all. */
export interface Excerpt<T> {
  readonly shown: readonly T[];
  readonly total: number;
}

/** An account the run did not collect: failed with its error, or skipped with why. */
export interface UncollectedAccount {
  readonly accountId: string;
  readonly name: string;
  /** "AssumeRoleFailed AccessDenied: ...", or the skip's reason (SUSPENDED, EXCLUDED, ...). */
  readonly why: string;
}

/** Which accounts a run covered, as its manifest says: the counts, and the first accounts it did not collect. */
export interface RunCoverage {
  readonly counts: { readonly collected: number; readonly failed: number; readonly skipped: number };
  readonly failed: readonly UncollectedAccount[];
  readonly skipped: readonly UncollectedAccount[];
}

/** Uncollected accounts the page names, of each kind; the manifest has them all. */
export const MAX_UNCOLLECTED_LISTED = 100;

/**
 * Everything the page shows: counts and charts of the whole run, and the first rows of each list.
 * Its size does not grow with the findings: the rest are in the run's CSV and JSON files.
 */
export interface PageModel {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly previousRunId: string | null;
  readonly summary: FindingsSummary;
  readonly notEvaluated: NotEvaluatedSummary;
  /** New open findings (newAccepted of the new ones are accepted instead), resolved, carried and accepted ones. */
  readonly counts: { readonly new: number; readonly newAccepted: number; readonly resolved: number; readonly notRechecked: number; readonly accepted: number };
  /** The last runs' records, this one's last. */
  readonly trend: readonly RunRecord[];
  /** The thresholds the findings and the fixes' commands use. */
  readonly thresholds: FindingThresholds;
  /** Per check with open findings: how many, and in how many accounts. */
  readonly checks: ReadonlyMap<CheckId, { readonly findings: number; readonly accounts: number }>;
  /** Open findings per account and check, for the accounts with the most; the rest summed. */
  readonly topAccounts: readonly { readonly label: string; readonly byCheck: ReadonlyMap<CheckId, number> }[];
  readonly keyAges: readonly KeyAgeBucket[];
  /** The first open findings of each check, new first. */
  readonly rowsByCheck: ReadonlyMap<CheckId, Excerpt<Finding & { readonly isNew: boolean }>>;
  readonly resolved: Excerpt<StoredFinding>;
  readonly notRechecked: Excerpt<CarriedFinding>;
  readonly accepted: Excerpt<StoredFinding & { readonly acceptedRisk: AcceptedRisk }>;
  /** What the pipeline did about unused keys this run (remediation). */
  readonly actions: Excerpt<KeyAction>;
  readonly expiredRules: readonly AcceptedRisk[];
  readonly staleRules: readonly AcceptedRisk[];
  /** Account id to name, for the accounts the page names. */
  readonly accountNames: ReadonlyMap<string, string>;
  /** The accounts the run did not collect, so that a failing account never reads as progress. */
  readonly coverage: RunCoverage;
}

export interface KeyAgeBucket {
  readonly label: string;
  readonly keys: number;
}

/** Rows of each list the page shows at most; the files have them all. */
export const MAX_ROWS_PER_CHECK = 50;
export const MAX_LIST_ROWS = 200;
/** Accounts drawn one bar each; the others share one bar, so 10,000 accounts stay one screen. */
export const MAX_CHART_ACCOUNTS = 30;

/** Keeps the first `max` items offered, and counts them all. */
class FirstRows<T> {
  readonly shown: T[] = [];
  total = 0;
  constructor(private readonly max: number) {}
  add(item: T): void {
    this.total++;
    if (this.shown.length < this.max) this.shown.push(item);
  }

  /** The first items and count of a later run of the same list (another shard's, say). */
  absorb(other: Excerpt<T>): void {
    this.total += other.total;
    this.shown.push(...other.shown.slice(0, this.max - this.shown.length));
  }
}

/** What a PageBuilder has gathered, as JSON: one shard's, for the merge to absorb in account order. */
export interface PageState {
  readonly checks: [CheckId, { findings: number; accounts: number }][];
  readonly byAccount: [string, [CheckId, number][]][];
  readonly keyAges: number[];
  readonly newRows: [CheckId, Excerpt<Finding & { isNew: boolean }>][];
  readonly oldRows: [CheckId, Excerpt<Finding & { isNew: boolean }>][];
  readonly resolved: Excerpt<StoredFinding>;
  readonly notRechecked: Excerpt<CarriedFinding>;
  readonly accepted: Excerpt<StoredFinding & { acceptedRisk: AcceptedRisk }>;
  readonly actions: Excerpt<KeyAction>;
  readonly names: [string, string][];
  readonly newCount: number;
  readonly newAccepted: number;
}

/**
 * Builds the page's model from the run's accounts as they come, in account order: its memory holds
 * counts per account and check and the first rows of each list, never the run's findings.
 */
export class PageBuilder {
  private readonly checks = new Map<CheckId, { findings: number; accounts: number }>();
  private readonly byAccount = new Map<string, Map<CheckId, number>>();
  private readonly keyAges = AGE_BUCKETS.map(() => 0);
  private readonly newRows = new Map<CheckId, FirstRows<Finding & { isNew: boolean }>>();
  private readonly oldRows = new Map<CheckId, FirstRows<Finding & { isNew: boolean }>>();
  private readonly resolved = new FirstRows<StoredFinding>(MAX_LIST_ROWS);
  private readonly notRechecked = new FirstRows<CarriedFinding>(MAX_LIST_ROWS);
  private readonly accepted = new FirstRows<StoredFinding & { acceptedRisk: AcceptedRisk }>(MAX_LIST_ROWS);
  private readonly actions = new FirstRows<KeyAction>(MAX_LIST_ROWS);
  private readonly names = new Map<string, string>();
  private newCount = 0;
  private newAccepted = 0;

  add(account: AccountAnalysis): void {
    this.names.set(account.accountId, account.accountName);
    account.keyAges.forEach((n, i) => (this.keyAges[i] += n));
    const isNew = new Set(account.newIds);
    const own = new Map<CheckId, number>();
    for (const f of [...account.findings].sort((a, b) => a.id.localeCompare(b.id))) {
      if (isNew.has(f.id)) {
        if (f.acceptedRisk) this.newAccepted++;
        else this.newCount++;
      }
      if (f.acceptedRisk) {
        this.accepted.add(f as StoredFinding & { acceptedRisk: AcceptedRisk });
        continue;
      }
      own.set(f.checkId, (own.get(f.checkId) ?? 0) + 1);
      const rows = isNew.has(f.id) ? this.newRows : this.oldRows;
      if (!rows.has(f.checkId)) rows.set(f.checkId, new FirstRows(MAX_ROWS_PER_CHECK));
      rows.get(f.checkId)!.add({ ...f, isNew: isNew.has(f.id) });
    }
    for (const [check, n] of own) {
      const entry = this.checks.get(check) ?? { findings: 0, accounts: 0 };
      this.checks.set(check, { findings: entry.findings + n, accounts: entry.accounts + 1 });
    }
    if (own.size > 0) this.byAccount.set(account.accountId, own);
    for (const f of account.resolved) this.resolved.add(f);
    for (const f of account.notRechecked) this.notRechecked.add(f);
    for (const action of account.remediation?.actions ?? []) this.actions.add(action);
  }

  /** What it has gathered, as JSON (Maps as entry lists, in their order). */
  state(): PageState {
    const excerpt = <T>(rows: FirstRows<T>): Excerpt<T> => ({ shown: rows.shown, total: rows.total });
    return {
      checks: [...this.checks],
      byAccount: [...this.byAccount].map(([id, own]) => [id, [...own]]),
      keyAges: this.keyAges,
      newRows: [...this.newRows].map(([check, rows]) => [check, excerpt(rows)]),
      oldRows: [...this.oldRows].map(([check, rows]) => [check, excerpt(rows)]),
      resolved: excerpt(this.resolved),
      notRechecked: excerpt(this.notRechecked),
      accepted: excerpt(this.accepted),
      actions: excerpt(this.actions),
      names: [...this.names],
      newCount: this.newCount,
      newAccepted: this.newAccepted,
    };
  }

  /**
   * What another builder gathered from the accounts after this one's: the same as if they had
   * been added here, so shards absorbed in account order give the page of the whole run.
   */
  absorb(state: PageState): void {
    for (const [id, name] of state.names) this.names.set(id, name);
    state.keyAges.forEach((n, i) => (this.keyAges[i] += n));
    this.newCount += state.newCount;
    this.newAccepted += state.newAccepted;
    for (const [check, n] of state.checks) {
      const entry = this.checks.get(check) ?? { findings: 0, accounts: 0 };
      this.checks.set(check, { findings: entry.findings + n.findings, accounts: entry.accounts + n.accounts });
    }
    for (const [id, own] of state.byAccount) this.byAccount.set(id, new Map(own));
    for (const [rows, from] of [[this.newRows, state.newRows], [this.oldRows, state.oldRows]] as const) {
      for (const [check, excerpt] of from) {
        if (!rows.has(check)) rows.set(check, new FirstRows(MAX_ROWS_PER_CHECK));
        rows.get(check)!.absorb(excerpt);
      }
    }
    this.resolved.absorb(state.resolved);
    this.notRechecked.absorb(state.notRechecked);
    this.accepted.absorb(state.accepted);
    this.actions.absorb(state.actions);
  }

  model(
    run: { readonly runId: string; readonly runStartedAt: Date; readonly previousRunId: string | null },
    summary: FindingsSummary,
    rules: { readonly expired: readonly AcceptedRisk[]; readonly stale: readonly AcceptedRisk[] },
    notEvaluated: NotEvaluatedSummary,
    history: { readonly trend: readonly RunRecord[]; readonly thresholds: FindingThresholds },
    coverage: RunCoverage,
  ): PageModel {
    const label = (id: string) => (this.names.get(id) ? `${this.names.get(id)} (${id})` : id);
    const total = (m: Map<CheckId, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const sorted = [...this.byAccount.entries()].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
    const topAccounts = sorted.slice(0, MAX_CHART_ACCOUNTS).map(([id, byCheck]) => ({ label: label(id), byCheck }));
    const rest = sorted.slice(MAX_CHART_ACCOUNTS);
    if (rest.length > 0) {
      const summed = new Map<CheckId, number>();
      for (const [, byCheck] of rest) for (const [c, n] of byCheck) summed.set(c, (summed.get(c) ?? 0) + n);
      topAccounts.push({ label: `${rest.length} other accounts`, byCheck: summed });
    }
    const rowsByCheck = new Map<CheckId, Excerpt<Finding & { isNew: boolean }>>();
    for (const check of this.checks.keys()) {
      const fresh = this.newRows.get(check);
      const known = this.oldRows.get(check);
      rowsByCheck.set(check, {
        shown: [...(fresh?.shown ?? []), ...(known?.shown ?? [])].slice(0, MAX_ROWS_PER_CHECK),
        total: (fresh?.total ?? 0) + (known?.total ?? 0),
      });
    }
    return {
      ...run,
      summary,
      notEvaluated,
      ...history,
      counts: { new: this.newCount, newAccepted: this.newAccepted, resolved: this.resolved.total, notRechecked: this.notRechecked.total, accepted: this.accepted.total },
      checks: this.checks,
      topAccounts,
      keyAges: AGE_BUCKETS.map((b, i) => ({ label: b.label, keys: this.keyAges[i] })),
      rowsByCheck,
      resolved: this.resolved,
      notRechecked: this.notRechecked,
      accepted: this.accepted,
      actions: this.actions,
      expiredRules: rules.expired,
      staleRules: rules.stale,
      accountNames: this.names,
      coverage,
    };
  }
}
