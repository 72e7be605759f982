/** The Lambda functions, each a folder of `functions/` with a `handler.ts`. */
export const FUNCTION_NAMES = ["list-accounts", "collect-report", "summarize"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Per function: its timeout and memory. Summarize checks every stored report, hence the longest. */
export const FUNCTION_SIZES: Record<FunctionName, { timeout: number; memorySize: number; ephemeralStorage?: { size: number } }> = {
  // Organizations pages 20 accounts at a time: about 2,500 pages at 50,000 accounts, close to 300 s
  // at 0.1 s a page (docs/operations.md, "At 50,000 and 100,000 accounts"). Lambda's most.
  "list-accounts": { timeout: 900, memorySize: 256 },
  // A batch of up to 100 accounts, 10 at a time, each polled for at most 15 s within the call, and
  // analysed (and its findings sent to Security Hub) where its report is read.
  "collect-report": { timeout: 300, memorySize: 512 },
  // Combines the accounts' analyses one at a time: its memory holds a few accounts and a part of
  // each file, never the run (378 MiB at 10,000 accounts of 100 users, npm run bench:analysis).
  // 2,048 MB is for the first run after an upgrade from 0.2.0, which reads the previous run's whole
  // findings.json as that version did. Nothing is staged on /tmp (streamed-files.ts): its default.
  summarize: { timeout: 900, memorySize: 2048 },
};
