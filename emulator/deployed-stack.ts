import type { LifecycleRule } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { PolicyDocument } from "../policies/document";

/** Where the stack is deployed, as the emulator's organization has it. */
export interface StackTarget {
  readonly accountId: string;
  readonly region: string;
  readonly organizationId: string;
  readonly rootId: string;
  /** The name the stack's topic gets (Pulumi would generate one). */
  readonly topicName: string;
}

/** An IAM role of the pipeline's account, as the stack makes it. */
export interface StackRole {
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly policies: readonly PolicyDocument[];
}

/** The stack's outputs that a run needs. */
export interface StackOutputs {
  readonly bucketName: string;
  readonly mapBucketName: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  readonly collectorRoleArn: string;
  readonly listAccountsRoleArn: string;
  readonly summarizeRoleArn: string;
  readonly memberRoleName: string;
  /** The policy (JSON) of a reader of the runs. */
  readonly readReportsPolicy: string;
  readonly stackSetName: string;
  readonly collectReportLogGroup: string;
}

/** What the Pulumi program deploys that decides who may do what, read from the program itself. */
export interface DeployedStack {
  readonly target: StackTarget;
  readonly outputs: StackOutputs;
  /** The state machine's own role: it invokes the Lambdas, reads and writes the Distributed Map's files, publishes failures. */
  readonly stateMachineRoleArn: string;
  /** Every role of the pipeline's account, by ARN, with its trust and its inline policies. */
  readonly roles: ReadonlyMap<string, StackRole>;
  readonly bucketPolicies: ReadonlyMap<string, PolicyDocument>;
  /** Each bucket's lifecycle rules, as PutBucketLifecycleConfiguration takes them. */
  readonly bucketLifecycles: ReadonlyMap<string, readonly LifecycleRule[]>;
  /** The buckets the stack turns versioning on for. */
  readonly versionedBuckets: readonly string[];
  /** The SSE-KMS key of each bucket that has one, and whether S3 Bucket Keys are on. */
  readonly bucketKeys: ReadonlyMap<string, { readonly keyArn: string; readonly bucketKey: boolean }>;
  readonly topicPolicies: ReadonlyMap<string, PolicyDocument>;
  readonly keyPolicies: ReadonlyMap<string, PolicyDocument>;
  /** The StackSet's member role: its trust and policy in a given account, and the OUs it is deployed to. */
  readonly memberRole: { readonly name: string; readonly inAccount: (accountId: string) => { readonly trust: PolicyDocument; readonly policy: PolicyDocument }; readonly targetOuIds: readonly string[] };
  /** The state machine's definition, as deployed. */
  readonly definition: Record<string, unknown>;
  /** The KMS key of each encrypted topic. */
  readonly topicKeys: ReadonlyMap<string, string>;
  /** Each SQS queue: its name, ARN and policy. */
  readonly queues: readonly { readonly name: string; readonly arn: string; readonly policy?: PolicyDocument }[];
  /** Each EventBridge rule of the default bus: its pattern, and its targets with what they are sent. */
  readonly eventRules: readonly DeployedRule[];
  /** Each CloudWatch metric alarm, as PutMetricAlarm takes it. */
  readonly alarms: readonly DeployedAlarm[];
  /** The EventBridge Scheduler schedule that starts runs. */
  readonly schedule: DeployedSchedule;
  /** The log groups of the Lambdas and the state machine. */
  readonly logGroups: readonly string[];
  /** The StackSet of the member role, as CreateStackSet takes it. */
  readonly stackSet: { readonly name: string; readonly templateBody: string; readonly parameters: Readonly<Record<string, string>> };
}

export interface DeployedRule {
  readonly name: string;
  readonly arn: string;
  readonly eventPattern: string;
  readonly targets: readonly { readonly arn: string; readonly inputTransformer?: { readonly inputPaths: Record<string, string>; readonly inputTemplate: string } }[];
}

export interface DeployedAlarm {
  readonly name: string;
  readonly arn: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Sum" | "Maximum";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
  readonly treatMissingData: "breaching" | "notBreaching";
  readonly alarmDescription: string;
  readonly alarmActions: readonly string[];
  readonly okActions?: readonly string[];
}

