import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { describeAwsError, TransientAwsError } from "../run/errors";

/**
 * An object's text, or undefined when there is no object at the key.
 *
 * S3 says "no such key" (404) only to a caller allowed s3:ListBucket on the bucket; to anyone else
 * it says AccessDenied (403), so that a missing key cannot be told from a forbidden one. Our
 * readers may list only under the reports prefix (an `s3:prefix` condition), and a GetObject
 * carries no prefix for that condition to match, so a missing key can come back either way.
 * A 403 is therefore settled by listing the exact key, which the prefix condition does allow.
 * "Try again later" answers are thrown as TransientAwsError.
 */
export async function readIfPresent(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString("utf-8")) ?? "";
  } catch (err) {
    const { code, status } = statusOf(err);
    if (code === "NoSuchKey" || status === 404) return undefined;
    if ((code === "AccessDenied" || status === 403) && !(await isListed(s3, bucket, key))) return undefined;
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `${key}: ${aws.message}`);
    throw err;
  }
}

/** Whether an object exists at exactly this key, by listing it. */
export async function isListed(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return (listed.Contents ?? []).some((object) => object.Key === key);
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `listing ${key}: ${aws.message}`);
    throw err;
  }
}

function statusOf(err: unknown): { code: string; status?: number } {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return { code: describeAwsError(err).code, status };
}
