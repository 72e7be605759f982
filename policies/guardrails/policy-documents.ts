import { parse as parseYaml } from "yaml";

/** A statement as it may appear in any deployed policy document (IAM accepts more shapes than we write). */
export interface AnyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A policy document found in a resource's inputs, named by where it sits. */
export interface FoundDocument {
  readonly where: string;
  readonly statements: readonly AnyStatement[];
}

/** One IAM role declared in a CloudFormation template, with its trust policy. */
export interface TemplateRole {
  readonly logicalId: string;
  readonly trust: readonly AnyStatement[];
}

/** The inputs that hold a policy document, by resource type. */
const POLICY_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "aws:iam/policy:Policy": ["policy"],
  "aws:iam/rolePolicy:RolePolicy": ["policy"],
  "aws:iam/userPolicy:UserPolicy": ["policy"],
  "aws:iam/groupPolicy:GroupPolicy": ["policy"],
  "aws:iam/role:Role": ["assumeRolePolicy"],
  "aws:s3/bucketPolicy:BucketPolicy": ["policy"],
  "aws:sns/topicPolicy:TopicPolicy": ["policy"],
  "aws:sqs/queuePolicy:QueuePolicy": ["policy"],
  "aws:kms/key:Key": ["policy"],
};

/** Resource types whose `templateBody` is a CloudFormation template. */
export const TEMPLATE_TYPES: readonly string[] = ["aws:cloudformation/stackSet:StackSet", "aws:cloudformation/stack:Stack"];

export const asList = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** The statements of a policy document given as JSON text or as an object (the SDK accepts both). */
export function statementsOf(document: unknown): AnyStatement[] {
  const parsed = typeof document === "string" ? JSON.parse(document) : document;
  return asList((parsed as { Statement?: unknown } | undefined)?.Statement) as AnyStatement[];
}

/** Every policy document in a resource's inputs: policies, trust policies, inline role policies, templates' IAM. */
export function policyDocumentsOf(type: string, props: Record<string, unknown>): FoundDocument[] {
  const found: FoundDocument[] = [];
  for (const input of POLICY_INPUTS[type] ?? []) {
    if (props[input] !== undefined) found.push({ where: input, statements: statementsOf(props[input]) });
  }
  if (type === "aws:iam/role:Role") {
    for (const inline of asList(props.inlinePolicies) as { name?: string; policy?: unknown }[]) {
      if (inline.policy !== undefined) found.push({ where: `inlinePolicies ${inline.name ?? ""}`.trim(), statements: statementsOf(inline.policy) });
    }
  }
  if (TEMPLATE_TYPES.includes(type) && typeof props.templateBody === "string") found.push(...templateDocuments(props.templateBody));
  return found;
}

type TemplateResources = Record<string, { Type?: string; Properties?: Record<string, any> }>;

// YAML is a superset of JSON, so one parser reads both template formats. CloudFormation's short
// tags (!Ref, !Sub) are unknown to it: it keeps their values and only warns, which is what we want.
function templateResources(templateBody: string): TemplateResources {
  const template = parseYaml(templateBody, { logLevel: "silent" }) as { Resources?: TemplateResources } | null;
  return template?.Resources ?? {};
}

/** The IAM policy documents a CloudFormation template declares. */
export function templateDocuments(templateBody: string): FoundDocument[] {
  const found: FoundDocument[] = [];
  for (const [id, resource] of Object.entries(templateResources(templateBody))) {
    const properties = resource.Properties ?? {};
    if (resource.Type === "AWS::IAM::Role" || resource.Type === "AWS::IAM::User" || resource.Type === "AWS::IAM::Group") {
      if (properties.AssumeRolePolicyDocument) found.push({ where: `${id} trust`, statements: statementsOf(properties.AssumeRolePolicyDocument) });
      for (const inline of asList(properties.Policies) as { PolicyName?: string; PolicyDocument?: unknown }[]) {
        found.push({ where: `${id} ${inline.PolicyName ?? "inline policy"}`, statements: statementsOf(inline.PolicyDocument) });
      }
    }
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
      found.push({ where: id, statements: statementsOf(properties.PolicyDocument) });
    }
  }
  return found;
}

/** The IAM roles a CloudFormation template declares, with their trust statements. */
export function templateRoles(templateBody: string): TemplateRole[] {
  return Object.entries(templateResources(templateBody))
    .filter(([, resource]) => resource.Type === "AWS::IAM::Role")
    .map(([logicalId, resource]) => ({ logicalId, trust: statementsOf(resource.Properties?.AssumeRolePolicyDocument) }));
}

/** Allow statements that grant every action of every service. */
export function allActionStatements(statements: readonly AnyStatement[]): AnyStatement[] {
  return statements.filter((s) => s.Effect === "Allow" && asList(s.Action).some((action) => action === "*" || action === "*:*"));
}

/**
 * The principals that Allow statements of a trust policy name, one entry per principal; `"*"` for
 * anyone. A NotPrincipal in an Allow statement trusts everyone else, so it also counts as `"*"`.
 */
export function trustedPrincipals(trust: readonly AnyStatement[]): unknown[] {
  return trust
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => {
      if (s.NotPrincipal !== undefined || s.Principal === "*") return ["*"];
      const principal = s.Principal;
      if (principal === null || typeof principal !== "object") return asList(principal);
      return Object.values(principal).flatMap(asList);
    });
}

/** Whether a bucket policy denies every S3 request made without TLS, to everyone, on the bucket's objects at least. */
export function deniesInsecureTransport(statements: readonly AnyStatement[]): boolean {
  return statements.some((s) => {
    const everyone = s.Principal === "*" || asList((s.Principal as { AWS?: unknown } | undefined)?.AWS).includes("*");
    const everyAction = asList(s.Action).some((action) => action === "s3:*" || action === "*");
    const onObjects = asList(s.Resource).some((resource) => typeof resource === "string" && (resource === "*" || resource.endsWith("/*")));
    const insecure = String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false";
    return s.Effect === "Deny" && everyone && everyAction && onObjects && insecure;
  });
}
