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

/** An Allow statement that grants more than named actions, and what it grants. */
export interface WildcardGrant {
  readonly statement: AnyStatement;
  /** `Action "s3:Put*"` (each wildcard action of the statement), or `NotAction "iam:*"` (every action but those). */
  readonly grants: string;
}

/**
 * Whether an action names more than one action: IAM matches `*` (any run of characters) and `?`
 * (one character) anywhere in it, the service part included (`*:Get*`). A partial wildcard is as
 * open-ended as `s3:*`: `iam:*Policy*` also grants every policy action IAM adds later.
 */
const isWildcardAction = (action: unknown): action is string => typeof action === "string" && /[*?]/.test(action);

/** The actions as a list for a message: `"s3:Put*", "iam:*Policy*"`. */
const quoted = (actions: readonly unknown[]): string => actions.map((a) => JSON.stringify(a)).join(", ");

/**
 * The wildcard actions a key policy statement may grant: `kms:*` to an account's root is KMS's default
 * statement, which hands the key to that account's IAM policies (the key's inputs do not say its
 * account, so any account root passes). Only `kms:*` itself is let through, so a statement that
 * adds another wildcard to it is still reported.
 */
function keyDefaultActions(s: AnyStatement): string[] {
  const principals = asList((s.Principal as { AWS?: unknown } | undefined)?.AWS);
  return principals.length > 0 && principals.every((p) => typeof p === "string" && ACCOUNT_ROOT.test(p)) ? ["kms:*"] : [];
}

/**
 * Allow statements that grant an action with a wildcard in it, whole (`*`, `s3:*`) or partial
 * (`s3:Put*`, `*:Get*`, `s3:Get?bject`), or that grant every action but some (NotAction, whatever
 * it lists). Deny statements may use both: a wider Deny only takes more away.
 * @param keyPolicy whether the statements are a KMS key's policy, where KMS's default `kms:*` to an account root is allowed.
 */
export function wildcardGrants(statements: readonly AnyStatement[], keyPolicy = false): WildcardGrant[] {
  return statements.flatMap((s): WildcardGrant[] => {
    if (s.Effect !== "Allow") return [];
    if (s.NotAction !== undefined) return [{ statement: s, grants: `NotAction ${quoted(asList(s.NotAction))} (every action but those)` }];
    const allowed = keyPolicy ? keyDefaultActions(s) : [];
    const wide = asList(s.Action).filter(isWildcardAction).filter((action) => !allowed.includes(action));
    return wide.length > 0 ? [{ statement: s, grants: `Action ${quoted(wide)}` }] : [];
  });
}

const ACCOUNT_ROOT = /^arn:[a-z-]+:iam::\d{12}:root$/;

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
