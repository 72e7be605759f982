import { accountRoot, objectsUnder, type RunFileWriter, runFilesOf } from "./arns";
import { policyDocument, type PolicyDocument } from "./document";
import { ONLY_IF_ABSENT_CREATES, useKeyThroughS3 } from "./pipeline-policies";

export interface BucketPolicyArgs {
  readonly bucketArn: string;
  readonly prefix: string;
  /** Stores reports (CollectReport). */
  readonly collectorRoleArn: string;
  /** Checks reports and stores the manifest (Summarize). */
  readonly summarizeRoleArn: string;
  /** Stores the run's account list (ListAccounts). */
  readonly listAccountsRoleArn: string;
  /**
   * The only principals (aws:PrincipalArn patterns) who may change the bucket's protections. None:
   * the statement is left out (an existing bucket whose owner named nobody).
   */
  readonly evidenceAdministrators?: readonly string[];
}

/** The bucket policy statement that keeps writes under the prefix to the pipeline's roles: the CLI recognises a stack's bucket by it. */
export const ONLY_PIPELINE_WRITES_SID = "DenyRunFileWritesByOthers";

/**
 * What would undo the bucket's protections without touching an object: a lifecycle rule that
 * expires everything (S3 Lifecycle is not subject to the bucket policy, and its deletions are not
 * data events), encryption, versioning, Object Lock, and the policy itself. Each IAM action also
 * covers its Delete call (DeleteBucketLifecycle needs s3:PutLifecycleConfiguration).
 */
export const BUCKET_PROTECTION_ACTIONS = [
  "s3:PutLifecycleConfiguration",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
] as const;

/** What would make every report unreadable, the compliance-locked ones included: the key deleted, disabled, or its policy replaced. */
export const KEY_PROTECTION_ACTIONS = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"] as const;

/**
 * The report bucket's policy: TLS only; under the reports prefix write-once and never deleted, for
 * everyone; only the pipeline's three writers write there, each only its own files (arns.ts
 * RUN_FILES), whatever their identity policies say; they read and list the prefix. The grants
 * matter when the bucket is in another account; in the same account they repeat the identity
 * policies. S3 Lifecycle expiry (reportRetentionDays) is S3's own and not subject to these Denies.
 */
