import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import { setTimeout as sleep } from "node:timers/promises";
import type { BatchState } from "../run/contracts";
import { withoutStackTrace } from "../run/errors";
import { LAMBDA_ENV, requiredEnv } from "../pipeline/lambda-env";
import { jsonLog } from "../log";
import { SDK_RETRIES } from "../aws/sdk-retries";
import { collectBatch } from "./collect-batch";
import { thresholdsFromEnv } from "../analysis/thresholds";
import { packagedAcceptedRisks, remediationFromEnv } from "../pipeline/packaged-risks";

const sts = new STSClient(SDK_RETRIES);
const s3 = new S3Client(SDK_RETRIES);
const ownIam = new IAMClient(SDK_RETRIES);
const bucket = requiredEnv(process.env, LAMBDA_ENV["collect-report"].reportBucket);
const memberRoleName = requiredEnv(process.env, LAMBDA_ENV["collect-report"].memberRoleName);
// Each report is analysed where it is read, by the stack's thresholds and accepted risks (checked at preview).
const thresholds = thresholdsFromEnv(process.env);
const acceptedRisks = packagedAcceptedRisks(process.env[LAMBDA_ENV["collect-report"].acceptedRisksFile]);
const securityHub = process.env[LAMBDA_ENV["collect-report"].securityHub] === "true";
// What it may do about unused keys (off unless the stack turned it on).
const remediation = remediationFromEnv(process.env);
const ownSecurityHub = new SecurityHubClient(SDK_RETRIES);

export async function handler(event: BatchState, context: Context) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, region, , ownAccountId] = context.invokedFunctionArn.split(":");
  try {
    return await collectBatch(event, {
      sts,
      s3,
      iamClient: (credentials) => (credentials ? new IAMClient({ ...SDK_RETRIES, credentials }) : ownIam),
      securityHubClient: (credentials) => (credentials ? new SecurityHubClient({ ...SDK_RETRIES, credentials }) : ownSecurityHub),
      analysis: { thresholds, acceptedRisks, ...(securityHub ? { securityHub: { partition, region } } : {}), ...(remediation.enabled ? { remediation } : {}) },
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