export interface DeployedSchedule {
  readonly arn: string;
  readonly name: string;
  readonly expression: string;
  readonly timezone?: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly input: string;
  readonly maximumRetryAttempts: number;
  readonly deadLetterArn?: string;
}

const ROOT = join(__dirname, "..");
const PROJECT: string = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).name;

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly state: Record<string, any>;
}

/**
 * Runs the Pulumi program (index.ts, as `pulumi up` would start it) under Pulumi's mocks with the
 * given stack config (keys without the project prefix), answering as the emulator's account and
 * organization would, and reads from what it asks for: the roles and their policies, the bucket,
 * topic and key policies, the StackSet's member role and the state machine. Nothing is rebuilt by
 * hand: the authorizing layer judges requests by exactly what a deploy would create.
 */
export async function recordDeployedStack(config: Readonly<Record<string, string>>, target: StackTarget): Promise<DeployedStack> {
  const recorded: Recorded[] = [];
  await pulumi.runtime.setMocks(mocksFor(target, recorded), PROJECT, "emulator", false);
  pulumi.runtime.setAllConfig({ "aws:region": target.region, ...Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT}:${key}`, value])) });
  const entry = require.resolve(join(ROOT, "index"));
  delete require.cache[entry];
  let program: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    program = require(entry);
    return {};
  });
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) outputs[name] = pulumi.Output.isInstance(value) ? await new Promise((resolve) => value.apply(resolve)) : value;
  await settled(recorded);
  return readStack(recorded, outputs as unknown as StackOutputs, target);
}

function readStack(recorded: readonly Recorded[], outputs: StackOutputs, target: StackTarget): DeployedStack {
  const ofType = (type: string) => recorded.filter((r) => r.type === type);
  const json = (text: unknown) => JSON.parse(String(text)) as PolicyDocument;
  const roles = new Map<string, StackRole>();
  for (const role of ofType("aws:iam/role:Role")) {
    const policies = ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role.state.name).map((p) => json(p.inputs.policy));
    roles.set(role.state.arn, { arn: role.state.arn, trust: json(role.inputs.assumeRolePolicy), policies });
  }
  const bucketKeys = new Map(
    ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").flatMap((c) => {
      const [rule] = c.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId?: string }; bucketKeyEnabled?: boolean }[];
      const byDefault = rule.applyServerSideEncryptionByDefault;
      return byDefault.sseAlgorithm === "aws:kms" && byDefault.kmsMasterKeyId ? [[String(c.inputs.bucket), { keyArn: byDefault.kmsMasterKeyId, bucketKey: rule.bucketKeyEnabled === true }] as const] : [];
    }),
  );
  const [stackSet] = ofType("aws:cloudformation/stackSet:StackSet");
  const template = JSON.parse(stackSet.inputs.templateBody);
  const resources = Object.values(template.Resources as Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>);
  const memberRole = resources.find((r) => r.Type === "AWS::IAM::Role")!.Properties as { RoleName: string; AssumeRolePolicyDocument: PolicyDocument; Policies: { PolicyDocument: PolicyDocument }[] };
  // The role's own policy, and each policy of its whose condition holds for the StackSet's parameters.
  const holds = conditionsOf(template, stackSet.inputs.parameters ?? {});
  const memberPolicies = [
    ...memberRole.Policies.map((p) => p.PolicyDocument),
    ...resources.filter((r) => r.Type === "AWS::IAM::RolePolicy" && (!r.Condition || holds(r.Condition))).map((r) => r.Properties.PolicyDocument as PolicyDocument),
  ];
  const memberPolicy: PolicyDocument = { Version: "2012-10-17", Statement: memberPolicies.flatMap((p) => p.Statement) };
  const [stateMachine] = ofType("aws:sfn/stateMachine:StateMachine");
  return {
    target,
    outputs,
    stateMachineRoleArn: stateMachine.inputs.roleArn,
    roles,
    bucketPolicies: new Map(ofType("aws:s3/bucketPolicy:BucketPolicy").map((p) => [String(p.inputs.bucket), json(p.inputs.policy)])),
    bucketLifecycles: new Map(ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").map((l) => [String(l.inputs.bucket), s3Shape(l.inputs.rules) as LifecycleRule[]])),
    versionedBuckets: ofType("aws:s3/bucketVersioning:BucketVersioning").filter((v) => v.inputs.versioningConfiguration?.status === "Enabled").map((v) => String(v.inputs.bucket)),
    bucketKeys,
    topicPolicies: new Map(ofType("aws:sns/topicPolicy:TopicPolicy").map((p) => [String(p.inputs.arn), json(p.inputs.policy)])),
    keyPolicies: new Map(ofType("aws:kms/key:Key").map((k) => [String(k.state.arn), json(k.inputs.policy)])),
    memberRole: {
      name: memberRole.RoleName,
      // CloudFormation fills in each account's own values where the template says Fn::Sub.
      inAccount: (accountId) => ({
        trust: memberRole.AssumeRolePolicyDocument,
        policy: substitute(memberPolicy, { "AWS::AccountId": accountId, "AWS::Partition": "aws" }) as PolicyDocument,
      }),
      targetOuIds: ofType("aws:cloudformation/stackSetInstance:StackSetInstance").flatMap((i) => i.inputs.deploymentTargets?.organizationalUnitIds ?? []),
    },
    definition: JSON.parse(stateMachine.inputs.definition),
    topicKeys: new Map(ofType("aws:sns/topic:Topic").filter((t) => t.inputs.kmsMasterKeyId).map((t) => [String(t.state.arn), String(t.inputs.kmsMasterKeyId)])),
    queues: ofType("aws:sqs/queue:Queue").map((q) => {
      const policy = ofType("aws:sqs/queuePolicy:QueuePolicy").find((p) => p.inputs.queueUrl === q.state.url);
      return { name: String(q.state.name), arn: String(q.state.arn), ...(policy ? { policy: json(policy.inputs.policy) } : {}) };
    }),
    eventRules: ofType("aws:cloudwatch/eventRule:EventRule").map((r) => ({
      name: String(r.state.name),
      arn: String(r.state.arn),
      eventPattern: String(r.inputs.eventPattern),
      targets: ofType("aws:cloudwatch/eventTarget:EventTarget")
        .filter((t) => t.inputs.rule === r.state.name)
        .map((t) => ({ arn: String(t.inputs.arn), ...(t.inputs.inputTransformer ? { inputTransformer: t.inputs.inputTransformer } : {}) })),
    })),
    alarms: ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => ({ ...a.inputs, name: String(a.state.name), arn: String(a.state.arn) }) as DeployedAlarm),
    schedule: scheduleOf(ofType("aws:scheduler/schedule:Schedule")[0], target),
    logGroups: ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => String(g.state.name)),
    stackSet: { name: String(stackSet.state.name), templateBody: String(stackSet.inputs.templateBody), parameters: stackSet.inputs.parameters ?? {} },
  };
}

/**
 * Whether a condition of a CloudFormation template holds for the given parameters (their
 * defaults otherwise): the intrinsic functions the member role's template uses, Ref, Fn::Equals,
 * Fn::Not and Condition.
 */
function conditionsOf(template: { Parameters?: Record<string, { Default?: string }>; Conditions?: Record<string, unknown> }, given: Record<string, string>): (name: string) => boolean {
  const parameters = { ...Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([name, p]) => [name, p.Default])), ...given };
  const value = (v: unknown): unknown => (v && typeof v === "object" && "Ref" in v ? parameters[(v as { Ref: string }).Ref] : v);
  const holds = (c: unknown): boolean => {
    const fn = c as Record<string, unknown[]> & { Condition?: string };
    if (fn["Fn::Equals"]) return value(fn["Fn::Equals"][0]) === value(fn["Fn::Equals"][1]);
    if (fn["Fn::Not"]) return !holds(fn["Fn::Not"][0]);
    if (fn.Condition) return holds(template.Conditions?.[fn.Condition]);
    throw new Error(`the emulator cannot evaluate the condition ${JSON.stringify(c)}`);
  };
  return (name) => holds(template.Conditions?.[name]);
}

function scheduleOf(schedule: Recorded, target: StackTarget): DeployedSchedule {
  const goal = schedule.inputs.target;
  return {
    arn: `arn:aws:scheduler:${target.region}:${target.accountId}:schedule/default/${schedule.name}`,
    name: schedule.name,
    expression: String(schedule.inputs.scheduleExpression),
    ...(schedule.inputs.scheduleExpressionTimezone ? { timezone: String(schedule.inputs.scheduleExpressionTimezone) } : {}),
    targetArn: goal.arn,
    roleArn: goal.roleArn,
    input: goal.input ?? "{}",
    maximumRetryAttempts: goal.retryPolicy?.maximumRetryAttempts ?? 185,
    ...(goal.deadLetterConfig?.arn ? { deadLetterArn: goal.deadLetterConfig.arn } : {}),
  };
}

/** A Pulumi input in the S3 API's shape: each key in PascalCase, `id` as `ID`. */
function s3Shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(s3Shape);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key === "id" ? "ID" : key[0].toUpperCase() + key.slice(1), s3Shape(item)]));
}

/** A template value with every `{"Fn::Sub": "...${Name}..."}` replaced by its text. */
function substitute(value: unknown, names: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => substitute(item, names));
  if (!value || typeof value !== "object") return value;
  const sub = (value as Record<string, unknown>)["Fn::Sub"];
  if (typeof sub === "string") return sub.replace(/\$\{([^}]+)\}/g, (all, name: string) => names[name] ?? all);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, names)]));
}

/** Mocks that answer as the emulator's cloud: ids and ARNs in its account and region, its organization. */
function mocksFor(target: StackTarget, recorded: Recorded[]): pulumi.runtime.Mocks {
  const { accountId: account, region } = target;
  return {
    newResource: (args) => {
      if (args.type === "pulumi:pulumi:Stack") return { id: undefined, state: {} };
      const state = { ...args.inputs, ...stateFor(args, account, region, target.topicName) };
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs, state });
      return { id: String(state.id ?? `${args.name}-id`), state };
    },
    call: (args) => {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: account, arn: `arn:aws:iam::${account}:user/deployer`, userId: "AIDAEMULATOR", id: account };
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
          return { region, name: region, id: region };
        case "aws:organizations/getOrganization:getOrganization":
          return { id: target.organizationId, masterAccountId: account, roots: [{ id: target.rootId }], accounts: [{ id: account }] };
        default:
          throw new Error(`the emulator's deploy knows no call ${args.token}`);
      }
    },
  };
}

