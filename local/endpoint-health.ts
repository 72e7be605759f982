import { isNetworkError } from "../functions/run/errors";

/**
 * Whether the AWS endpoint still answers. Every call through the local tools' clients reports
 * here after the SDK's own retries: any HTTP answer (an error status included) counts as alive;
 * only a failed connection counts against it.
 */
export class EndpointHealth {
  private lastAnswerAt: number;
  private failuresSinceAnswer = 0;
  private lastFailure = "";

  constructor(
    /** What the calls go to, for messages: the endpoint URL, or "AWS in <region>". */
    readonly target: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastAnswerAt = clock();
  }

  answered(): void {
    this.lastAnswerAt = this.clock();
    this.failuresSinceAnswer = 0;
  }

  failed(err: unknown): void {
    if (!isNetworkError(err)) {
      this.answered();
      return;
    }
    this.failuresSinceAnswer++;
    const e = err as { code?: string; message?: string };
    this.lastFailure = `${e.code ?? "network error"}: ${e.message ?? ""}`.trim();
  }

  /**
   * Why the endpoint counts as gone: it has not answered for `afterMs` and calls failed to
   * connect in that time. Undefined while it is alive.
   */
  unreachable(afterMs: number): string | undefined {
    const silentMs = this.clock() - this.lastAnswerAt;
    if (this.failuresSinceAnswer === 0 || silentMs < afterMs) return undefined;
    return `${this.target} has not answered for ${Math.round(silentMs / 1000)} s (${this.failuresSinceAnswer} call(s) failed to connect, last: ${this.lastFailure})`;
  }

  /** Reports every call of a client here. */
  watch(client: WatchableClient): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          const result = await next(args);
          this.answered();
          return result;
        } catch (err) {
          this.failed(err);
          throw err;
        }
      },
      // Outside the retry middleware: one report per call, after the SDK has tried its best.
      { step: "initialize", name: "endpointHealth" },
    );
  }
}

// Each client types its handlers by its own commands; this middleware only passes them through.
type Handler = (args: any) => Promise<any>;

/** What every AWS SDK v3 client has: a middleware stack (typed here only as far as used). */
export interface WatchableClient {
  readonly middlewareStack: { add(middleware: (next: Handler) => Handler, options: { step: "initialize"; name: string }): void };
}
