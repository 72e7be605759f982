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
