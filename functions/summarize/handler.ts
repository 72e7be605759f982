import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import { packagedAcceptedRisks } from "../pipeline/packaged-risks";
import { LAMBDA_ENV, requiredEnv } from "../pipeline/lambda-env";
import { withoutStackTrace } from "../run/errors";
import { jsonLog } from "../log";
import { QUIET_SDK_LOGGER, SDK_RETRIES } from "../aws/sdk-retries";
import { memberCredentials } from "../aws/member-credentials";
import { securityHubSessionPolicy } from "../../policies/session-policies";
import { type SummarizeStepInput, summarizeStep } from "./summarize";
import { thresholdsFromEnv } from "../analysis/thresholds";

// Summarize streams the run's files to S3: a failed upload is retried and logged by its own code.
const s3 = new S3Client({ ...SDK_RETRIES, logger: QUIET_SDK_LOGGER });
const sns = new SNSClient(SDK_RETRIES);
const events = new EventBridgeClient(SDK_RETRIES);
const sts = new STSClient(SDK_RETRIES);
const ownSecurityHub = new SecurityHubClient(SDK_RETRIES);
const bucket = requiredEnv(process.env, LAMBDA_ENV.summarize.reportBucket);
const topicArn = requiredEnv(process.env, LAMBDA_ENV.summarize.topicArn);
const mapBucket = requiredEnv(process.env, LAMBDA_ENV.summarize.mapBucket);
const thresholds = thresholdsFromEnv(process.env);
// Packaged with the function when the stack has accepted risks; checked at preview already.
const acceptedRisks = packagedAcceptedRisks(process.env[LAMBDA_ENV.summarize.acceptedRisksFile]);
// Set when the stack's securityHub is on: the member role that may import the account's own findings.
const securityHubRole = process.env[LAMBDA_ENV.summarize.securityHubMemberRole];

export async function handler(event: SummarizeStepInput, context: Context) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, region, , ownAccountId] = context.invokedFunctionArn.split(":");
  const sessionPolicy = (accountId: string) => securityHubSessionPolicy({ partition, region, accountId });
  const role = { sts, partition, roleName: securityHubRole ?? "", ownAccountId, sessionPolicy };
  try {
    return await summarizeStep(event, {
      s3,
      sns,
      events,
      bucket,
      mapBucket,
      topicArn,
      thresholds,
      acceptedRisks,
      ...(securityHubRole
        ? {
            securityHub: {
              partition,
              region,
              clientFor: async (accountId: string) => {
                const credentials = await memberCredentials(accountId, event.run.id, role);
                return credentials ? new SecurityHubClient({ ...SDK_RETRIES, credentials }) : ownSecurityHub;
              },
            },
          }
        : {}),
      now: () => new Date(),
      log: jsonLog,
    });
  } catch (err) {
    jsonLog("summarize-failed", { runId: event?.run?.id, error: String(err) });
    throw withoutStackTrace(err);
  }
}
