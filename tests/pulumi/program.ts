import { inStack, mockCloud, type MockCloud, settled, valueOf } from "./mock-cloud";
import { STACKS } from "./stacks";

/** The stack outputs of index.ts. */
export type StackOutputs = Record<string, unknown>;

/**
 * Runs index.ts under the mocks with the given config (keys without the project prefix) and
 * returns what it created and exported. The program is loaded afresh for each run.
 */
export async function runProgram(config: Record<string, string>): Promise<MockCloud & { outputs: StackOutputs }> {
  const cloud = await mockCloud(config);
  const path = require.resolve("../../index");
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
