import { accountRoot, objectsUnder } from "./arns";
import { policyDocument, type PolicyDocument } from "./document";
import { useKeyThroughS3 } from "./pipeline-policies";

export interface BucketPolicyArgs {
  readonly bucketArn: string;
  readonly prefix: string;
  /** Stores reports (CollectReport). */
  readonly collectorRoleArn: string;
  /** Checks reports and stores the manifest (Summarize). */
  readonly summarizeRoleArn: string;
  /** Stores the run's account list (ListAccounts). */
  readonly listAccountsRoleArn: string;
}

/**
 * The report bucket's policy: TLS only; write-once under the reports prefix, for everyone; and the
 * pipeline's writers on that prefix. The grants matter when the bucket is in another account; in
 * the same account they repeat the identity policies.
 */
export function reportBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
  const writers = [args.collectorRoleArn, args.summarizeRoleArn, args.listAccountsRoleArn];
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
      Resource: objectsUnder(args.bucketArn, args.prefix),
      Condition: { Null: { "s3:if-none-match": "true" } },
    },
    {
      Sid: "AllowPipelineToStoreRunFiles",
      Effect: "Allow",
      Principal: { AWS: writers },
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: objectsUnder(args.bucketArn, args.prefix),
    },
    {
      Sid: "AllowPipelineToListRunFiles",
      Effect: "Allow",
      Principal: { AWS: writers },
      Action: "s3:ListBucket",
      Resource: args.bucketArn,
      Condition: { StringLike: { "s3:prefix": `${args.prefix}*` } },
    },
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
}

/** The report key's policy: its own account administers it; the writers may use it only through S3. */
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
    // In a key policy, Resource "*" means this key.
    { ...useKeyThroughS3("AllowPipelineToEncryptThroughS3", args.region, "*"), Principal: { AWS: args.writerRoleArns } },
  );
}

export interface TopicPolicyArgs {
  readonly topicArn: string;
  /** The roles that publish: the state machine's (failures) and Summarize's (run summary). */
  readonly publisherRoleArns: readonly string[];
}

/** The topic's policy: only the pipeline's roles publish, over TLS. */
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
      Sid: "DenyPublishByAnyoneElse",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: args.topicArn,
      // An identity policy in this account could otherwise grant sns:Publish on its own.
      Condition: { ArnNotEquals: { "aws:PrincipalArn": args.publisherRoleArns } },
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
