import { inStack, mockCloud, type MockCloud, type RecordedResource, settled, valueOf } from "./mock-cloud";
import { STACKS } from "./stacks";

/** The stack outputs of index.ts. */
export type StackOutputs = Record<string, unknown>;

/**
 * Runs index.ts under the mocks with the given config (keys without the project prefix) and
 * returns what it created and exported. The program is loaded afresh for each run.
 */
export async function runProgram(config: Record<string, string>): Promise<MockCloud & { outputs: StackOutputs }> {
  const cloud = await mockCloud(config);
  const path = require.resolve("../../../index");
  delete require.cache[path];
  let program: Record<string, unknown> = {};
  await inStack(cloud, () => (program = require(path)));
  const outputs: StackOutputs = {};
  for (const [name, value] of Object.entries(program)) {
    outputs[name] = isOutput(value) ? await valueOf(value) : value;
  }
  await settled(cloud);
  return { ...cloud, outputs };
}

/**
 * Runs a program of one's own under the mocks: `create` makes its resources inside a root stack,
 * as a program that embeds the component would. Config keys are given without the project prefix.
 */
export async function runOwnProgram(create: () => unknown, config: Record<string, string> = {}, project?: string, fromDelegatedAdministrator?: boolean): Promise<MockCloud> {
  const cloud = await mockCloud(config, project, fromDelegatedAdministrator);
  let made: unknown;
  await inStack(cloud, () => (made = create()));
  // What waits on the outputs (the Lambdas wait on their bundles) reaches the mocks after them.
  for (const value of [await made].flat()) {
    if (typeof value !== "object" || value === null) continue;
    // A provider's construct() answers with the component's outputs as its state.
    const outputs = "state" in value ? (value.state as object) : value;
    for (const output of Object.values(outputs).filter(isOutput)) await valueOf(output);
  }
  await settled(cloud);
  return cloud;
}

function isOutput(value: unknown): value is import("@pulumi/pulumi").Output<unknown> {
  return typeof value === "object" && value !== null && "apply" in value;
}

const stackRuns = new Map<string, Promise<MockCloud & { outputs: StackOutputs }>>();

/**
 * The run of one of the STACKS, made once per test process and shared by every test file that
 * reads it (runs never change what they recorded).
 */
export function runStack(stack: string): Promise<MockCloud & { outputs: StackOutputs }> {
  const config = STACKS[stack];
  if (!config) throw new Error(`no stack ${JSON.stringify(stack)}; known: ${Object.keys(STACKS).join(", ")}`);
  let run = stackRuns.get(stack);
  if (!run) stackRuns.set(stack, (run = runProgram(config)));
  return run;
}

/** What each resource is, as the engine gets it (unset inputs are not sent), without where it came from: to compare two runs. */
export function resourceShapes(resources: readonly RecordedResource[]): { type: string; name: string; inputs: unknown }[] {
  return resources
    .map((r) => ({ type: r.type, name: r.name, inputs: JSON.parse(JSON.stringify(r.inputs)) }))
    .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
}
