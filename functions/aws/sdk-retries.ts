/**
 * How every AWS client we make retries a call on its own: the SDK's adaptive mode, its standard
 * retries (3 attempts, exponential backoff with jitter, a retry quota) plus a client-side rate
 * limiter that slows the client down once AWS answers with throttling. A busy bucket or a busy
 * IAM then slows one Lambda instead of failing its step; what still fails after that is
 * retried on its own by `withRetries` or the state machine.
 */
export const SDK_RETRIES = { retryMode: "adaptive" } as const;

/**
 * A logger that says nothing. Given none, the SDK warns on the console ("An error was encountered
 * in a non-retryable streaming request.") each time a streamed upload fails, before it throws the
 * error that our code retries, reports and logs with its context.
 */
export const QUIET_SDK_LOGGER = { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