/** What the provider would answer for a new resource: ids and ARNs as AWS forms them. */
function stateFor(args: pulumi.runtime.MockResourceArgs, account: string, region: string, topicName: string): Record<string, unknown> {
  const inputs = args.inputs;
  switch (args.type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? `${inputs.bucketPrefix}${account}`;
      return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:iam/role:Role":
      return { id: args.name, name: args.name, arn: `arn:aws:iam::${account}:role/${args.name}` };
    case "aws:kms/key:Key":
      return { id: args.name, arn: `arn:aws:kms:${region}:${account}:key/${args.name}` };
    case "aws:sns/topic:Topic": {
      const arn = `arn:aws:sns:${region}:${account}:${topicName}`;
      return { id: arn, name: topicName, arn };
    }
    case "aws:lambda/function:Function":
      return { name: args.name, arn: `arn:aws:lambda:${region}:${account}:function:${args.name}` };
    case "aws:cloudwatch/logGroup:LogGroup": {
      const name = `${inputs.namePrefix ?? ""}${args.name}`;
      return { name, arn: `arn:aws:logs:${region}:${account}:log-group:${name}` };
    }
    case "aws:sfn/stateMachine:StateMachine":
      return { name: args.name, arn: `arn:aws:states:${region}:${account}:stateMachine:${args.name}` };
    case "aws:cloudformation/stackSet:StackSet":
      return { name: args.name, arn: `arn:aws:cloudformation:${region}:${account}:stackset/${args.name}` };
    case "aws:sqs/queue:Queue":
      return { name: args.name, arn: `arn:aws:sqs:${region}:${account}:${args.name}`, url: `https://sqs.${region}.amazonaws.com/${account}/${args.name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { name: args.name, arn: `arn:aws:events:${region}:${account}:rule/${args.name}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { name: args.name, arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${args.name}` };
    default:
      return {};
  }
}

/** Waits until no resource has arrived for a few turns: resources that wait on others' outputs come late. */
async function settled(recorded: readonly Recorded[]): Promise<void> {
  for (let quiet = 0, seen = -1; quiet < 5; ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    quiet = recorded.length === seen ? quiet + 1 : 0;
    seen = recorded.length;
  }
}
