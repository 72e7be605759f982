import { ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand } from "@aws-sdk/client-organizations";
import { CreateBucketCommand, PutBucketLifecycleConfigurationCommand, PutBucketPolicyCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudFormationClient, CreateStackInstancesCommand, CreateStackSetCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { type CredReportConfig, parseConfig } from "../components/config/config";
import { silentLog } from "../functions/log";
import { type AwsClients, awsClients, type AwsTarget } from "../local/aws-clients";
import { type LocalRunOptions, type PipelineIdentities, runLocally } from "../local/runner";
import type { PolicyDocument } from "../policies/document";
import type { Authorizer, Credentials, ExecutionRecord } from "./authorizer/authorizer";
import { CloudWatchAlarms } from "./services/cloudwatch-alarms";
import { recordCloudTrail } from "./services/cloudtrail";
import { serveStackKeys } from "./services/kms-keys";
import { EventBus } from "./services/event-bus";
import { type ScheduledStart, startOnSchedule } from "./services/scheduler";
import { executionStatusChange, recordExecutionMetric } from "./services/step-functions";
import type { DemoOrganization } from "./demo-organization";
import { type DeployedStack, recordDeployedStack } from "./deployed-stack";
import { ADMINISTRATOR_KEYS, type Emulator } from "./server";

/** The stack as deployed into the emulator: what the program made, and how a run is made of it. */
export interface Deployment {
  readonly org: DemoOrganization;
  readonly stack: DeployedStack;
  /** The stack config as the program read it. */
  readonly config: CredReportConfig;
  /** The user that deployed the stack (the program's caller under the mocks): an administrator of the account, and so an evidence administrator. */
  readonly deployer: AwsClients;
  /**
   * The clients of the pipeline's roles, as Lambda and Step Functions hand them out, sending their
   * calls to `endpoint` (the emulator's, or a proxy in front of it).
   */
  identities(endpoint?: string, target?: Partial<AwsTarget>): Promise<PipelineIdentities>;
  /** One role's credentials, as its service hands them to the code it runs (a bundled Lambda in a child process, say). */
  credentials(role: keyof PipelineIdentities): Promise<Credentials>;
  /** A run as the deployed state machine makes one: its roles, bucket, map bucket, topic, scope, settings, thresholds and risks. */
  runOptions(endpoint?: string, target?: Partial<AwsTarget>): Promise<LocalRunOptions>;
  /** One start of the stack's schedule, as EventBridge Scheduler makes it, its calls sent to `endpoint`. */
  startOnSchedule(endpoint?: string): Promise<ScheduledStart>;
  /** The stack's CloudWatch alarms, evaluated when asked. */
  readonly alarms: CloudWatchAlarms;
  /**
   * Resolves when what Step Functions tells of the executions that ended so far has been delivered
   * (their events through the stack's rules, their metrics); rejects with a delivery that failed.
   */
  delivered(): Promise<void>;
}

export interface DeployOptions {
  /** The executions the layer runs time out after this many milliseconds, not runTimeoutMinutes (tests of a run that times out). */
  readonly executionTimeoutMs?: number;
}

const REGION = "us-east-1";
const ADMINISTRATOR = { accessKeyId: ADMINISTRATOR_KEYS[0], secretAccessKey: ADMINISTRATOR_KEYS[0] };
/** The deploying user's access key: moto answers any key it did not hand out as the management account's. */
const DEPLOYER_KEY = "deployer";
const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "AdministratorAccess", Effect: "Allow", Action: "*", Resource: "*" }] };

/**
 * Deploys the stack into the emulator as `pulumi up` would, for the authorizing layer to judge by:
 * the program is run under Pulumi's mocks with this config (recordDeployedStack); its map bucket
 * and topic are made in moto; its roles, bucket, topic and key policies go to the layer, and its
 * member role into every active account of the OUs its StackSet targets (never the management
 * account, where StackSets do not deploy). The layer serves the state machine: StartExecution runs
 * the definition here, each Lambda as its role. What AWS does around the stack and moto does not
 * is done here too (services/): Step Functions' events through the stack's EventBridge rules and
 * its metrics, the schedule's starts, and the alarms, evaluated when a test asks.
 */
