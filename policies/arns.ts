/** The ARN of an S3 bucket; bucket ARNs carry no region or account. */
export function bucketArn(partition: string, bucketName: string): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

/** The objects of a bucket under a key prefix. */
export function objectsUnder(bucketArnValue: string, prefix: string): string {
  return `${bucketArnValue}/${prefix}*`;
}

/** Who writes run files: each of the pipeline's three writers stores its own files and no other's. */
export type RunFileWriter = "collector" | "summarize" | "listAccounts";

/**
 * The files each writer stores, as key patterns under the prefix (functions/run/report-keys.ts): the
 * collector an account's report, what IAM said beside it and its analysis; Summarize the run's
 * manifest, analysis files, the analyses of accounts the collector left, and the run's lines kept
 * across runs (history/); ListAccounts the run's account list.
 */
export const RUN_FILES: Readonly<Record<RunFileWriter, readonly string[]>> = {
  collector: ["account=*.csv", "account=*.iam.json", "account=*.analysis.json", "account=*.action=*.json"].map(inRunFolder),
  summarize: [
    ...["manifest.json", "findings.json", "findings.jsonl", "findings.csv", "summary.json", "changes.json", "users.csv", "trend.json", "report.html", "actions.jsonl", "account=*.analysis.json"].map(inRunFolder),
    "history/runs/date=*/*.json",
    "history/findings-parquet/date=*/*.parquet",
  ],
  listAccounts: ["accounts.json"].map(inRunFolder),
};

function inRunFolder(file: string): string {
  return `date=*/run=*/${file}`;
}

/** The ARNs of one writer's files under the prefix. */
export function runFilesOf(bucketArnValue: string, prefix: string, writer: RunFileWriter): string[] {
  return RUN_FILES[writer].map((pattern) => `${bucketArnValue}/${prefix}${pattern}`);
}

/** The member role in any account: the collector builds the exact ARN per account at run time. */
export function memberRoleInAnyAccount(partition: string, memberRoleName: string): string {
  return `arn:${partition}:iam::*:role/${memberRoleName}`;
}

/** The root principal of an account: "the account's own IAM decides". */
export function accountRoot(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * The root and every OU of one organization. Their ARNs carry the management account, which the
 * organization id already pins down, so it is left open.
 */
export function organizationParents(partition: string, organizationId: string): string[] {
  return [`arn:${partition}:organizations::*:root/${organizationId}/r-*`, `arn:${partition}:organizations::*:ou/${organizationId}/ou-*`];
}

/** The role behind an assumed-role session's ARN (without its path, which the session's ARN drops); undefined for any other ARN. */
export function sessionRole(callerArn: string): string | undefined {
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : undefined;
}

/**
 * What `aws:PrincipalArn` is for a caller, as `ArnLike` patterns: a user's own ARN, or the role
 * behind an assumed-role session. A session's ARN drops the role's path, which aws:PrincipalArn
 * keeps, so the role is matched with and without one.
 */
export function principalArnPatterns(callerArn: string): string[] {
  const role = sessionRole(callerArn);
  return role ? [role, role.replace(/:role\//, ":role/*/")] : [callerArn];
}
