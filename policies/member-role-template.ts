import { policyDocument, type PolicyDocument } from "./document";

/** The logical id of the member role in the StackSet template. */
export const MEMBER_ROLE_LOGICAL_ID = "CredentialReportRole";

/** The member role's trust: the collector role, and no other principal. */
export function memberRoleTrust(collectorRoleArn: string): PolicyDocument {
  return policyDocument({
    Sid: "TrustCollectorRoleOnly",
    Effect: "Allow",
    Principal: { AWS: collectorRoleArn },
    Action: "sts:AssumeRole",
  });
}

/** The member role's permissions: generate and read the account's credential report, nothing else. */
export function memberRolePolicy(): PolicyDocument {
  return policyDocument({
    Sid: "GenerateAndReadCredentialReport",
    Effect: "Allow",
    Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    // The credential report actions support no resource-level permissions.
    Resource: "*",
  });
}

/**
 * The CloudFormation template the StackSet deploys into every member account, as a JSON string:
 * one named role (hence CAPABILITY_NAMED_IAM) with the trust and permissions above.
 */
export function memberRoleTemplate(memberRoleName: string, collectorRoleArn: string): string {
  const template = {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "Lets the organization's credential report collector read this account's IAM credential report.",
    Resources: {
      [MEMBER_ROLE_LOGICAL_ID]: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: memberRoleName,
          Description: "Assumed by the credential report collector; generates and reads the IAM credential report only.",
          AssumeRolePolicyDocument: memberRoleTrust(collectorRoleArn),
          Policies: [{ PolicyName: "credential-report", PolicyDocument: memberRolePolicy() }],
        },
      },
    },
    Outputs: { RoleArn: { Value: { "Fn::GetAtt": [MEMBER_ROLE_LOGICAL_ID, "Arn"] } } },
  };
  return JSON.stringify(template, null, 2);
}
