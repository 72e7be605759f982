import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from "@aws-sdk/client-s3";
import { describeAwsError, StoreFailed, TransientAwsError } from "../run/errors";

/**
 * The one way this pipeline writes to S3: only if the key is free (If-None-Match), so nothing
 * stored is ever overwritten. Returns false when the key already held an object; any other
 * failure is thrown as the SDK gave it.
 */
export async function putIfAbsent(s3: S3Client, input: Omit<PutObjectCommandInput, "IfNoneMatch">): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({ ...input, IfNoneMatch: "*" }));
    return true;
  } catch (err) {
    if (describeAwsError(err).code === "PreconditionFailed") return false;
    throw err;
  }
}

/**
 * {@link putIfAbsent} with its failures named: "try again later" (throttling, 5xx, the network)
 * as TransientAwsError, anything else (access denied, a KMS key refused) as StoreFailed.
 */
export async function storeOnce(s3: S3Client, input: Omit<PutObjectCommandInput, "IfNoneMatch"> & { Key: string }): Promise<boolean> {
  try {
    return await putIfAbsent(s3, input);
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `${input.Key}: ${aws.message}`);
    throw new StoreFailed(aws.code, `${input.Key}: ${aws.message}`);
  }
}
