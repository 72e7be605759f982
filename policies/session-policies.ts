import { policyDocument, type PolicyDocument, type PolicyStatement } from "./document";
import { accountCredentialSettingsStatement, keyRemediationStatements, ownFindingsStatements, type RemediationMode, type SecurityHubTarget } from "./pipeline-policies";

/**
 * Session policies: what each caller of the member role may do in its session. The session gets the
 * intersection of the role's policy and its session policy (STS AssumeRole, `Policy`), so the
 * collector's session cannot send findings unless Security Hub is on, and Summarize's, which
 * only sends findings, cannot read the credential report. STS takes at most 2,048 characters of
 * session policy: these are well under (tested).
 */

/** The credential report actions, which take no resource. */
export function credentialReportStatement(): PolicyStatement {
  return {
    Sid: "GenerateAndReadCredentialReport",
    Effect: "Allow",
    Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    // The credential report actions support no resource-level permissions.
    Resource: "*",
  };
}

/**
 * The collector: read the account's report and credential settings; with Security Hub on, send its
 * findings; with remediation on (or in a dry run), what that needs in the account and no more.
 */
export function collectorSessionPolicy(securityHub?: SecurityHubTarget, remediation?: { readonly mode: RemediationMode; readonly partition: string; readonly accountId: string }): PolicyDocument {
  return policyDocument(
    credentialReportStatement(),
    accountCredentialSettingsStatement(),
    ...(securityHub ? ownFindingsStatements(securityHub) : []),
    ...(remediation ? keyRemediationStatements(remediation.mode, remediation) : []),
  );
}

/** Summarize, with Security Hub on: send the account's findings, nothing else. */
export function securityHubSessionPolicy(target: SecurityHubTarget): PolicyDocument {
  return policyDocument(...ownFindingsStatements(target));
}
