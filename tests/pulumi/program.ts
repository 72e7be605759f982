import { inStack, mockCloud, type MockCloud, settled, valueOf } from "./mock-cloud";

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