export function reportBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
  const writers: Record<RunFileWriter, string> = { collector: args.collectorRoleArn, summarize: args.summarizeRoleArn, listAccounts: args.listAccountsRoleArn };
  const runFiles = objectsUnder(args.bucketArn, args.prefix);
  const title = (writer: RunFileWriter) => writer[0].toUpperCase() + writer.slice(1);
  return policyDocument(
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [args.bucketArn, `${args.bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      // Stored evidence is never replaced: S3 itself refuses a PUT under the prefix that is not
      // "only if absent" (If-None-Match: *), whoever sends it. What AWS services write without
      // that header (Step Functions results, Athena results) lives under prefixes of its own.
      Sid: "DenyPutUnlessAbsent",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: runFiles,
      Condition: ONLY_IF_ABSENT_CREATES,
    },
    {
      // Nor deleted, by anyone: not a version, not a governance-mode Object Lock by bypassing it.
      Sid: "DenyDeletingRunFiles",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:DeleteObject*", "s3:BypassGovernanceRetention"],
      Resource: runFiles,
    },
    {
      Sid: ONLY_PIPELINE_WRITES_SID,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: runFiles,
      Condition: { ArnNotEquals: { "aws:PrincipalArn": Object.values(writers) } },
    },
    ...(Object.keys(writers) as RunFileWriter[]).map((writer) => ({
      Sid: `Deny${title(writer)}WritesBeyondItsFiles`,
      Effect: "Deny" as const,
      Principal: "*" as const,
      Action: "s3:PutObject",
      NotResource: runFilesOf(args.bucketArn, args.prefix, writer),
      Condition: { ArnEquals: { "aws:PrincipalArn": writers[writer] } },
    })),
    ...(Object.keys(writers) as RunFileWriter[]).map((writer) => ({
      Sid: `Allow${title(writer)}ToStoreItsFiles`,
      Effect: "Allow" as const,
      Principal: { AWS: writers[writer] },
      // Summarize's large files are multipart uploads, which it drops when they cannot complete.
      Action: writer === "summarize" ? ["s3:PutObject", "s3:AbortMultipartUpload"] : "s3:PutObject",
      Resource: runFilesOf(args.bucketArn, args.prefix, writer),
    })),
    {
      Sid: "AllowPipelineToReadRunFiles",
      Effect: "Allow",
      Principal: { AWS: Object.values(writers) },
      Action: "s3:GetObject",
      Resource: runFiles,
    },
    {
      Sid: "AllowPipelineToListRunFiles",
      Effect: "Allow",
      Principal: { AWS: Object.values(writers) },
      Action: "s3:ListBucket",
      Resource: args.bucketArn,
      Condition: { StringLike: { "s3:prefix": `${args.prefix}*` } },
    },
    ...(args.evidenceAdministrators?.length
      ? [
          {
            // Whatever their identity policies say: only the named administrators change what protects
            // the evidence. The account's root user can still delete a bucket policy (S3 keeps that
            // door open to undo a lockout): docs/operations.md, "Threat model".
            Sid: "DenyProtectionChangesByOthers",
            Effect: "Deny" as const,
            Principal: "*" as const,
            Action: [...BUCKET_PROTECTION_ACTIONS],
            Resource: args.bucketArn,
            Condition: { ArnNotLike: { "aws:PrincipalArn": [...args.evidenceAdministrators] } },
          },
        ]
      : []),
  );
}

/** A bucket's policy that only denies requests made without TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return policyDocument({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}

export interface KeyPolicyArgs {
  readonly partition: string;
  /** The account that owns the key (the storage account when there is one). */
  readonly keyAccountId: string;
  readonly region: string;
  readonly writerRoleArns: readonly string[];
  /** The one bucket the key serves. */
  readonly bucketArn: string;
  /** The only principals (aws:PrincipalArn patterns) who may delete or disable the key, or change its policy. */
  readonly evidenceAdministrators: readonly string[];
}

/**
 * The report key's policy: its own account administers it, but only the evidence administrators
 * may delete or disable it or replace this policy (a key policy's Deny binds the root user too);
 * the writers may use it only through S3.
 */
export function reportKeyPolicy(args: KeyPolicyArgs): PolicyDocument {
  return policyDocument(
    {
      Sid: "AllowKeyAccountToAdminister",
      Effect: "Allow",
      Principal: { AWS: accountRoot(args.partition, args.keyAccountId) },
      // KMS's standard first statement: without it no one could ever change or delete the key.
      // It hands the decision to that account's own IAM policies, not to everyone.
      Action: "kms:*",
      Resource: "*",
    },
    {
      // KMS refuses a policy that would lock out its own caller, so the deploying role is always one.
      Sid: "DenyKeyDestructionByOthers",
      Effect: "Deny",
      Principal: "*",
      Action: [...KEY_PROTECTION_ACTIONS],
      Resource: "*",
      Condition: { ArnNotLike: { "aws:PrincipalArn": [...args.evidenceAdministrators] } },
    },
    // In a key policy, Resource "*" means this key.
    { ...useKeyThroughS3("AllowPipelineToEncryptThroughS3", args.region, "*", args.bucketArn), Principal: { AWS: args.writerRoleArns } },
  );
}

export interface TopicPolicyArgs {
  readonly partition: string;
  /** The pipeline's account and region, where its alarms are. */
  readonly accountId: string;
  readonly region: string;
  readonly topicArn: string;
  /** The roles that publish: the state machine's (failures) and Summarize's (run summary). */
  readonly publisherRoleArns: readonly string[];
}

/** The services that tell of runs the pipeline itself cannot: EventBridge (a run that ended badly) and CloudWatch (alarms). */
export const NOTIFYING_SERVICES = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] as const;

/**
 * The topic's policy: the pipeline's roles publish, and so do EventBridge (a run that failed, timed
 * out or was aborted) and CloudWatch (its alarms); nobody else, and only over TLS.
 */
export function topicPolicy(args: TopicPolicyArgs): PolicyDocument {
  return policyDocument(
    {
      Sid: "AllowPipelineToPublish",
      Effect: "Allow",
      Principal: { AWS: args.publisherRoleArns },
      Action: "sns:Publish",
      Resource: args.topicArn,
    },
    {
      // "You can't use Condition blocks in Amazon SNS topic policies for EventBridge" (EventBridge
      // User Guide, "Using resource-based policies for Amazon EventBridge"): only this account's
      // rules can name the topic as a target without a role.
      Sid: "AllowEventBridgeToPublish",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: args.topicArn,
    },
    {
      Sid: "AllowCloudWatchAlarmsToPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: args.topicArn,
      // The confused deputy: only alarms of this account.
      Condition: {
        ArnLike: { "aws:SourceArn": `arn:${args.partition}:cloudwatch:${args.region}:${args.accountId}:alarm:*` },
        StringEquals: { "aws:SourceAccount": args.accountId },
      },
    },
    {
      Sid: "DenyPublishByAnyoneElse",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: args.topicArn,
      // An identity policy in this account could otherwise grant sns:Publish on its own. AWS
      // services are allowed by name above (a service principal has no aws:PrincipalArn).
      Condition: { ArnNotEquals: { "aws:PrincipalArn": args.publisherRoleArns }, Bool: { "aws:PrincipalIsAWSService": "false" } },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: args.topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}

export interface NoticeKeyPolicyArgs {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** The roles that publish to the topic the key encrypts. */
  readonly publisherRoleArns: readonly string[];
}

/**
 * The notice topic's key: a key of this account, because EventBridge and CloudWatch cannot use
 * the AWS managed key of SNS (its policy cannot be changed); the publishers use it only through
 * SNS. In a key policy, Resource "*" means this key.
 */
export function noticeKeyPolicy(args: NoticeKeyPolicyArgs): PolicyDocument {
  const encrypt = ["kms:GenerateDataKey", "kms:Decrypt"];
  return policyDocument(
    { Sid: "AllowKeyAccountToAdminister", Effect: "Allow", Principal: { AWS: accountRoot(args.partition, args.accountId) }, Action: "kms:*", Resource: "*" },
    {
      Sid: "AllowPublishersThroughSns",
      Effect: "Allow",
      Principal: { AWS: args.publisherRoleArns },
      Action: encrypt,
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": `sns.${args.region}.amazonaws.com` } },
    },
    { Sid: "AllowNotifyingServices", Effect: "Allow", Principal: { Service: [...NOTIFYING_SERVICES] }, Action: encrypt, Resource: "*" },
  );
}

/** The dead-letter queue of the schedule: Scheduler sends a start it could not make, as the schedule's role; over TLS only. */
export function deadLetterQueuePolicy(queueArn: string): PolicyDocument {
  return policyDocument({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } });
}
