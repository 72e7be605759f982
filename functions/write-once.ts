import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from "@aws-sdk/client-s3";
import { describeAwsError } from "./errors";

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
