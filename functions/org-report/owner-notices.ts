import type { AccountAnalysis } from "../analysis/account-analysis";
import type { StoredFinding } from "../analysis/changes";
import { type FindingThresholds, SEVERITIES, type Severity } from "../analysis/findings";
import type { KeyAction, ScheduledKeyAction } from "../analysis/fixes/key-remediation";
import { remediationOf, remediationText } from "../analysis/fixes/fix-guidance";
import type { AccountOwners } from "../run/owners";

/** Findings, actions and coming deactivations an owner's message lists at most of each; the counts have them all. */
export const MAX_OWNER_ROWS = 25;
/**
 * Accounts an owner's message names, in its text and its accountId attribute: SNS takes 256 KB of
 * message and attributes together (Publish), and an owner of a whole OU may have thousands.
 */
export const MAX_OWNER_ACCOUNTS_NAMED = 100;

/** What one owner hears about their accounts after a run, as gathered while the accounts are combined. */
export interface OwnerNotice {
  readonly owner: string;
  readonly accounts: string[];
  readonly ous: string[];
  /** New open critical and high findings: the first MAX_OWNER_ROWS, and how many in all. */
  readonly fresh: StoredFinding[];
  freshCount: number;
  /** Known open critical and high findings, still open. */
  readonly open: StoredFinding[];
  openCount: number;
  /** What the pipeline did about keys in their accounts (remediation), and which keys come due. */
  readonly actions: KeyAction[];
  actionCount: number;
  readonly scheduled: ScheduledKeyAction[];
  scheduledCount: number;
  /** The severities of all their critical and high findings, not only those listed: what the severity attribute says. */
  readonly severities: Severity[];
  digest: boolean;
}

/** Each account's owners and OU path, from the run's account list. */
export type AccountOwnership = ReadonlyMap<string, { readonly owners?: AccountOwners; readonly ou?: string }>;

const urgent = (severity: Severity) => severity === "critical" || severity === "high";
const push = <T>(list: T[], item: T) => list.length < MAX_OWNER_ROWS && list.push(item);

/**
 * Gathers, as the accounts come, what each owner is told: only their own accounts' new and still
 * open critical and high findings (no accepted ones), and the keys the pipeline deactivated or will.
 * Memory holds MAX_OWNER_ROWS rows of each kind per owner, never the run's findings.
 */
export class OwnerNotices {
  private readonly byOwner = new Map<string, OwnerNotice>();

  constructor(private readonly ownership: AccountOwnership) {}

  add(account: AccountAnalysis): void {
    const owned = this.ownership.get(account.accountId);
    if (!owned?.owners || !account.rechecked) return;
    const isNew = new Set(account.newIds);
    // An address named twice (in a tag, say) hears of the account once.
    for (const owner of new Set(owned.owners.to.map((address) => address.toLowerCase()))) {
      const notice = this.noticeOf(owner);
      notice.accounts.push(account.accountId);
      if (owned.ou !== undefined && !notice.ous.includes(owned.ou)) notice.ous.push(owned.ou);
      if (owned.owners.digest) notice.digest = true;
      for (const f of account.findings) {
        if (f.acceptedRisk || !urgent(f.severity)) continue;
        if (!notice.severities.includes(f.severity)) notice.severities.push(f.severity);
        if (isNew.has(f.id)) {
          notice.freshCount++;
          push(notice.fresh, f);
        } else {
          notice.openCount++;
          push(notice.open, f);
        }
      }
      for (const action of account.remediation?.actions ?? []) {
        notice.actionCount++;
        push(notice.actions, action);
      }
      for (const coming of account.remediation?.scheduled ?? []) {
        notice.scheduledCount++;
        push(notice.scheduled, coming);
      }
    }
  }

  /** What it gathered, as JSON: a shard's, for the merge. */
  state(): OwnerNotice[] {
    return [...this.byOwner.values()];
  }

  /** What another gathered from the accounts after this one's. */
  absorb(state: readonly OwnerNotice[]): void {
    for (const other of state) {
      const notice = this.noticeOf(other.owner);
      notice.accounts.push(...other.accounts);
      for (const ou of other.ous) if (!notice.ous.includes(ou)) notice.ous.push(ou);
      notice.digest ||= other.digest;
      for (const s of other.severities) if (!notice.severities.includes(s)) notice.severities.push(s);
      for (const [mine, theirs, count] of [
        [notice.fresh, other.fresh, "freshCount"],
        [notice.open, other.open, "openCount"],
        [notice.actions, other.actions, "actionCount"],
        [notice.scheduled, other.scheduled, "scheduledCount"],
      ] as const) {
        for (const item of theirs as unknown[]) push(mine as unknown[], item);
        notice[count] += other[count];
      }
    }
  }

