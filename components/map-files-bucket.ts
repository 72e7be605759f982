import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAP_RUNS_PREFIX, SUMMARIZE_PARTS_PREFIX } from "../functions/run/report-keys";
import { tlsOnlyBucketPolicy } from "../policies/resource-policies";

export interface MapFilesBucketArgs {
  /** Days the Distributed Map's files are kept: long enough to summarise a stopped run again. @default 30 */
  readonly retentionDays?: number;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The Distributed Map's working files: each run's account list and its children's results.
 * Step Functions' ResultWriter writes only to a bucket of the state machine's own account and
 * region, and the report bucket may be elsewhere (a storage account, an existing bucket), so they
 * get a private, encrypted, TLS-only bucket of their own. Nothing here is evidence: the reports,
 * the run's account record and its manifest stay in the report bucket. Summarize's large parts
 * wait here a day at most, on their way into its files.
 */
export class MapFilesBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: MapFilesBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:MapFilesBucket", name, {}, opts);
    const retentionDays = args.retentionDays ?? 30;
    const tags = args.tags ?? {};
    const child = { parent: this };
    // Working files only: the bucket goes with the stack.
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucketPrefix: "credreport-map-files-", forceDestroy: true, tags }, child);
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-retention`,
      {
        bucket: bucket.id,
        rules: [
          { id: "expire-map-files", status: "Enabled", filter: { prefix: MAP_RUNS_PREFIX }, expiration: { days: retentionDays } },
          // Copies of a run's findings on their way into its files: gone the next day, finished or not.
          { id: "expire-summarize-parts", status: "Enabled", filter: { prefix: SUMMARIZE_PARTS_PREFIX }, expiration: { days: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
        ],
      },
      child,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      // S3 rejects a bucket policy while the public access block is being changed.
      { ...child, dependsOn: [publicAccessBlock] },
    );
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
