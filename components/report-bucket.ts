import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { principalArnPatterns } from "../policies/arns";
import { reportBucketPolicy, reportKeyPolicy } from "../policies/resource-policies";

/** Each stored file locked for `days` after it is written: GOVERNANCE (a permission may lift it) or COMPLIANCE (nobody, the root user included). */
export interface ObjectLock {
  readonly mode: "GOVERNANCE" | "COMPLIANCE";
  readonly days: number;
}

/** The report key: none (SSE-S3), a new customer managed key, or an existing key's ARN. */
export type KmsKeyChoice = { readonly kind: "none" } | { readonly kind: "new" } | { readonly kind: "existing"; readonly arn: string };

export interface ReportBucketArgs {
  /** New bucket: its exact name (generated when unset). Existing bucket: required. */
  readonly bucketName?: string;
  /** @default false */
  readonly existingBucket?: boolean;
  /** @default { kind: "none" } (SSE-S3) */
  readonly kmsKey?: KmsKeyChoice;
  /** The prefix the pipeline writes under, e.g. "credential-reports/". */
  readonly reportsPrefix: string;
  /** Expire reports after this many days. @default undefined (keep forever) */
  readonly reportRetentionDays?: number;
  /** S3 Object Lock on a new bucket: every object locked for so many days in that mode. @default undefined (none) */
  readonly objectLock?: ObjectLock;
  /** Keep the bucket, its settings and a new key on `pulumi destroy`. @default true */
  readonly retainOnDestroy?: boolean;
  readonly collectorRoleArn: pulumi.Input<string>;
  readonly summarizeRoleArn: pulumi.Input<string>;
  /** Writes each run's account list. */
  readonly listAccountsRoleArn: pulumi.Input<string>;
  /**
   * IAM roles or users (ARNs) who, besides whoever deploys, may change the bucket's protections
   * (lifecycle, encryption, versioning, Object Lock, its policy) and delete, disable or re-policy a
   * new key. @default [] (the deploying role or user alone)
   */
  readonly evidenceAdministrators?: readonly string[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Where the reports are kept: a private, versioned, encrypted, TLS-only bucket (and optionally a
 * key) made for the pipeline, or an existing bucket and key left as they are. Created in whatever
 * account the component's provider points at, so a storage account needs no manual step.
 */
export class ReportBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The SSE-KMS key, when there is one. */
  readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** The bucket's region, which is the stack's (the writers may use the key only through S3 there). */
  readonly region: pulumi.Output<string>;
  /**
   * With an existing bucket: the statements its owner adds to its bucket policy (JSON), the ones
   * a new bucket's policy has; without them a bucket in another account refuses the pipeline's
   * writers. Empty for a bucket made here, whose policy has them already.
   */
  readonly policyToAdd: pulumi.Output<string>;

  constructor(name: string, args: ReportBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:ReportBucket", name, {}, opts);
    const kmsKey = args.kmsKey ?? { kind: "none" };
    const tags = args.tags ?? {};
    const existing = args.existingBucket ?? false;
    if (existing && !args.bucketName) {
      throw new pulumi.ResourceError("ReportBucket: bucketName is required with existingBucket: true (the bucket to use)", this);
    }
    if (existing && args.objectLock) {
      throw new pulumi.ResourceError("ReportBucket: objectLock needs a new bucket; turn on the existing bucket's Object Lock yourself", this);
    }
    if (existing && kmsKey.kind === "new") {
      throw new pulumi.ResourceError('ReportBucket: kmsKey "new" needs a new bucket; give the existing bucket\'s key ARN or "none"', this);
    }
    this.region = aws.getRegionOutput({}, { parent: this }).region;
    const caller = aws.getCallerIdentityOutput({}, { parent: this });
    const writers = [args.collectorRoleArn, args.summarizeRoleArn, args.listAccountsRoleArn];
    const named = args.evidenceAdministrators ?? [];
    // Whoever deploys stays one: the next `pulumi up` updates these, and KMS refuses a key policy that locks out its caller.
    const administrators = existing ? pulumi.output([...named]) : caller.arn.apply((arn) => [...new Set([...principalArnPatterns(arn), ...named])]);
    const policyFor = (bucketArn: pulumi.Input<string>) =>
      pulumi.all([pulumi.all([bucketArn, ...writers]), administrators]).apply(([[arn, collectorRoleArn, summarizeRoleArn, listAccountsRoleArn], evidenceAdministrators]) =>
        reportBucketPolicy({ bucketArn: arn, prefix: args.reportsPrefix, collectorRoleArn, summarizeRoleArn, listAccountsRoleArn, evidenceAdministrators }),
      );

    if (existing) {
      // Nothing of theirs is changed: the pipeline's roles get their grants in their own policies.
      // It is looked up so that a bucket in another region fails the preview: the Lambdas' S3
      // clients and the kms:ViaService grants use the stack's region.
      const found = aws.s3.getBucketOutput({ bucket: args.bucketName as string }, { parent: this });
      this.region = pulumi.all([found.bucketRegion, this.region]).apply(([bucketRegion, stackRegion]) => {
        if (bucketRegion !== stackRegion) {
          throw new pulumi.ResourceError(
            `ReportBucket: the existing bucket ${JSON.stringify(args.bucketName)} is in ${bucketRegion}, but the stack deploys to ${stackRegion}; ` +
              `deploy the stack in ${bucketRegion} (pulumi config set aws:region ${bucketRegion}) or use a bucket in ${stackRegion}`,
            this,
          );
        }
        return bucketRegion;
      });
      this.bucketName = this.region.apply(() => args.bucketName as string);
      this.bucketArn = found.arn;
      this.kmsKeyArn = pulumi.output(kmsKey.kind === "existing" ? kmsKey.arn : undefined);
      this.policyToAdd = policyFor(found.arn).apply((policy) => JSON.stringify(policy.Statement, null, 2));
      this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, kmsKeyArn: this.kmsKeyArn, region: this.region, policyToAdd: this.policyToAdd });
      return;
    }

