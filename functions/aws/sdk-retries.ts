/**
 * How every AWS client we make retries a call on its own: the SDK's adaptive mode, its standard
 * retries (3 attempts, exponential backoff with jitter, a retry quota) plus a client-side rate
 * limiter that slows the client down once AWS answers with throttling. A busy bucket or a busy
 * IAM then slows one Lambda instead of failing its step; what still fails after that is
 * retried on its own by `withRetries` or the state machine.
 */
export const SDK_RETRIES = { retryMode: "adaptive" } as const;
