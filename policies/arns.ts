/** The ARN of an S3 bucket; bucket ARNs carry no region or account. */
export function bucketArn(partition: string, bucketName: string): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

/** The objects of a bucket under a key prefix. */
export function objectsUnder(bucketArnValue: string, prefix: string): string {
  return `${bucketArnValue}/${prefix}*`;
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
