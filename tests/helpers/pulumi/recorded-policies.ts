import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PolicyDocument, PolicyStatement } from "../../../policies/document";
import { type MockCloud, one, type RecordedResource } from "./mock-cloud";

/** Every policy document the program sent, named by where it went. */
export function recordedPolicies(cloud: MockCloud): { where: string; document: PolicyDocument }[] {
  const found: { where: string; document: PolicyDocument }[] = [];
  const add = (where: string, json: string | undefined) => {
    if (json) found.push({ where, document: JSON.parse(json) });
  };
  for (const r of cloud.resources) {
    if (r.type === "aws:iam/role:Role") add(`${r.name} trust`, r.inputs.assumeRolePolicy);
    if (r.type === "aws:iam/rolePolicy:RolePolicy") add(r.name, r.inputs.policy);
    if (r.type === "aws:s3/bucketPolicy:BucketPolicy") add(r.name, r.inputs.policy);
    if (r.type === "aws:kms/key:Key") add(r.name, r.inputs.policy);
    if (r.type === "aws:sns/topicPolicy:TopicPolicy") add(r.name, r.inputs.policy);
    if (r.type === "aws:cloudformation/stackSet:StackSet") {
      const role = memberRoleOf(r);
      found.push({ where: `${r.name} member role trust`, document: role.AssumeRolePolicyDocument });
      for (const p of role.Policies) found.push({ where: `${r.name} member role ${p.PolicyName}`, document: p.PolicyDocument });
    }
  }
  return found;
}

/** The member role resource of the StackSet's template. */
export function memberRoleOf(stackSet: RecordedResource): {
  RoleName: string;
  AssumeRolePolicyDocument: PolicyDocument;
  Policies: { PolicyName: string; PolicyDocument: PolicyDocument }[];
} {
  const template = JSON.parse(stackSet.inputs.templateBody);
  const roles = Object.values(template.Resources as Record<string, { Type: string; Properties: any }>).filter((r) => r.Type === "AWS::IAM::Role");
  if (roles.length !== 1) throw new Error(`expected one role in the template, found ${roles.length}`);
  return roles[0].Properties;
}

/** The statements of the policy document sent as a resource's input. */
export function statementsOf(resource: RecordedResource, input = "policy"): PolicyStatement[] {
  return (JSON.parse(resource.inputs[input]) as PolicyDocument).Statement as PolicyStatement[];
}

/** The statement with the given Sid; fails the test when there is none or several. */
export function statement(statements: readonly PolicyStatement[], sid: string): PolicyStatement {
  const found = statements.filter((s) => s.Sid === sid);
  if (found.length !== 1) throw new Error(`expected one statement ${sid}, found ${found.length} among ${statements.map((s) => s.Sid).join(", ")}`);
  return found[0];
}

/** The statements of the inline policy attached to a pipeline role. */
export function rolePolicy(cloud: MockCloud, functionName: string): PolicyStatement[] {
  return statementsOf(one(cloud, "aws:iam/rolePolicy:RolePolicy", `-${functionName}-policy`));
}

export const asList = (value: string | readonly string[] | undefined): string[] => (value === undefined ? [] : typeof value === "string" ? [value] : [...value]);

/**
 * Whether a resource type takes tags, read from the Args interface of its @pulumi/aws typings,
 * so the tag check covers every type the program uses without a list to keep up to date.
 */
export function takesTags(type: string): boolean {
  const [pkg, module] = type.split(":");
  if (pkg !== "aws") return false;
  const typings = readFileSync(join(dirname(require.resolve("@pulumi/aws/package.json")), `${module}.d.ts`), "utf8");
  const args = /export interface \w+Args \{([\s\S]*?)\n\}/.exec(typings);
  if (!args) throw new Error(`no Args interface in the typings of ${type}`);
  return /\n\s+tags\?:/.test(args[1]);
}

