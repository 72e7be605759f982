import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { unsupportedRuntime } from "./lambda-runtimes";
import { asList, deniesInsecureTransport, policyDocumentsOf, statementsOf, templateRoles, trustedPrincipals, wildcardGrants } from "./policy-documents";

/** The name the policy pack runs under (`pulumi preview --policy-pack policies/pack`). */
export const POLICY_PACK_NAME = "credreport-guardrails";

// Type tokens rather than @pulumi/aws classes: the pack then loads without the provider SDK's
// typings, and it checks any stack, whatever version of @pulumi/aws the stack uses.
const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACL_TYPES = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
const ENCRYPTION_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const LAMBDA_FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const STACK_SET = "aws:cloudformation/stackSet:StackSet";
const KMS_KEY = "aws:kms/key:Key";

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/**
 * The resources of the given types that configure this bucket. The engine records which resource
 * an input came from even while its value is still unknown in a preview, so a setting made with
 * `bucket: bucket.id` is found on the first preview too.
 */
function settingsOf(bucket: PolicyResource, types: readonly string[], resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type) && (r.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn));
}

/** A stack policy that holds every bucket of the stack to a check; `problems` says what is wrong with one bucket. */
function everyBucket(
  name: string,
  description: string,
  problems: (bucket: PolicyResource, resources: readonly PolicyResource[]) => (string | undefined)[],
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, reportViolation) => {
      for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
        for (const problem of problems(bucket, resources)) if (problem) reportViolation(`bucket ${bucket.name} ${problem}`, bucket.urn);
      }
    },
  };
}

const bucketNotPublic = everyBucket("report-bucket-not-public", "Every S3 bucket blocks all public access and grants none through an ACL.", (bucket, resources) => {
  const blocks = settingsOf(bucket, [PUBLIC_ACCESS_BLOCK], resources);
  const acls = [bucket.props.acl, ...settingsOf(bucket, ACL_TYPES, resources).map((acl) => acl.props.acl)];
  const publicAcl = acls.find((acl) => PUBLIC_ACLS.includes(acl));
  return [
    blocks.some((block) => PUBLIC_ACCESS_FLAGS.every((flag) => block.props[flag] === true))
      ? undefined
      : `needs a BucketPublicAccessBlock with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true`,
    publicAcl && `is made public by the ${publicAcl} ACL`,
  ];
});

const bucketEncrypted = everyBucket("report-bucket-encrypted", "Every S3 bucket has default encryption (SSE-S3 or SSE-KMS) configured.", (bucket, resources) => {
  const rules = [
    bucket.props.serverSideEncryptionConfiguration?.rule,
    ...settingsOf(bucket, ENCRYPTION_TYPES, resources).flatMap((config) => asList(config.props.rules)),
  ];
  const encrypted = rules.some((rule) => SSE_ALGORITHMS.includes(rule?.applyServerSideEncryptionByDefault?.sseAlgorithm));
  return [encrypted ? undefined : `needs a BucketServerSideEncryptionConfiguration with sseAlgorithm ${SSE_ALGORITHMS.join(" or ")}`];
});

const bucketTlsOnly = everyBucket("report-bucket-tls-only", "Every S3 bucket has a bucket policy that denies requests made without TLS.", (bucket, resources) => {
  const policies = settingsOf(bucket, [BUCKET_POLICY], resources);
  const tlsOnly = policies.some((policy) => deniesInsecureTransport(statementsOf(policy.props.policy)));
  return [tlsOnly ? undefined : 'needs a bucket policy statement that denies s3:* on its objects to "*" when aws:SecureTransport is false'];
});

const noWildcardActions: ResourceValidationPolicy = {
  name: "no-wildcard-iam-actions",
  description:
    'No IAM, resource or key policy statement (nor one in a CloudFormation template) allows an action with a wildcard ("*", "s3:*", "s3:Put*", "*:Get*", "s3:Get?bject") or every action but some (NotAction); a key\'s policy may give kms:* to its own account, as KMS\'s default does. Deny statements may use wildcards.',
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, reportViolation) => {
    for (const document of policyDocumentsOf(type, props)) {
      for (const { statement, grants } of wildcardGrants(document.statements, type === KMS_KEY)) {
        reportViolation(`${document.where}: statement ${statement.Sid ?? "without a Sid"} allows ${grants}; list the exact actions it needs in Action, with no * or ?`);
      }
    }
  },
};

/** `today` is read on every check, so a long-lived pack process still sees the date move. */
function lambdaRuntimeSupported(today: () => Date): ResourceValidationPolicy {
  return {
    name: "lambda-runtime-supported",
    description: "Every Lambda function uses a runtime that AWS has not deprecated.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, reportViolation) => {
      // A container image brings its own runtime.
      if (type !== LAMBDA_FUNCTION || props.packageType === "Image" || typeof props.runtime !== "string") return;
      const problem = unsupportedRuntime(props.runtime, today());
      if (problem) reportViolation(problem);
    },
  };
}

const logGroupRetention: ResourceValidationPolicy = {
  name: "log-group-retention",
  description: "Every CloudWatch log group expires its events (retentionInDays set and above 0).",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, reportViolation) => {
    if (type !== LOG_GROUP) return;
    const days = props.retentionInDays;
    if (!(typeof days === "number" && days > 0)) {
      reportViolation(`log group keeps its events forever: set retentionInDays to one of CloudWatch Logs' periods (got ${JSON.stringify(days ?? null)})`);
    }
  },
};

const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/.+$/;

const stackSetRoleTrustsPipelineRoles: ResourceValidationPolicy = {
  name: "stackset-role-trusts-pipeline-roles",
  description: "Every IAM role a StackSet deploys into member accounts trusts only named IAM roles of one account (the pipeline's), never an account, a service or everyone.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, reportViolation) => {
    if (type !== STACK_SET || typeof props.templateBody !== "string") return;
    for (const role of templateRoles(props.templateBody)) {
      const principals = trustedPrincipals(role.trust);
      const notRoles = principals.filter((p) => typeof p !== "string" || !ROLE_ARN.test(p));
      const accounts = [...new Set(principals.map((p) => ROLE_ARN.exec(String(p))?.[1]).filter(Boolean))];
      if (principals.includes("*")) {
        reportViolation(`role ${role.logicalId} trusts any principal; it must trust only the pipeline's roles`);
      } else if (principals.length === 0 || notRoles.length > 0) {
        reportViolation(
          `role ${role.logicalId} trusts ${notRoles.map((p) => JSON.stringify(p)).join(", ") || "no principal"}, not an IAM role ARN; it must trust only the pipeline's roles`,
        );
      } else if (accounts.length > 1) {
        reportViolation(`role ${role.logicalId} trusts roles of ${accounts.length} accounts (${accounts.join(", ")}); it must trust only the pipeline's roles, in one account`);
      }
    }
  },
};

/**
 * The guarantees this project makes, as policies that hold any stack to them.
 * @param today the clock for runtime deprecation dates. @default the system clock
 */
export function guardrails(today: () => Date = () => new Date()): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [bucketNotPublic, bucketEncrypted, bucketTlsOnly, noWildcardActions, lambdaRuntimeSupported(today), logGroupRetention, stackSetRoleTrustsPipelineRoles];
}
