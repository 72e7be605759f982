import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { describeAwsError, TransientAwsError } from "../run/errors";

/** Every key under a prefix with its size in bytes. "Try again later" is thrown as TransientAwsError. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) if (object.Key) keys.set(object.Key, object.Size ?? 0);
    }
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `listing ${prefix}: ${aws.message}`);
    throw err;
  }
  return keys;
}
