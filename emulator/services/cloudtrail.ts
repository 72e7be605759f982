import type { CallRecord } from "../authorizer/authorizer";
import type { BusEvent } from "./step-functions";

/** The S3 API's bucket operations and the names CloudTrail records them by (Amazon S3 User Guide, "Amazon S3 CloudTrail events"). */
const S3_EVENT_NAMES: Readonly<Record<string, string>> = {
  PutBucketLifecycleConfiguration: "PutBucketLifecycle",
  DeleteBucketLifecycle: "DeleteBucketLifecycle",
  PutBucketEncryption: "PutBucketEncryption",
  DeleteBucketEncryption: "DeleteBucketEncryption",
  PutBucketVersioning: "PutBucketVersioning",
  PutObjectLockConfiguration: "PutObjectLockConfiguration",
  PutBucketPolicy: "PutBucketPolicy",
  DeleteBucketPolicy: "DeleteBucketPolicy",
};

/**
 * What EventBridge receives from CloudTrail for a management call on a bucket, allowed or refused:
 * an "AWS API Call via CloudTrail" event with the caller, the call's name and the bucket, in the
 * shape of the CloudTrail User Guide's records ("CloudTrail record contents"). Only the bucket
 * operations above are recorded here; other calls give nothing.
 */
export function cloudTrailEvent(record: CallRecord): BusEvent | undefined {
  const { call, principal, status } = record;
  const eventName = call.service === "s3" && call.s3?.key === undefined ? S3_EVENT_NAMES[call.operation] : undefined;
  if (!eventName || !principal) return undefined;
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return {
    source: "aws.s3",
    "detail-type": "AWS API Call via CloudTrail",
    account: principal.accountId,
    region: call.region,
    time,
    resources: [],
    detail: {
      eventVersion: "1.09",
      userIdentity: { type: principal.arn.includes(":assumed-role/") ? "AssumedRole" : "IAMUser", arn: principal.arn, accountId: principal.accountId },
      eventTime: time,
      eventSource: "s3.amazonaws.com",
      eventName,
      awsRegion: call.region,
      requestParameters: { bucketName: call.s3?.bucket },
      ...(status >= 300 ? { errorCode: status === 403 ? "AccessDenied" : String(status) } : {}),
      readOnly: false,
      managementEvent: true,
      eventCategory: "Management",
    },
  };
}