export async function deployStack(emulator: Emulator, org: DemoOrganization, config: Readonly<Record<string, string>> = {}, options: DeployOptions = {}): Promise<Deployment> {
  const authorizer = emulator.authorizer;
  if (!authorizer) throw new Error("the stack is deployed into the authorizing layer, which is turned off");
  const stackConfig = { bucketName: org.bucket, organizationId: authorizer.organization.id ?? "", organizationRootId: org.rootId, ...config };
  const topicName = org.topicArn.split(":").pop() ?? "alerts";
  const stack = await recordDeployedStack(stackConfig, { accountId: org.managementAccountId, region: REGION, organizationId: stackConfig.organizationId, rootId: org.rootId, topicName });
  const admin = {
    ...awsClients({ region: REGION, endpoint: emulator.endpoint, credentials: ADMINISTRATOR }),
    sqs: new SQSClient({ region: REGION, endpoint: emulator.endpoint, credentials: ADMINISTRATOR }),
    cloudWatch: new CloudWatchClient({ region: REGION, endpoint: emulator.motoEndpoint, credentials: ADMINISTRATOR }),
  };

  await admin.s3.send(new CreateBucketCommand({ Bucket: stack.outputs.mapBucketName }));
  await admin.sns.send(new CreateTopicCommand({ Name: topicName }));
  for (const bucket of stack.versionedBuckets) await admin.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  // As `pulumi up` does it: the caller of the program, whom the bucket and key policies name as an evidence administrator.
  const deployer = awsClients({
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: authorizer.addUser(DEPLOYER_KEY, { name: "deployer", accountId: org.managementAccountId, policies: [ADMINISTRATOR_ACCESS] }),
  });
  for (const [bucket, policy] of stack.bucketPolicies) await deployer.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  for (const [bucket, rules] of stack.bucketLifecycles) {
    await deployer.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [...rules] } }));
  }
  for (const [bucket, key] of stack.bucketKeys) authorizer.setBucketKey(bucket, key);
  for (const [topic, policy] of stack.topicPolicies) authorizer.setTopicPolicy(topic, policy);
  for (const [topic, key] of stack.topicKeys) authorizer.setTopicKey(topic, key);
  for (const queue of stack.queues) {
    await admin.sqs.send(new CreateQueueCommand({ QueueName: queue.name }));
    if (queue.policy) authorizer.setQueuePolicy(queue.arn, queue.policy);
  }
  for (const [key, policy] of stack.keyPolicies) authorizer.setKeyPolicy(key, policy);
  for (const role of stack.roles.values()) authorizer.addRole(role);
  const memberAccounts = await accountsUnder(admin, stack.memberRole.targetOuIds, org);
  for (const account of memberAccounts) {
    const { trust, policy } = stack.memberRole.inAccount(account);
    authorizer.addRole({ arn: `arn:aws:iam::${account}:role/${stack.memberRole.name}`, trust, policies: [policy] });
  }
  const parsed = parseConfig(stackConfig);

  // Each part of the pipeline: its role, the service that runs it, and the session name that service gives.
  const parts: Record<keyof PipelineIdentities, readonly [string, string, string]> = {
    listAccounts: [stack.outputs.listAccountsRoleArn, "lambda.amazonaws.com", "credreport-list-accounts"],
    collector: [stack.outputs.collectorRoleArn, "lambda.amazonaws.com", "credreport-collect-report"],
    summarize: [stack.outputs.summarizeRoleArn, "lambda.amazonaws.com", "credreport-summarize"],
    stateMachine: [stack.stateMachineRoleArn, "states.amazonaws.com", "credreport-state-machine"],
  };
  const credentials = (role: keyof PipelineIdentities) => authorizer.serviceSession(...parts[role]);
  const identities = async (endpoint = emulator.endpoint, target: Partial<AwsTarget> = {}): Promise<PipelineIdentities> => {
    const as = async (role: keyof PipelineIdentities) => awsClients({ region: REGION, endpoint, ...target, credentials: await credentials(role) });
    return { listAccounts: await as("listAccounts"), collector: await as("collector"), summarize: await as("summarize"), stateMachine: await as("stateMachine") };
  };
  const runOptions = async (endpoint?: string, target?: Partial<AwsTarget>): Promise<LocalRunOptions> => {
    const roles = await identities(endpoint, target);
    return {
      clients: roles.stateMachine,
      identities: roles,
      region: REGION,
      bucket: stack.outputs.bucketName,
      mapBucket: stack.outputs.mapBucketName,
      topicArn: stack.outputs.topicArn,
      memberRoleName: parsed.memberRoleName,
      scope: { includeOuIds: parsed.organizationalUnitIds, excludeAccountIds: parsed.excludeAccountIds },
      settings: parsed.settings,
      thresholds: parsed.findingThresholds,
      acceptedRisks: parsed.acceptedRisks,
      securityHub: parsed.securityHub,
      remediation: parsed.remediation,
      owners: parsed.owners,
      log: silentLog,
    };
  };
  // AWS's side of the stack, which moto lacks: the rules' deliveries, the alarms, the schedule.
  const moto = { ...awsClients({ region: REGION, endpoint: emulator.motoEndpoint, credentials: ADMINISTRATOR }), sqs: admin.sqs, cloudWatch: admin.cloudWatch };
  const bus = await EventBus.deploy(moto, authorizer, stack.eventRules);
  const alarms = new CloudWatchAlarms(moto, authorizer, stack.alarms, stack.queues.map((q) => q.name));
  const pending = new Set<Promise<void>>();
  const failures: unknown[] = [];
  const track = (work: Promise<unknown>) => {
    const delivery: Promise<void> = work.then(() => undefined, (err: unknown) => void failures.push(err)).finally(() => pending.delete(delivery));
    pending.add(delivery);
  };
  serveStateMachine(authorizer, stack.outputs.stateMachineArn, runOptions, options, (execution) =>
    track(Promise.all([bus.put(executionStatusChange(execution)), recordExecutionMetric(moto.cloudWatch, execution)])),
  );
  // CloudTrail's records of management calls, in its event history and to EventBridge, from here on.
  recordCloudTrail(authorizer, (event) => track(bus.put(event)));
  serveStackKeys(authorizer, [...stack.keyPolicies.keys()]);
  await deployAroundTheStack(emulator.motoEndpoint, stack, memberAccounts);
  return {
    org,
    stack,
    config: parsed,
    deployer,
    identities,
    credentials,
    runOptions,
    startOnSchedule: (endpoint = emulator.endpoint) => startOnSchedule(stack.schedule, authorizer, endpoint),
    alarms,
    delivered: async () => {
      await Promise.all(pending);
      if (failures.length > 0) throw failures[0];
    },
  };
}

