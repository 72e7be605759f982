import type { KeyAction, ScheduledKeyAction } from "./fixes/key-remediation";
import type { AccountRef, RunRef } from "../run/contracts";
import { type AcceptedRisk, applyAcceptedRisks, rulesInForce, userMatcher } from "./accepted-risks";
import { withBreakGlass } from "./break-glass";
import type { CarriedFinding, StoredFinding } from "./changes";
import { MalformedReport, type ParsedReport, parseCredentialReport } from "./credential-report";
import { type CheckId, type Finding, type FindingThresholds, passwordPolicyFindings, reportStaleFinding, rootMfaVerdict, userFindings } from "./findings";
import { type IamAccount, type IamAccountCheck, notEvaluated } from "./iam-account";
import { keyAgeCounts } from "./ages";

/** What the run before knew of one account: its findings then, and those it carried then. */
export interface KnownAccount {
  readonly runId: string;
  /** The account's name then, when it is known. */
  readonly accountName?: string;
  readonly findings: readonly StoredFinding[];
  readonly notRechecked: readonly CarriedFinding[];
  /** The keys the pipeline deactivated in the account that run: their findings resolve as fixed by it. */
  readonly deactivated?: readonly { readonly findingId: string; readonly at: string }[];
  /** The keys whose owners that run told when they come due. */
  readonly scheduled?: readonly { readonly findingId: string; readonly dueOn: string }[];
}

/**
 * One account's part of a run's analysis (`account=<id>.analysis.json` beside its report): what
 * the run found there, what changed since the run before, and what the organization's files need
 * of it. Written by the collector where it reads the report, or by Summarize for an account it was
 * not collected for; Summarize combines them one at a time.
 */
export interface AccountAnalysis {
  readonly accountId: string;
  readonly accountName: string;
  readonly run: RunRef;
  /** The run compared with; null when none had findings. */
  readonly previousRunId: string | null;
  /** Its report was read this run: only then can a finding be resolved. */
  readonly rechecked: boolean;
  /** Why its report could not be read (its parse error, or the read error), when it could not. */
  readonly unreadable?: string;
  /**
   * The checks that needed more than the report and could not be decided here (IAM refused a call,
   * or its answers were not there), and why: neither passing nor failing, their known findings carried.
   */
  readonly notEvaluated?: { readonly checks: readonly IamAccountCheck[]; readonly reason: string };
  readonly users: number;
  /** Active access keys by age bucket (KEY_AGE_BUCKETS), for the page. */
  readonly keyAges: readonly number[];
  /** This run's findings, each with when it was first seen and the accepted risk that covers it, if one does. */
  readonly findings: readonly StoredFinding[];
  /** The ids of this run's findings not known before. */
  readonly newIds: readonly string[];
  /** Known findings gone from a re-checked account. */
  readonly resolved: readonly StoredFinding[];
  /** Known findings of an account not re-checked: carried forward as last seen. */
  readonly notRechecked: readonly CarriedFinding[];
  /** Of this run's findings, those an accepted risk covered in the run before. */
  readonly acceptedBeforeIds: readonly string[];
  /** Which accepted risks (their places in the run's list) were in use here. */
  readonly usedRules: readonly number[];
  /**
   * What IAM said beside the report (GetAccountSummary, ListVirtualMFADevices, the password
   * policy), kept with the analysis it decided: one file an account, not two. Absent in analyses
   * of earlier versions, which kept it beside the report (account=<id>.iam.json).
   */
  readonly iam?: IamAccount;
  /** What the pipeline did about the account's unused keys (remediation on), and which keys come due. */
  readonly remediation?: AccountRemediation;
}

/** Remediation in one account: what was done (or, in a dry run, would have been), and what comes due after its notice. */
export interface AccountRemediation {
  readonly actions: readonly KeyAction[];
  readonly scheduled: readonly ScheduledKeyAction[];
}

/** One account of a run as it was read: its report, what IAM said beside it, and what the run before knew. */
export interface AccountRead {
  readonly account: AccountRef;
  readonly run: RunRef;
  /** The report's text, or why it could not be read from storage. */
  readonly csv: string | { readonly readError: string };
  /** IAM's GeneratedTime, when known. */
  readonly generatedAt?: Date;
  /** What IAM says of the account beyond the report, when it was read. */
  readonly iam?: IamAccount;
  readonly known?: KnownAccount;
}

