/** IAM's report states; anything but COMPLETE means "not yet". */
export function isReportReady(state: string | undefined): boolean {
  return state === "COMPLETE";
}

// Get before, or right around, a generation: the next call generates again and succeeds.
const REPORT_NOT_READY_CODES = new Set([
  "ReportNotPresent",
  "CredentialReportNotPresentException",
  "ReportExpired",
  "CredentialReportExpiredException",
  "ReportInProgress",
  "CredentialReportNotReadyException",
]);

export function isReportNotReadyError(code: string): boolean {
  return REPORT_NOT_READY_CODES.has(code);
}

/**
 * The session name of the assumed role, shown in the member account's CloudTrail: it names the
 * run. STS allows 2-64 characters of `[\w+=,.@-]`.
 */
export function roleSessionName(runId: string): string {
  return `credreport-${runId}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

/** The member role's ARN in an account, in the collector's own partition. */
export function memberRoleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}
