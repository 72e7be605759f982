import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import type { RunRef } from "../run/contracts";
import { LAMBDA_ENV, requiredEnv } from "../pipeline/lambda-env";
import { withoutStackTrace } from "../run/errors";
import { jsonLog } from "../log";
import { SDK_RETRIES } from "../aws/sdk-retries";
import { listRunAccounts, scopeFromEnv } from "./list-accounts";

const organizations = new OrganizationsClient(SDK_RETRIES);
const s3 = new S3Client(SDK_RETRIES);
const bucket = requiredEnv(process.env, LAMBDA_ENV["list-accounts"].reportBucket);
const mapBucket = requiredEnv(process.env, LAMBDA_ENV["list-accounts"].mapBucket);
const scope = scopeFromEnv(process.env);

export async function handler(event: { run: RunRef }) {
  try {
    return await listRunAccounts(event, { organizations, s3, bucket, mapBucket, scope, log: jsonLog });
  } catch (err) {
    jsonLog("list-accounts-failed", { runId: event?.run?.id, error: String(err) });
    throw withoutStackTrace(err);
  }
}
