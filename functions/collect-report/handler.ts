import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import type { CollectInput } from "../contracts";
import { withoutStackTrace } from "../errors";
import { requiredEnv } from "../env";
import { jsonLog } from "../log";
import { collectReport } from "./collect-report";

const sts = new STSClient({});
const s3 = new S3Client({});
const ownIam = new IAMClient({});
const bucket = requiredEnv(process.env, "REPORT_BUCKET");
const memberRoleName = requiredEnv(process.env, "MEMBER_ROLE_NAME");

export async function handler(event: CollectInput, context: Context) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, , , ownAccountId] = context.invokedFunctionArn.split(":");
  try {
    return await collectReport(event, {
      sts,
      s3,
      iamClient: (credentials) => (credentials ? new IAMClient({ credentials }) : ownIam),
      bucket,
      memberRoleName,
      ownAccountId,
      partition,
      log: jsonLog,
    });
  } catch (err) {
    jsonLog("collect-failed", { accountId: event?.account?.id, runId: event?.run?.id, error: String(err) });
    throw withoutStackTrace(err);
  }
}