  /** The owners to tell: those with something new, something done or coming due, or who asked for every run. */
  toSend(): OwnerNotice[] {
    return [...this.byOwner.values()].filter((n) => n.freshCount > 0 || n.actionCount > 0 || n.scheduledCount > 0 || n.digest).sort((a, b) => a.owner.localeCompare(b.owner));
  }

  private noticeOf(owner: string): OwnerNotice {
    let notice = this.byOwner.get(owner);
    if (!notice) {
      notice = { owner, accounts: [], ous: [], fresh: [], freshCount: 0, open: [], openCount: 0, actions: [], actionCount: 0, scheduled: [], scheduledCount: 0, severities: [], digest: false };
      this.byOwner.set(owner, notice);
    }
    return notice;
  }
}

/** One owner's SNS message: a subject under SNS's 100 characters, the text, and the attributes subscription filter policies route by. */
export interface OwnerMessage {
  readonly subject: string;
  readonly message: string;
  /** owner; accountId, ou and severity as lists (String.Array), each left out when empty. */
  readonly attributes: { readonly owner: string; readonly accountId: readonly string[]; readonly ou: readonly string[]; readonly severity: readonly string[] };
}

/** Pure: what one owner is sent, each finding with its fix, each deactivated key with the command that undoes it. */
export function ownerMessage(notice: OwnerNotice, run: { readonly id: string; readonly reportUrl: string }, thresholds: FindingThresholds): OwnerMessage {
  const fix = (f: StoredFinding) => remediationText(remediationOf(f, thresholds), 400);
  const named = notice.accounts.slice(0, MAX_OWNER_ACCOUNTS_NAMED);
  const findingLines = (title: string, list: readonly StoredFinding[], count: number) =>
    count === 0 ? [] : [`${title} (${count}):`, ...list.map((f) => `- [${f.severity}] ${f.message}\n  ${fix(f)}`), ...(count > list.length ? [`- and ${count - list.length} more in the report`] : [])];
  const deactivated = notice.actions.filter((a) => a.outcome === "deactivated");
  const wouldBe = notice.actions.filter((a) => a.outcome === "would-deactivate");
  const actionLines = [
    ...(deactivated.length > 0 ? ["Access keys the pipeline deactivated (unused; nothing deleted):", ...deactivated.map((a) => `- ${a.user} (${a.accountId}) ${a.accessKeyId}, unused ${a.daysUnused} days. Undo: ${a.undo}`)] : []),
    ...(wouldBe.length > 0 ? ["Access keys the pipeline would deactivate (dry run, nothing changed):", ...wouldBe.map((a) => `- ${a.user} (${a.accountId}) ${a.accessKeyId}, unused ${a.daysUnused} days`)] : []),
    ...(notice.scheduled.length > 0
      ? ["Access keys to be deactivated unless they are used or their risk is accepted:", ...notice.scheduled.map((s) => `- ${s.user} (${s.accountId}) ${s.credential}, unused ${s.daysUnused} days: from ${s.dueOn}`)]
      : []),
  ];
  const message = [
    `Credential report run ${run.id}: your ${notice.accounts.length} account(s) ${named.join(", ")}${notice.accounts.length > named.length ? ` and ${notice.accounts.length - named.length} more` : ""}.`,
    ...findingLines("New critical or high findings", notice.fresh, notice.freshCount),
    ...findingLines("Critical or high findings still open", notice.open, notice.openCount),
    ...actionLines,
    notice.freshCount + notice.openCount + notice.actionCount + notice.scheduledCount === 0 ? "Nothing new, nothing open at critical or high." : "",
    `The run's report: ${run.reportUrl}`,
  ].filter(Boolean);
  const severities = SEVERITIES.filter((s) => notice.severities.includes(s));
  const parts = [notice.freshCount > 0 ? `${notice.freshCount} new critical/high` : "", notice.actionCount > 0 ? `${notice.actionCount} key action(s)` : "", notice.scheduledCount > 0 ? `${notice.scheduledCount} key(s) due` : ""].filter(Boolean);
  return {
    subject: `IAM credential report for your accounts: ${parts.join(", ") || "digest"}`.slice(0, 99),
    message: message.join("\n\n"),
    attributes: { owner: notice.owner, accountId: named, ou: notice.ous.slice(0, MAX_OWNER_ACCOUNTS_NAMED), severity: severities },
  };
}