    // Evidence outlives the stack unless the user opts out; the settings stay with the bucket,
    // so a retained bucket is still private and encrypted.
    const child = { parent: this, retainOnDelete: args.retainOnDestroy ?? true };

    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { ...(args.bucketName ? { bucket: args.bucketName } : { bucketPrefix: "credential-reports-" }), tags },
      child,
    );
    const key =
      kmsKey.kind === "new"
        ? new aws.kms.Key(
            `${name}-key`,
            {
              description: "Encrypts the organization's IAM credential reports",
              enableKeyRotation: true,
              deletionWindowInDays: 30,
              policy: pulumi
                .all([pulumi.all([partition, caller.accountId, this.region, bucket.arn]), pulumi.all(writers), administrators])
                .apply(([[p, account, region, bucketArn], writerRoleArns, evidenceAdministrators]) =>
                  JSON.stringify(reportKeyPolicy({ partition: p, keyAccountId: account, region, bucketArn, writerRoleArns, evidenceAdministrators })),
                ),
              tags,
            },
            child,
          )
        : undefined;
    this.kmsKeyArn = key ? key.arn : pulumi.output(kmsKey.kind === "existing" ? kmsKey.arn : undefined);

    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    if (args.objectLock) {
      // Turns Object Lock on for a bucket new or already made (no replacement); it needs versioning.
      // The pipeline's PUTs carry a checksum (the SDK's CRC32), which S3 requires of writes into a locked bucket.
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } } },
        { ...child, dependsOn: [versioning] },
      );
    }
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault:
              kmsKey.kind === "none" ? { sseAlgorithm: "AES256" } : { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn as pulumi.Output<string> },
            // One data key per bucket rather than per object: far fewer KMS calls.
            bucketKeyEnabled: kmsKey.kind !== "none",
          },
        ],
      },
      child,
    );
    // The bucket's one lifecycle configuration: an upload Summarize could not finish or abort is
    // dropped after a day (its parts are billed until then), and the retention when there is one.
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-retention`,
      {
        bucket: bucket.id,
        rules: [
          { id: "abort-incomplete-uploads", status: "Enabled", filter: { prefix: args.reportsPrefix }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
          ...(args.reportRetentionDays === undefined
            ? []
            : [
                {
                  id: "expire-credential-reports",
                  status: "Enabled",
                  filter: { prefix: args.reportsPrefix },
                  expiration: { days: args.reportRetentionDays },
                  noncurrentVersionExpiration: { noncurrentDays: args.reportRetentionDays },
                },
              ]),
        ],
      },
      child,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: policyFor(bucket.arn).apply((policy) => JSON.stringify(policy)),
      },
      // S3 rejects a bucket policy while the public access block is being changed.
      { ...child, dependsOn: [publicAccessBlock] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.policyToAdd = pulumi.output("");
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, kmsKeyArn: this.kmsKeyArn, policyToAdd: this.policyToAdd });
  }
}
