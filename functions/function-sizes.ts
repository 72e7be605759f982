/** The Lambda functions, each a folder of `functions/` with a `handler.ts`. */
export const FUNCTION_NAMES = ["list-accounts", "collect-report", "summarize"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Per function: its timeout and memory. Summarize checks every stored report, hence the longest. */
export const FUNCTION_SIZES: Record<FunctionName, { timeout: number; memorySize: number }> = {
  "list-accounts": { timeout: 300, memorySize: 256 },
  // A batch of up to 100 accounts, 10 at a time, each polled for at most 15 s within the call.
  "collect-report": { timeout: 300, memorySize: 512 },
  // The analysis holds every report and finding: 370 MiB peak at 2,000 accounts of 20 users, 1.3 GiB
  // at 100 users each (npm run bench:analysis). Lambda's longest timeout: with Security Hub on, it
  // also assumes the member role and imports in every account with findings.
  summarize: { timeout: 900, memorySize: 2048 },
};
