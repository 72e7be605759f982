import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import { memberRoleArn, roleSessionName } from "./collect-report/progress";

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
    }),
  );
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw Object.assign(new Error("AssumeRole returned no credentials"), { name: "NoCredentials" });
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}
