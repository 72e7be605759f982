import { existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { FunctionName } from "./function-sizes";

export { FUNCTION_NAMES, FUNCTION_SIZES, type FunctionName } from "./function-sizes";

/**
 * The Lambda runtime the bundles are built for. nodejs22.x is deprecated on 2027-04-30; nodejs24.x
 * is supported until 2028-04-30 (the policy pack's lambda-runtime-supported knows both dates).
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

const bundles = new Map<FunctionName, Promise<string>>();

/**
 * One function's bundle, built once per process: a program that makes the pipeline more than once
 * (two instances, or the tests' many mock stacks) runs esbuild once per function.
 */
export function bundleFunction(name: FunctionName): Promise<string> {
  let bundle = bundles.get(name);
  if (!bundle) bundles.set(name, (bundle = buildBundle(name)));
  return bundle;
}

/**
 * Bundles one function's handler and everything it imports (the pinned AWS SDK clients included,
 * rather than whichever version the Lambda runtime ships) into a single CommonJS file.
 * Deterministic: the same sources give the same bytes, so an unchanged function shows no diff.
 */
export async function buildBundle(name: FunctionName): Promise<string> {
  const result = await build({
    entryPoints: [handlerFile(name)],
    bundle: true,
    platform: "node",
    // The Node.js of LAMBDA_RUNTIME.
    target: "node24",
    format: "cjs",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/**
 * The handler beside this file, whatever the working directory: the TypeScript source in this
 * repository, the JavaScript tsc made of it in the installed package (lib/).
 */
function handlerFile(name: FunctionName): string {
  const source = join(__dirname, "..", name, "handler.ts");
  return existsSync(source) ? source : join(__dirname, "..", name, "handler.js");
}
