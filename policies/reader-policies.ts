import { objectsUnder } from "./arns";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "./document";

export interface ReadReportsPolicyArgs {
  readonly bucketArn: string;
  readonly prefix: string;
  /** The bucket's KMS key, when it has one: read through S3 only. */
  readonly kmsKeyArn?: string;
  /** The bucket's region, for kms:ViaService. */
  readonly region: string;
}

/**
 * What a reader of the runs needs, and nothing more: list and read under the reports prefix (the
 * files, the page, the trend; `history`, `summarize --bucket` and `fetch`), and decrypt them
 * through S3 when the bucket has a key. Attached to a security lead's role or group; the stack
 * gives it as the output readReportsPolicy.
 */
export function readReportsPolicy(args: ReadReportsPolicyArgs): PolicyDocument {
  const decrypt: PolicyStatement[] = args.kmsKeyArn
    ? [
        {
          Sid: "DecryptRunFilesThroughS3",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: args.kmsKeyArn,
          Condition: { StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` } },
        },
      ]
    : [];
  return policyDocument(
    { Sid: "ListRunFiles", Effect: "Allow", Action: "s3:ListBucket", Resource: args.bucketArn, Condition: { StringLike: { "s3:prefix": `${args.prefix}*` } } },
    { Sid: "ReadRunFiles", Effect: "Allow", Action: "s3:GetObject", Resource: objectsUnder(args.bucketArn, args.prefix) },
    ...decrypt,
  );
}
