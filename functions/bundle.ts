import { join } from "node:path";
import { build } from "esbuild";

/** The Lambda functions, each a folder of `functions/` with a `handler.ts`. */
export const FUNCTION_NAMES = ["list-accounts", "collect-report", "summarize"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Per function: its timeout and memory. Summarize checks every stored report, hence the longest. */
export const FUNCTION_SIZES: Record<FunctionName, { timeout: number; memorySize: number }> = {
  "list-accounts": { timeout: 300, memorySize: 256 },
  // A batch of up to 100 accounts, 10 at a time, each polled for at most 15 s within the call.
  "collect-report": { timeout: 300, memorySize: 512 },
  // The analysis holds every report and finding: 370 MiB peak at 2,000 accounts of 20 users, 1.3 GiB
  // at 100 users each (npm run bench:analysis).
  summarize: { timeout: 600, memorySize: 2048 },
};

/**
 * The Lambda runtime the bundles are built for. nodejs22.x is deprecated on 2027-04-30; nodejs24.x
 * is supported until 2028-04-30 (the policy pack's lambda-runtime-supported knows both dates).
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

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
