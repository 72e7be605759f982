import { policyDocument, type PolicyDocument, type PolicyStatement } from "./document";
import { accountCredentialSettingsStatement, keyRemediationStatements, ownFindingsStatements, REMEDIATION_MODES, type SecurityHubTarget } from "./pipeline-policies";
import { credentialReportStatement } from "./session-policies";

/** The logical id of the member role in the StackSet template. */
export const MEMBER_ROLE_LOGICAL_ID = "CredentialReportRole";

/** Who may assume the member role: the collector, and Summarize when it imports into Security Hub. */
export interface MemberRoleTrusted {
  readonly collectorRoleArn: string;
  /** Summarize's role, with Security Hub on. */
  readonly securityHubImporterRoleArn?: string;
}

/** The member role's trust: the collector role and, with Security Hub on, Summarize's; no other principal. */
export function memberRoleTrust(trusted: MemberRoleTrusted): PolicyDocument {
  const statements: PolicyStatement[] = [{ Sid: "TrustCollectorRoleOnly", Effect: "Allow", Principal: { AWS: trusted.collectorRoleArn }, Action: "sts:AssumeRole" }];
  if (trusted.securityHubImporterRoleArn) {
    statements.push({ Sid: "TrustSummarizeRoleForSecurityHub", Effect: "Allow", Principal: { AWS: trusted.securityHubImporterRoleArn }, Action: "sts:AssumeRole" });
  }
  return policyDocument(...statements);
}

/**
 * The member role's permissions: generate and read the account's credential report, read its root
 * user's credentials and its password policy and, with Security Hub on, import the account's own
 * findings there; nothing else.
 */
export function memberRolePolicy(securityHub?: SecurityHubTarget): PolicyDocument {
  return policyDocument(
    credentialReportStatement(),
    accountCredentialSettingsStatement(),
    ...(securityHub ? ownFindingsStatements(securityHub) : []),
  );
}

/** The StackSet parameter that gives the member role remediation's rights: off, dry-run or on. */
export const REMEDIATION_PARAMETER = "Remediation";

/**
 * The member role's remediation policies, each only under its condition (the StackSet parameter
 * REMEDIATION_PARAMETER): reading users' keys unless it is off, deactivating one only when on.
 */
const REMEDIATION_POLICIES = {
  RemediationReadPolicy: { condition: "RemediationReads", name: "key-remediation-read" },
  RemediationDeactivatePolicy: { condition: "RemediationDeactivates", name: "key-remediation-deactivate" },
} as const;

/** With Security Hub on: the Security Hub region, that of the pipeline. */
export interface MemberRoleOptions extends MemberRoleTrusted {
  readonly securityHubRegion?: string;
}

/**
 * The CloudFormation template the StackSet deploys into every member account, as a JSON string:
 * one named role (hence CAPABILITY_NAMED_IAM) with the trust and permissions above.
 */
export function memberRoleTemplate(memberRoleName: string, options: MemberRoleOptions): string {
  // Each account's own ARNs: CloudFormation fills in the partition and the account.
  const securityHub = options.securityHubImporterRoleArn && options.securityHubRegion ? { partition: "${AWS::Partition}", region: options.securityHubRegion, accountId: "${AWS::AccountId}" } : undefined;
  const policy = memberRolePolicy(securityHub);
  const account = { partition: "${AWS::Partition}", accountId: "${AWS::AccountId}" };
  const [read, deactivate] = keyRemediationStatements("on", account);
  const statements = { RemediationReadPolicy: [read], RemediationDeactivatePolicy: [deactivate] };
  const template = {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "Lets the organization's credential report collector read this account's IAM credential report.",
    Parameters: {
      [REMEDIATION_PARAMETER]: {
        Type: "String",
        AllowedValues: REMEDIATION_MODES,
        Default: "off",
        Description: "What the pipeline may do about unused access keys: off; dry-run (read users' keys); on (and deactivate them)",
      },
    },
    Conditions: {
      RemediationReads: { "Fn::Not": [{ "Fn::Equals": [{ Ref: REMEDIATION_PARAMETER }, "off"] }] },
      RemediationDeactivates: { "Fn::Equals": [{ Ref: REMEDIATION_PARAMETER }, "on"] },
    },
    Resources: {
      [MEMBER_ROLE_LOGICAL_ID]: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: memberRoleName,
          Description: "Assumed by the credential report collector; reads the IAM credential report and the account's credential settings only.",
          AssumeRolePolicyDocument: memberRoleTrust(options),
          Policies: [
            {
              PolicyName: "credential-report",
              PolicyDocument: { ...policy, Statement: policy.Statement.map(substituted) },
            },
          ],
        },
      },
      ...Object.fromEntries(
        Object.entries(REMEDIATION_POLICIES).map(([logicalId, { condition, name }]) => [
          logicalId,
          {
            Type: "AWS::IAM::RolePolicy",
            Condition: condition,
            Properties: {
              RoleName: { Ref: MEMBER_ROLE_LOGICAL_ID },
              PolicyName: name,
              PolicyDocument: { Version: "2012-10-17", Statement: statements[logicalId as keyof typeof statements].map(substituted) },
            },
          },
        ]),
      ),
    },
    Outputs: { RoleArn: { Value: { "Fn::GetAtt": [MEMBER_ROLE_LOGICAL_ID, "Arn"] } } },
  };
  return JSON.stringify(template, null, 2);
}

/** A statement whose resource or condition holds `${AWS::...}`, with CloudFormation's Fn::Sub around each such value. */
function substituted(statement: PolicyStatement): unknown {
  const sub = (value: unknown): unknown =>
    typeof value === "string" && value.includes("${AWS::") ? { "Fn::Sub": value } : Array.isArray(value) ? value.map(sub) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v)])) : value;
  return { ...statement, ...(statement.Resource ? { Resource: sub(statement.Resource) } : {}), ...(statement.Condition ? { Condition: sub(statement.Condition) } : {}) };
}