/** Everything one account's stored report says, as of the run's start. Pure. */
export function analyzeAccount(input: AccountRead & { readonly thresholds: FindingThresholds; readonly acceptedRisks: readonly AcceptedRisk[] }): AccountAnalysis & { readonly report?: ParsedReport } {
  const now = new Date(input.run.startedAt);
  const findings: Finding[] = [];
  let report: ParsedReport | undefined;
  let unreadable: string | undefined;
  if (typeof input.csv !== "string") {
    unreadable = input.csv.readError;
  } else {
    try {
      report = parseCredentialReport(input.account.id, input.csv);
      // Each break-glass rule's user pattern is compiled for this account's report.
      const breakGlass = rulesInForce(input.acceptedRisks, now)
        .filter((rule) => "kind" in rule)
        .map(userMatcher);
      findings.push(...withBreakGlass(userFindings(report, now, input.thresholds, input.iam), report, breakGlass, now, input.thresholds));
    } catch (error) {
      if (!(error instanceof MalformedReport)) throw error;
      unreadable = error.message;
    }
    const stale = reportStaleFinding(input.account.id, input.generatedAt, now, input.thresholds);
    if (stale) findings.push(stale);
  }
  // IAM's answers are read in the same session as the report: without the report, they say nothing either.
  const root = report?.users.find((user) => user.isRoot);
  const verdict = root && rootMfaVerdict(root, input.iam);
  const rootDecided = verdict ? (["root-mfa-off", "root-hardware-mfa-off"] as const).filter((check) => verdict[check] !== "undecided") : [];
  const undecided = report ? notEvaluated(input.iam, rootDecided) : [];
  if (report) findings.push(...passwordPolicyFindings(input.account.id, input.iam, input.thresholds));
  const reason = input.iam ? input.iam.refused.join("; ") : "IAM's answers beside the report were not there";
  const analysis = withChanges(input.account, input.run, findings, { rechecked: report !== undefined, undecided }, input.known, input.acceptedRisks);
  return {
    ...analysis,
    ...(unreadable ? { unreadable } : {}),
    ...(undecided.length > 0 ? { notEvaluated: { checks: undecided, reason } } : {}),
    users: report?.users.length ?? 0,
    keyAges: report ? keyAgeCounts([report], now) : keyAgeCounts([], now),
    ...(report ? { report } : {}),
  };
}

/** An account whose report was not collected this run: its known findings carried forward. Pure. */
export function carriedAccount(account: AccountRef, run: RunRef, known: KnownAccount | undefined): AccountAnalysis {
  return { ...withChanges(account, run, [], { rechecked: false, undecided: [] }, known, []), users: 0, keyAges: keyAgeCounts([], new Date(run.startedAt)) };
}

/**
 * This run's findings of one account against what the run before knew of it: new, resolved (only
 * when its check was decided this run) and carried, first-seen times kept. Pure.
 */
function withChanges(
  account: AccountRef,
  run: RunRef,
  findings: readonly Finding[],
  checked: { readonly rechecked: boolean; readonly undecided: readonly CheckId[] },
  known: KnownAccount | undefined,
  acceptedRisks: readonly AcceptedRisk[],
): Omit<AccountAnalysis, "users" | "keyAges" | "unreadable" | "notEvaluated"> {
  const decisions = applyAcceptedRisks(findings, acceptedRisks, new Date(run.startedAt));
  const ruleOf = new Map(decisions.accepted.map(({ finding, rule }) => [finding.id, rule]));
  const inForce = rulesInForce(acceptedRisks, new Date(run.startedAt));
  const usedRules = acceptedRisks.map((rule, i) => (inForce.includes(rule) && !decisions.stale.includes(rule) ? i : -1)).filter((i) => i >= 0);
  const knownList: CarriedFinding[] = known ? [...known.findings.map((f) => ({ ...f, lastSeenRunId: known.runId })), ...known.notRechecked] : [];
  const knownById = new Map(knownList.map((f) => [f.id, f]));
  const current = new Set(findings.map((f) => f.id));
  const fixedAt = new Map((known?.deactivated ?? []).map((d) => [d.findingId, d.at]));
  const decided = (checkId: CheckId) => checked.rechecked && !checked.undecided.includes(checkId);
  return {
    accountId: account.id,
    accountName: account.name,
    run: { id: run.id, startedAt: run.startedAt },
    previousRunId: known?.runId ?? null,
    rechecked: checked.rechecked,
    findings: findings.map((f) => ({ ...f, firstSeenAt: knownById.get(f.id)?.firstSeenAt ?? new Date(run.startedAt).toISOString(), ...(ruleOf.has(f.id) ? { acceptedRisk: ruleOf.get(f.id) } : {}) })),
    newIds: findings.filter((f) => !knownById.has(f.id)).map((f) => f.id),
    resolved: knownList
      .filter((f) => !current.has(f.id) && decided(f.checkId))
      .map(({ lastSeenRunId: _, ...finding }) => (fixedAt.has(finding.id) ? { ...finding, fixedByPipelineAt: fixedAt.get(finding.id) } : finding)),
    notRechecked: knownList.filter((f) => !current.has(f.id) && !decided(f.checkId)),
    acceptedBeforeIds: findings.filter((f) => knownById.get(f.id)?.acceptedRisk).map((f) => f.id),
    usedRules,
  };
}
