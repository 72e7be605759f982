import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import type { PolicyDocument } from "../../policies/document";

/** The role the StackSet creates in every member account, unless the stack names another. */
export const DEFAULT_MEMBER_ROLE_NAME = "iam-credential-report-generation-role";

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

/** Credentials of an assumed role, as the SDK clients take them. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where the member role is and who asks for it. */
export interface MemberRole {
  readonly sts: STSClient;
  readonly partition: string;
  readonly roleName: string;
  /** The pipeline's own account: it uses its own credentials, no role of its own is assumed. */
  readonly ownAccountId: string;
  /**
   * What this caller may do in an account's session (policies/session-policies.ts): the session
   * gets what both the role and this policy allow, so each caller holds only what it uses.
   */
  readonly sessionPolicy: (accountId: string) => PolicyDocument;
}

/**
 * The member role's credentials in an account, for one run (the session name shows the run in the
 * member account's CloudTrail); undefined in the pipeline's own account.
 */
export async function memberCredentials(accountId: string, runId: string, role: MemberRole): Promise<TemporaryCredentials | undefined> {
  if (accountId === role.ownAccountId) return undefined;
  const assumed = await role.sts.send(
    new AssumeRoleCommand({
      RoleArn: memberRoleArn(role.partition, accountId, role.roleName),
      RoleSessionName: roleSessionName(runId),
      // The shortest session STS allows: the calls need seconds.
      DurationSeconds: 900,
      Policy: JSON.stringify(role.sessionPolicy(accountId)),
    }),
  );
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw Object.assign(new Error("AssumeRole returned no credentials"), { name: "NoCredentials" });
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}
