import { GetBucketPolicyCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { REPORTS_PREFIX } from "../functions/run/report-keys";
import { ONLY_PIPELINE_WRITES_SID } from "../policies/resource-policies";
import { sessionRole } from "../policies/arns";
import { GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describeAwsError, isNetworkError } from "../functions/run/errors";
import type { AwsClients } from "../local/aws-clients";

export interface PreflightTarget {
  readonly bucket: string;
  readonly topicArn?: string;
  /** The --endpoint given, if any: a refused connection names it. */
  readonly endpoint?: string;
  readonly region: string;
  /** The command will write run files into the bucket (run, summarize --write-manifest): a deployed stack's bucket refuses that. */
  readonly writes?: boolean;
}

/**
 * A few calls before a run, so that a wrong bucket, topic, endpoint or set of credentials is found
 * before any account is touched: who we are (STS), that the bucket is there and ours to use
 * (one listing of the reports prefix, which leaves nothing behind and needs no more than reading
 * the runs does: HeadBucket would need ListBucket on the whole bucket), that the topic is there. Returns every problem, each
 * naming the flag behind it; none when all is well.
 */
export async function preflight(clients: AwsClients, target: PreflightTarget): Promise<string[]> {
  const where = target.endpoint ? `${target.endpoint} (--endpoint)` : `AWS in ${target.region} (--region)`;
  let caller = "";
  try {
    caller = (await clients.sts.send(new GetCallerIdentityCommand({}))).Arn ?? "";
  } catch (err) {
    if (isNetworkError(err)) return [`cannot reach ${where}: ${networkReason(err)}`];
    // The SDK's own error when no credentials are found anywhere: nothing was sent yet.
    if (err instanceof Error && err.name === "CredentialsProviderError") {
      return [`no AWS credentials found (environment, profile or instance role): ${err.message}`];
    }
    const aws = describeAwsError(err);
    return [`the credentials were refused by ${where}: ${aws.code}: ${aws.message}`];
  }
  const problems: string[] = [];
  try {
    await clients.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: REPORTS_PREFIX, MaxKeys: 1 }));
    if (target.writes) problems.push(...(await refusesWritesBy(clients, target.bucket, caller)));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) problems.push(`--bucket: there is no bucket ${JSON.stringify(target.bucket)} at ${where}`);
    else if (status === 403) problems.push(`--bucket: bucket ${JSON.stringify(target.bucket)} exists, but these credentials may not use it (403)`);
    else if (status === 301) problems.push(`--bucket: bucket ${JSON.stringify(target.bucket)} is in another region than ${target.region} (--region)`);
    else problems.push(`--bucket: bucket ${JSON.stringify(target.bucket)} could not be checked: ${describeAwsError(err).code}`);
  }
  if (target.topicArn) {
    try {
      await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: target.topicArn }));
    } catch (err) {
      const aws = describeAwsError(err);
      problems.push(
        aws.code === "NotFound" || aws.code === "NotFoundException"
          ? `--topic-arn: there is no topic ${target.topicArn} at ${where}`
          : `--topic-arn: topic ${target.topicArn} could not be checked: ${aws.code}: ${aws.message}`,
      );
    }
  }
  return problems;
}

/**
 * Whether the bucket is a deployed stack's, whose policy lets only the pipeline's roles write run
 * files: a run with other credentials would be refused at its first write. Told from the policy
 * when the caller may read it; otherwise nothing is said, and a refusal names itself later.
 */
async function refusesWritesBy(clients: AwsClients, bucket: string, callerArn: string): Promise<string[]> {
  let policy: { Statement?: { Sid?: string; Condition?: { ArnNotEquals?: Record<string, string | string[]> } }[] };
  try {
    policy = JSON.parse((await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}");
  } catch {
    return [];
  }
  const writers = policy.Statement?.find((s) => s.Sid === ONLY_PIPELINE_WRITES_SID)?.Condition?.ArnNotEquals?.["aws:PrincipalArn"];
  // aws:PrincipalArn of a role session is its role's ARN.
  const principal = sessionRole(callerArn) ?? callerArn;
  if (!writers || [writers].flat().includes(principal)) return [];
  return [
    `--bucket: s3://${bucket} is a deployed stack's report bucket: its policy (${ONLY_PIPELINE_WRITES_SID}) lets only the pipeline's roles write run files, not ${principal}. ` +
      "Start a run of the deployed pipeline instead ($(pulumi stack output startRunCommand)), or give run a bucket of your own",
  ];
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(": ");
}
