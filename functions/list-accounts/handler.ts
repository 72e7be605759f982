import { AccountClient } from "@aws-sdk/client-account";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { Context } from "aws-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import type { RunRef } from "../run/contracts";
import { LAMBDA_ENV, requiredEnv } from "../pipeline/lambda-env";
import { withoutStackTrace } from "../run/errors";
import { jsonLog } from "../log";
import { SDK_RETRIES } from "../aws/sdk-retries";
import { listRunAccounts, scopeFromEnv } from "./list-accounts";
import { packagedOwners } from "../pipeline/packaged-risks";

const organizations = new OrganizationsClient(SDK_RETRIES);
const s3 = new S3Client(SDK_RETRIES);
const bucket = requiredEnv(process.env, LAMBDA_ENV["list-accounts"].reportBucket);
const mapBucket = requiredEnv(process.env, LAMBDA_ENV["list-accounts"].mapBucket);
const scope = scopeFromEnv(process.env);
// Packaged with the function when the stack routes findings to owners; checked at preview already.
const owners = packagedOwners(process.env);
const account = owners.sources.includes("contact") ? new AccountClient(SDK_RETRIES) : undefined;

export async function handler(event: { run: RunRef }, context: Context) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const ownAccountId = context.invokedFunctionArn.split(":")[4];
  try {
    return await listRunAccounts(event, { organizations, s3, bucket, mapBucket, scope, owners, account, ownAccountId, log: jsonLog });
  } catch (err) {
    jsonLog("list-accounts-failed", { runId: event?.run?.id, error: String(err) });
    throw withoutStackTrace(err);
  }
}
