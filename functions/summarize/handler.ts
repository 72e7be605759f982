import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { SummarizeInput } from "../contracts";
import { requiredEnv } from "../env";
import { withoutStackTrace } from "../errors";
import { jsonLog } from "../log";
import { summarize } from "./summarize";
import { thresholdsFromEnv } from "../analysis/thresholds";

const s3 = new S3Client({});
const sns = new SNSClient({});
const events = new EventBridgeClient({});
const bucket = requiredEnv(process.env, "REPORT_BUCKET");
const topicArn = requiredEnv(process.env, "TOPIC_ARN");
const thresholds = thresholdsFromEnv(process.env);

export async function handler(event: SummarizeInput) {
  try {
    return await summarize(event, { s3, sns, events, bucket, topicArn, thresholds, now: () => new Date(), log: jsonLog });
  } catch (err) {
    jsonLog("summarize-failed", { runId: event?.run?.id, error: String(err) });
    throw withoutStackTrace(err);
  }
}
