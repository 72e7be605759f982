/** The Lambda functions, each a folder of `functions/` with a `handler.ts`. */
export const FUNCTION_NAMES = ["list-accounts", "collect-report", "summarize"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Per function: its timeout and memory. Summarize checks every stored report, hence the longest. */
export const FUNCTION_SIZES: Record<FunctionName, { timeout: number; memorySize: number; ephemeralStorage?: { size: number } }> = {
  "list-accounts": { timeout: 300, memorySize: 256 },
  // A batch of up to 100 accounts, 10 at a time, each polled for at most 15 s within the call, and
  // analysed (and its findings sent to Security Hub) where its report is read.
  "collect-report": { timeout: 300, memorySize: 512 },
  // Combines the accounts' analyses one at a time: its memory holds a few accounts, never the run
  // (281 MiB at 10,000 accounts of 100 users, npm run bench:analysis). 2,048 MB is for the first
  // run after an upgrade from 0.2.0, which reads the previous run's whole findings.json as that
  // version did. The organization's files are assembled on /tmp before they are stored: 10 GB,
  // Lambda's most, holds the 3.1 GB of 10,000 accounts of 100 users (docs/benchmarks.md).
  summarize: { timeout: 900, memorySize: 2048, ephemeralStorage: { size: 10240 } },
};
