import * as pulumi from "@pulumi/pulumi";
import { noticeRule } from "./run-watch";

export interface EvidenceWatchArgs {
  /** The name of the component that makes it; its resources are named after it. */
  readonly owner: string;
  readonly bucketName: pulumi.Input<string>;
  /** The report key, when there is one (new or existing). */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * CloudTrail's names for the calls that change what protects the evidence (Amazon S3 User Guide,
 * "Amazon S3 CloudTrail events"; the IAM actions are in BUCKET_PROTECTION_ACTIONS).
 */
export const BUCKET_PROTECTION_EVENTS = [
  "PutBucketLifecycle",
  "DeleteBucketLifecycle",
  "PutBucketEncryption",
  "DeleteBucketEncryption",
  "PutBucketVersioning",
  "PutObjectLockConfiguration",
  "PutBucketPolicy",
  "DeleteBucketPolicy",
] as const;

export const KEY_PROTECTION_EVENTS = ["ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy"] as const;

/** The EventBridge pattern of CloudTrail's record of such a call on the report bucket. */
export function bucketProtectionPattern(bucketName: string): object {
  return {
    source: ["aws.s3"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: ["s3.amazonaws.com"], eventName: [...BUCKET_PROTECTION_EVENTS], requestParameters: { bucketName: [bucketName] } },
  };
}

/** The same for the report key: KMS names the key in the record's resources whatever id the caller gave. */
export function keyProtectionPattern(keyArn: string): object {
  return {
    source: ["aws.kms"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: ["kms.amazonaws.com"], eventName: [...KEY_PROTECTION_EVENTS], resources: { ARN: [keyArn] } },
  };
}

/** The notice: who changed what, and when; JSON, as the run's other notices. */
export const PROTECTION_CHANGED_NOTICE = {
  inputPaths: { call: "$.detail.eventName", by: "$.detail.userIdentity.arn", at: "$.detail.eventTime", account: "$.account", region: "$.region" },
  inputTemplate: `{
  "notice": "<call> was called on the credential reports' bucket or key by <by>. A deploy of the stack does this too; anyone else is refused unless they are an evidence administrator.",
  "call": "<call>",
  "by": "<by>",
  "at": "<at>",
  "account": "<account>",
  "region": "<region>",
  "whatToDo": "docs/operations.md \\"Evidence protection changed\\""
}`,
};

/**
 * Every change to what protects the evidence is heard on the topic, allowed or not, from
 * CloudTrail's record of the call through EventBridge (which needs a trail logging management
 * events in the account). The bucket and key policies refuse such calls to all but the evidence
 * administrators; this is what tells of the calls they make, and of the root user's.
 */
export function watchEvidence(parent: pulumi.Resource, args: EvidenceWatchArgs): void {
  const watch = (name: string, description: string, eventPattern: pulumi.Input<string>) =>
    noticeRule(parent, `${args.owner}-${name}`, { description, eventPattern, notice: PROTECTION_CHANGED_NOTICE, topicArn: args.topicArn, tags: args.tags });
  watch("bucket-protection-changed", "A change to the credential report bucket's lifecycle, encryption, versioning, Object Lock or policy", pulumi.output(args.bucketName).apply((bucket) => JSON.stringify(bucketProtectionPattern(bucket))));
  if (args.kmsKeyArn) {
    watch("key-protection-changed", "The credential report key scheduled for deletion, disabled, or its policy replaced", pulumi.output(args.kmsKeyArn).apply((key) => JSON.stringify(keyProtectionPattern(key))));
  }
}
