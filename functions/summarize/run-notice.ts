import type { StoredSummary } from "../org-report/run-combiner";

/**
 * SNS's rules for a subject (Amazon SNS API Reference, Publish, "Subject"): ASCII text that begins
 * with a letter, number or punctuation mark, no line breaks or control characters, and "less than
 * 100 characters". A subject outside them fails the Publish (InvalidParameter), so every notice is
 * cut to fit here, whatever it has to say; the body carries everything.
 */
export const SNS_SUBJECT_MAX_CHARACTERS = 99;

/** What a run summary is sent for, each worded for the subject and the body. */
export interface NoticeReasons {
  readonly failedAccounts: number;
  readonly unreadableReports: number;
  readonly newUrgentFindings: number;
  readonly notEvaluatedAccounts: number;
  readonly analysisFailed: boolean;
  readonly securityHubIncomplete: boolean;
  /** Access keys the pipeline deactivated this run (remediation on). */
  readonly keysDeactivated: number;
}

/** The reasons to send, most urgent first; none when the run needs no notice. */
export function noticeReasons(reasons: NoticeReasons): string[] {
  return [
    reasons.failedAccounts > 0 ? `${reasons.failedAccounts} account(s) failed` : "",
    reasons.unreadableReports > 0 ? `${reasons.unreadableReports} report(s) unreadable` : "",
    reasons.newUrgentFindings > 0 ? `${reasons.newUrgentFindings} new critical or high finding(s)` : "",
    reasons.notEvaluatedAccounts > 0 ? `checks not evaluated in ${reasons.notEvaluatedAccounts} account(s)` : "",
    reasons.analysisFailed ? "analysis failed" : "",
    reasons.securityHubIncomplete ? "Security Hub import incomplete" : "",
    reasons.keysDeactivated > 0 ? `${reasons.keysDeactivated} access key(s) deactivated` : "",
  ].filter(Boolean);
}

const PREFIX = "IAM credential report: ";

/**
 * The subject of a run summary: as many reasons as fit SNS's limit, in order, then how many more
 * ("and 2 more"); the body names them all. Only ASCII goes in (a reason is ours, never a user name).
 */
export function noticeSubject(reasons: readonly string[]): string {
  for (let shown = reasons.length; shown > 0; shown--) {
    const rest = reasons.length - shown;
    const subject = `${PREFIX}${reasons.slice(0, shown).join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
    if (subject.length <= SNS_SUBJECT_MAX_CHARACTERS) return subject;
  }
  return `${PREFIX}${reasons.length} reasons to look`.slice(0, SNS_SUBJECT_MAX_CHARACTERS);
}

/** The body's first line: every reason the summary is sent for. */
export function noticeReasonsLine(reasons: readonly string[]): string {
  return `Sent because: ${reasons.join("; ")}.`;
}

/**
 * What the pipeline did about unused keys, in a line of the run summary and of the CLI's report,
 * `actions` saying where each action and its undo command are; empty when it did nothing.
 */
export function remediationLine(r: StoredSummary["remediation"], actions: string): string {
  if (r.deactivated + r.wouldDeactivate + r.left + r.scheduled + r.fixedByPipeline === 0) return "";
  return (
    `Remediation: ${r.deactivated} access key(s) deactivated (never deleted), ${r.wouldDeactivate} would be in a dry run, ${r.left} left as IAM showed them, ` +
    `${r.scheduled} due after their notice; ${r.fixedByPipeline} finding(s) resolved by an earlier deactivation. Each action and its undo command: ${actions}`
  );
}