/**
 * The parts of the stack moto can hold, for the troubleshooting commands docs/operations.md gives:
 * the log groups, the StackSet with its instances in the member accounts (moto makes their stacks), and
 * the schedule (which moto keeps but never fires: services/scheduler.ts starts runs).
 */
async function deployAroundTheStack(motoEndpoint: string, stack: DeployedStack, memberAccounts: readonly string[]): Promise<void> {
  const target = { region: REGION, endpoint: motoEndpoint, credentials: ADMINISTRATOR };
  const logs = new CloudWatchLogsClient(target);
  for (const logGroupName of stack.logGroups) await logs.send(new CreateLogGroupCommand({ logGroupName }));
  const cloudFormation = new CloudFormationClient(target);
  await cloudFormation.send(
    new CreateStackSetCommand({
      StackSetName: stack.stackSet.name,
      TemplateBody: stack.stackSet.templateBody,
      Parameters: Object.entries(stack.stackSet.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  // By account: moto 5.2.1 deploys a service-managed StackSet to every account under the OUs, the
  // management account included, where StackSets never deploy; these are the accounts AWS's are.
  if (memberAccounts.length > 0) {
    await cloudFormation.send(new CreateStackInstancesCommand({ StackSetName: stack.stackSet.name, Accounts: [...memberAccounts], Regions: [REGION] }));
  }
  const { schedule } = stack;
  await new SchedulerClient(target).send(
    new CreateScheduleCommand({
      Name: schedule.name,
      ScheduleExpression: schedule.expression,
      ...(schedule.timezone ? { ScheduleExpressionTimezone: schedule.timezone } : {}),
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: schedule.targetArn, RoleArn: schedule.roleArn, Input: schedule.input, ...(schedule.deadLetterArn ? { DeadLetterConfig: { Arn: schedule.deadLetterArn } } : {}) },
    }),
  );
}

/**
 * Step Functions for the deployed state machine: an execution runs the definition here, each
 * Lambda as its role, until it ends, times out or is stopped; `ended` hears how it ended.
 */
function serveStateMachine(authorizer: Authorizer, arn: string, runOptions: () => Promise<LocalRunOptions>, options: DeployOptions, ended: (execution: ExecutionRecord) => void): void {
  authorizer.serveStateMachine(arn, {
    run: async (name, input, stop) => {
      const timeout = options.executionTimeoutMs !== undefined ? { timeoutMs: options.executionTimeoutMs } : {};
      const result = await runLocally({ ...(await runOptions()), runId: name, input: input as Record<string, unknown>, stop, ...timeout });
      if (result.status === "succeeded") return { status: "SUCCEEDED", output: result.summary };
      const [error, ...cause] = result.error.split(" ");
      const status = stop.aborted ? "ABORTED" : error === "States.Timeout:" ? "TIMED_OUT" : "FAILED";
      return { status, error: error.replace(/:$/, ""), cause: cause.join(" ") };
    },
    ended,
  });
}

/**
 * The active member accounts the StackSet deploys to: those under its target OUs (the root: all),
 * child OUs included. Organizations, as the emulator's administrator.
 */
async function accountsUnder(admin: AwsClients, parents: readonly string[], org: DemoOrganization): Promise<string[]> {
  const found: string[] = [];
  const walk = async (parent: string): Promise<void> => {
    for (let token: string | undefined, first = true; first || token; first = false) {
      const page = await admin.organizations.send(new ListAccountsForParentCommand({ ParentId: parent, NextToken: token, MaxResults: 20 }));
      found.push(...(page.Accounts ?? []).filter((a) => a.Status === "ACTIVE" && a.Id !== org.managementAccountId).map((a) => a.Id!));
      token = page.NextToken;
    }
    for (let token: string | undefined, first = true; first || token; first = false) {
      const page = await admin.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: token, MaxResults: 20 }));
      for (const ou of page.OrganizationalUnits ?? []) await walk(ou.Id!);
      token = page.NextToken;
    }
  };
  for (const parent of parents) await walk(parent);
  return found;
}
