import { join } from "node:path";
import { build } from "esbuild";

/** The Lambda functions, each a folder of `functions/` with a `handler.ts`. */
export const FUNCTION_NAMES = ["list-accounts", "collect-report", "summarize"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * Bundles one function's handler and everything it imports (the pinned AWS SDK clients included,
 * rather than whichever version the Lambda runtime ships) into a single CommonJS file.
 * Deterministic: the same sources give the same bytes, so an unchanged function shows no diff.
 */
export async function bundleFunction(name: FunctionName): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, name, "handler.ts")],
    bundle: true,
    platform: "node",
    // Lambda's nodejs22.x runtime.
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}
