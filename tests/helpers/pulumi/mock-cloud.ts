import * as pulumi from "@pulumi/pulumi";

/** The account the program deploys into, and the storage account reached through its provider. */
export const PIPELINE_ACCOUNT = "123456789012";
export const STORAGE_ACCOUNT = "210987654321";
/** The organization's management account, reached through its own provider from a delegated administrator. */
export const MANAGEMENT_ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
/** Existing buckets outside the stack's region; every other bucket looked up is in REGION. */
export const BUCKET_REGIONS: Record<string, string> = { "acme-evidence-oregon": "us-west-2" };
export const LOOKED_UP_ORGANIZATION = { id: "o-lookedup0001", rootId: "r-look" };

/** One resource the program asked for, with the inputs it sent. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** The URN of the explicit provider, when there is one. */
  readonly provider?: string;
  /** The URN the resource got, once registered. */
  urn?: string;
  /** For each input, the URNs of the resources its value came from, as the SDK sent them to the engine. */
  propertyDependencies?: Record<string, string[]>;
  /** The parent's URN, as sent to the engine (the root stack's for a top-level resource). */
  parent?: string;
  /** The aliases sent to the engine. */
  aliases?: RecordedAlias[];
}

/** An alias as the SDK sends it: a URN, or the parts of one that differ from the resource's own. */
export type RecordedAlias = { readonly urn: string } | { readonly name: string; readonly type: string; readonly parentUrn: string; readonly noParent: boolean };

/** The resource options a resource was created with (the mocks do not see them). */
export interface RecordedOptions {
  readonly type: string;
  readonly name: string;
  readonly retainOnDelete?: boolean;
}

/** What a run of the program under the mocks did. */
export interface MockCloud {
  readonly resources: RecordedResource[];
  /** Every invoke (data source) the program made, with its arguments. */
  readonly calls: { token: string; provider?: string; inputs: Record<string, unknown> }[];
  readonly options: RecordedOptions[];
}

const accountFor = (provider: string | undefined) =>
  provider?.includes("storage-account") ? STORAGE_ACCOUNT : provider?.includes("management-account") ? MANAGEMENT_ACCOUNT : PIPELINE_ACCOUNT;

// Plausible ARNs and names, so that policies built from them read like real ones.
function stateFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const account = accountFor(args.provider);
  const inputs = args.inputs;
  switch (args.type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? `${inputs.bucketPrefix}20261125`;
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:iam/role:Role":
      return { name: args.name, arn: `arn:aws:iam::${account}:role/${args.name}` };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:${REGION}:${account}:key/${args.name}` };
    case "aws:sns/topic:Topic":
      return { name: args.name, arn: `arn:aws:sns:${REGION}:${account}:${args.name}` };
    case "aws:lambda/function:Function":
      return { name: args.name, arn: `arn:aws:lambda:${REGION}:${account}:function:${args.name}` };
    case "aws:cloudwatch/logGroup:LogGroup": {
      const name = `${inputs.namePrefix ?? ""}${args.name}`;
      return { name, arn: `arn:aws:logs:${REGION}:${account}:log-group:${name}` };
    }
    case "aws:sfn/stateMachine:StateMachine":
      return { name: args.name, arn: `arn:aws:states:${REGION}:${account}:stateMachine:${args.name}` };
    case "aws:cloudformation/stackSet:StackSet":
      return { name: args.name, arn: `arn:aws:cloudformation:${REGION}:${account}:stackset/${args.name}` };
    case "aws:sqs/queue:Queue":
      return { name: args.name, arn: `arn:aws:sqs:${REGION}:${account}:${args.name}`, url: `https://sqs.${REGION}.amazonaws.com/${account}/${args.name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { name: args.name, arn: `arn:aws:events:${REGION}:${account}:rule/${args.name}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { name: args.name, arn: `arn:aws:cloudwatch:${REGION}:${account}:alarm:${args.name}` };
    default:
      return {};
  }
}

function callResult(args: pulumi.runtime.MockCallArgs, managementAccount: string): Record<string, unknown> {
  switch (args.token) {
    case "aws:index/getCallerIdentity:getCallerIdentity": {
      const account = accountFor(args.provider);
      return { accountId: account, arn: `arn:aws:iam::${account}:user/deployer`, userId: "AIDAEXAMPLE", id: account };
    }
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { region: REGION, name: REGION, id: REGION };
    case "aws:s3/getBucket:getBucket": {
      const bucket = args.inputs.bucket as string;
      return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegion: BUCKET_REGIONS[bucket] ?? REGION, region: REGION };
    }
    case "aws:organizations/getOrganization:getOrganization": {
      // As the provider answers: DescribeOrganization alone with returnOrganizationOnly; the roots
      // only for the management account (an AWS Organizations delegated administrator would get
      // them too, a StackSets delegated administrator that is not one gets them empty).
      const organization = { id: LOOKED_UP_ORGANIZATION.id, masterAccountId: managementAccount, roots: [], accounts: [] };
      const listed = !args.inputs.returnOrganizationOnly && accountFor(args.provider) === managementAccount;
      return listed ? { ...organization, roots: [{ id: LOOKED_UP_ORGANIZATION.rootId }], accounts: [{ id: managementAccount }] } : organization;
    }
    default:
      throw new Error(`the mocks know no call ${args.token}`);
  }
}

