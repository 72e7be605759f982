import { setTimeout as sleep } from "node:timers/promises";
import { describeAwsError, TransientAwsError } from "../run/errors";

/** Tries of one read or write that AWS answers "later", the first included. */
const TRIES = 6;

/**
 * Runs `work` again when AWS answers "later" (throttling, 5xx, the network) after the SDK's own
 * retries, with a doubling pause: one throttled read is tried again on its own, rather than failing
 * the step and with it every read the step had done. Anything else, or "later" every time, is thrown.
 */
export async function withRetries<T>(work: () => Promise<T>, pauseMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const transient = err instanceof TransientAwsError || describeAwsError(err).transient;
      if (!transient || attempt >= TRIES) throw err;
      await sleep(pauseMs * 2 ** (attempt - 1));
    }
  }
}
