import type { LocalRunResult } from "../local/runner";

/** Exit status of a command that ran as asked, but not everything of it succeeded. */
export const EXIT_INCOMPLETE = 1;
/** Exit status of bad usage: a flag or value the command cannot take. Nothing was called. */
export const EXIT_USAGE = 2;

/**
 * The exit status of a run: 0 when every active account was collected and the run analysed;
 * EXIT_INCOMPLETE when an account failed, the analysis failed or the run stopped.
 */
export function exitStatusOf(result: LocalRunResult): number {
  if (result.status === "failed") return EXIT_INCOMPLETE;
  return result.summary.counts.failed === 0 && !result.summary.analysisError ? 0 : EXIT_INCOMPLETE;
}

/** Bad usage, found before any AWS call: the message names the flag, the value and what is allowed. */
export class UsageError extends Error {}