/**
 * A new, empty record of what a program does; deployed from a delegated administrator (so that the
 * pipeline's account is not the management account) when the config says so, or when asked.
 */
export function newCloud(config: Record<string, string>, fromDelegatedAdministrator = config.stackSetCallAs === "DELEGATED_ADMIN"): MockCloud & { readonly managementAccount: string } {
  return { resources: [], calls: [], options: [], managementAccount: fromDelegatedAdministrator ? MANAGEMENT_ACCOUNT : PIPELINE_ACCOUNT };
}

/** Mocks that answer as the cloud would, recording every resource and invoke into `cloud`. */
export function cloudMocks(cloud: ReturnType<typeof newCloud>): pulumi.runtime.Mocks {
  return {
    newResource: (args) => {
      if (args.type === "pulumi:pulumi:Stack") return { id: undefined, state: {} };
      cloud.resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      return { id: `${args.name}-id`, state: { ...args.inputs, ...stateFor(args) } };
    },
    call: (args) => {
      cloud.calls.push({ token: args.token, provider: args.provider, inputs: args.inputs });
      return callResult(args, cloud.managementAccount);
    },
  };
}

/** Installs Pulumi mocks that record every resource and call; config keys are given without the project prefix. */
export async function mockCloud(config: Record<string, string>, project = "org-credential-reports", fromDelegatedAdministrator?: boolean): Promise<MockCloud> {
  const cloud = newCloud(config, fromDelegatedAdministrator);
  await pulumi.runtime.setMocks(cloudMocks(cloud), project, "test", false);
  recordDependencies(cloud);
  pulumi.runtime.setAllConfig({
    "aws:region": REGION,
    ...Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value])),
  });
  return cloud;
}

type RegisterCallback = (error: Error | null, response?: { getUrn(): string }) => void;
interface AliasSpec {
  getName(): string;
  getType(): string;
  getParenturn(): string;
  getNoparent(): boolean;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getAliasesList(): { getUrn(): string; getSpec(): AliasSpec | undefined }[];
  getPropertydependenciesMap(): { forEach(visit: (value: { getUrnsList(): string[] }, key: string) => void): void };
}

/**
 * The mocks' newResource never sees which resources an input came from, yet the engine hands
 * exactly that to policy packs; nor a resource's parent and aliases, which decide its URNs. The
 * SDK sends them in the register request, so they are read there.
 */
function recordDependencies(cloud: MockCloud): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, callback: RegisterCallback): void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (error, response) => {
      const recorded = cloud.resources.find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === undefined);
      if (recorded && response) {
        recorded.urn = response.getUrn();
        recorded.propertyDependencies = {};
        req.getPropertydependenciesMap().forEach((value, key) => (recorded.propertyDependencies![key] = value.getUrnsList()));
        recorded.parent = req.getParent();
        recorded.aliases = req.getAliasesList().map((alias) => {
          const spec = alias.getSpec();
          return spec ? { name: spec.getName(), type: spec.getType(), parentUrn: spec.getParenturn(), noParent: spec.getNoparent() } : { urn: alias.getUrn() };
        });
      }
      callback(error, response);
    });
}

/**
 * Creates resources inside a root stack, as `pulumi up` does, so that a stack transformation can
 * record the options each resource gets (they never reach the mocks).
 */
export async function inStack(cloud: MockCloud, create: () => unknown): Promise<void> {
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      cloud.options.push({ type: args.type, name: args.name, retainOnDelete: args.opts.retainOnDelete });
      return undefined;
    });
    create();
    return {};
  });
}

/** The value of an output, once the mocks have resolved it. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * The error of an output whose apply threw (as a validation in a component does), or "no error".
 * Outputs offer no public way to observe a rejection; `promise()` is the SDK's own, used by its tests.
 */
export async function failureOf(output: pulumi.Output<unknown>): Promise<string> {
  try {
    await (output as unknown as { promise(): Promise<unknown> }).promise();
    return "no error";
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Lets resources that wait on other resources' outputs reach the mocks: waits until no new
 * resource has arrived for a few turns of the event loop.
 */
export async function settled(cloud: MockCloud): Promise<void> {
  let quietTurns = 0;
  let seen = -1;
  while (quietTurns < 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    quietTurns = cloud.resources.length === seen ? quietTurns + 1 : 0;
    seen = cloud.resources.length;
  }
}

/** The resources of one type. */
export function ofType(cloud: MockCloud, type: string): RecordedResource[] {
  return cloud.resources.filter((r) => r.type === type);
}

/** The one resource of a type whose name ends with the given suffix. */
export function one(cloud: MockCloud, type: string, nameEnding = ""): RecordedResource {
  const found = ofType(cloud, type).filter((r) => r.name.endsWith(nameEnding));
  if (found.length !== 1) throw new Error(`expected one ${type} named *${nameEnding}, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}

/** The items, after checking there are some: a loop of expectations over none would pass for nothing. */
export function some<T>(items: readonly T[], what: string): readonly T[] {
  if (items.length === 0) throw new Error(`expected at least one ${what}, found none`);
  return items;
}
