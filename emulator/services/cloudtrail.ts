import { randomUUID } from "node:crypto";
import type { Authorizer, CallRecord } from "../authorizer/authorizer";
import { keyArnOf } from "../authorizer/authorization-checks";
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

/** The KMS key operations recorded here: the ones the key's watch rule matches, and their undoing. */
const KMS_EVENT_NAMES = new Set(["ScheduleKeyDeletion", "CancelKeyDeletion", "DisableKey", "EnableKey", "PutKeyPolicy"]);

/**
 * What EventBridge receives from CloudTrail for a management call on a bucket or a KMS key,
 * allowed or refused: an "AWS API Call via CloudTrail" event with the caller, the call's name and
 * the bucket or key, in the shape of the CloudTrail User Guide's records ("CloudTrail record
 * contents"). Only the operations above are recorded here; other calls give nothing.
 */
function cloudTrailEvent(record: CallRecord): BusEvent | undefined {
  const { call, principal, status } = record;
  const s3EventName = call.service === "s3" && call.s3?.key === undefined ? S3_EVENT_NAMES[call.operation] : undefined;
  const kmsEventName = call.service === "kms" && KMS_EVENT_NAMES.has(call.operation) ? call.operation : undefined;
  const eventName = s3EventName ?? kmsEventName;
  if (!eventName || !principal) return undefined;
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  // KMS names the key by its ARN in the record, whatever id the caller gave.
  const keyArn = keyArnOf(String(call.params.KeyId ?? ""), { partition: "aws", region: call.region, account: principal.accountId });
  return {
    source: s3EventName ? "aws.s3" : "aws.kms",
    "detail-type": "AWS API Call via CloudTrail",
    account: principal.accountId,
    region: call.region,
    time,
    resources: [],
    detail: {
      eventVersion: "1.09",
      userIdentity: { type: principal.arn.includes(":assumed-role/") ? "AssumedRole" : "IAMUser", arn: principal.arn, accountId: principal.accountId },
      eventTime: time,
      eventSource: s3EventName ? "s3.amazonaws.com" : "kms.amazonaws.com",
      eventName,
      awsRegion: call.region,
      requestParameters: s3EventName ? { bucketName: call.s3?.bucket } : { keyId: keyArn },
      ...(kmsEventName ? { resources: [{ ARN: keyArn, accountId: principal.accountId, type: "AWS::KMS::Key" }] } : {}),
      ...(status >= 300 ? { errorCode: record.errorCode ?? (status === 403 ? "AccessDenied" : String(status)) } : {}),
      readOnly: false,
      managementEvent: true,
      eventCategory: "Management",
    },
  };
}

/**
 * CloudTrail from now on: each call recorded above kept in the event history (LookupEvents, which
 * moto lacks: filtered by one EventName attribute as the API allows, newest first) and handed to
 * `deliver`, as CloudTrail hands its events to EventBridge.
 */
export function recordCloudTrail(authorizer: Authorizer, deliver: (event: BusEvent) => void): void {
  const history: BusEvent[] = [];
  authorizer.watchCalls((record) => {
    const event = cloudTrailEvent(record);
    if (!event) return;
    history.push(event);
    deliver(event);
  });
  authorizer.serve("cloudtrail:LookupEvents", (call) => {
    const attributes = (call.params.LookupAttributes as { AttributeKey?: string; AttributeValue?: string }[] | undefined) ?? [];
    const name = attributes.find((a) => a.AttributeKey === "EventName")?.AttributeValue;
    const events = history
      .filter((event) => !name || event.detail.eventName === name)
      .reverse()
      .map((event) => ({
        EventId: randomUUID(),
        EventName: event.detail.eventName,
        ReadOnly: "false",
        EventTime: Date.parse(event.time) / 1000,
        EventSource: event.detail.eventSource,
        Username: String((event.detail.userIdentity as { arn: string }).arn.split("/").pop()),
        CloudTrailEvent: JSON.stringify(event.detail),
      }));
    return { status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ Events: events }) };
  });
}
