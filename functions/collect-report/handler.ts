import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import { setTimeout as sleep } from "node:timers/promises";
import type { BatchState } from "../contracts";
import { withoutStackTrace } from "../errors";
import { LAMBDA_ENV, requiredEnv } from "../env";
import { jsonLog } from "../log";
import { collectBatch } from "./collect-batch";

const sts = new STSClient({});
const s3 = new S3Client({});
const ownIam = new IAMClient({});
const bucket = requiredEnv(process.env, LAMBDA_ENV["collect-report"].reportBucket);
const memberRoleName = requiredEnv(process.env, LAMBDA_ENV["collect-report"].memberRoleName);

export async function handler(event: BatchState, context: Context) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, , , ownAccountId] = context.invokedFunctionArn.split(":");
  try {
    return await collectBatch(event, {
      sts,
      s3,
      iamClient: (credentials) => (credentials ? new IAMClient({ credentials }) : ownIam),
      bucket,
      memberRoleName,
      ownAccountId,
      partition,
      log: jsonLog,
      sleep: (ms) => sleep(ms),
    });
  } catch (err) {
    jsonLog("collect-failed", { runId: event?.BatchInput?.run?.id, accounts: event?.Items?.length, error: String(err) });
    throw withoutStackTrace(err);
  }
}
