import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { errorAnswer } from "../../emulator/authorizer/aws-answers";
import { describeCall } from "../../emulator/authorizer/aws-requests";

/** An AWS error answer: the HTTP status and the error code, as the service would send them. */
export interface AwsFault {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/** A successful-looking answer of the proxy's own, such as a batch call that refuses some items. */
export interface AnswerInstead {
  readonly respond: (requestBody: string) => { readonly status: number; readonly body: string };
}

/**
 * One fault: which requests it hits (every field given must match) and what they get instead of
 * the emulator's answer.
 */
export interface FaultRule {
  /** The signing name of the service: sts, iam, s3, organizations, sns, events, securityhub. */
  readonly service?: string;
  /** The API action: AssumeRole, GenerateCredentialReport, PutObject, HeadObject, ListAccounts, ... */
  readonly action?: string;
  /** The account the call acts in: AssumeRole's target, or the account of the credentials used. */
  readonly account?: string;
  /** The S3 object key. */
  readonly key?: RegExp;
  /** An AWS error answer; "drop": the connection is closed without an answer; or an answer made from the request's body. */
  readonly fault: AwsFault | "drop" | AnswerInstead;
  /** Matching requests let through before the rule starts. @default 0 */
  readonly skip?: number;
  /** Matching requests the rule hits, then it stops. @default every one */
  readonly times?: number;
  /** The share of matching requests hit, drawn from a seeded generator. @default 1 */
  readonly probability?: number;
  /** Once it first hits, the rule hits every matching request for this long, then stops. */
  readonly forMs?: number;
}

/** What the proxy saw of one request. */
export interface SeenRequest {
  readonly service: string;
  readonly action: string;
  readonly account?: string;
  readonly key?: string;
  /** The index of the rule that hit it, if one did. */
  readonly faultedBy?: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Adds a rule; rules are tried in the order added, and the first that hits wins. */
  addRule(rule: FaultRule): void;
  /** Removes every rule and forgets what was seen. */
  reset(): void;
  /** Every request since the last reset. */
  readonly seen: readonly SeenRequest[];
  close(): Promise<void>;
}

interface RuleState {
  readonly rule: FaultRule;
  matched: number;
  hits: number;
  firstHitAt?: number;
}

/**
 * A loopback HTTP proxy in front of the emulator that makes AWS fail the way it does for real:
 * error answers in each service's own protocol (query XML for STS, IAM and SNS, JSON for
 * Organizations, EventBridge and Security Hub, REST XML for S3), throttling, 5xx, dropped connections and outages, chosen by
 * rules. It knows which account an IAM call acts in by remembering whose credentials each
 * AssumeRole handed out. Everything else is passed through unchanged.
 */
export async function startFaultProxy(upstream: string, options: { defaultAccount?: string; seed?: number } = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rules: RuleState[] = [];
  let seen: SeenRequest[] = [];
  const accountOfAccessKey = new Map<string, string>();
  const random = seededRandom(options.seed ?? 7);

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const call = describeRequest(incoming, body, accountOfAccessKey, options.defaultAccount);
      const ruleIndex = rules.findIndex((state) => hits(state, call, random));
      seen.push({ ...call, ...(ruleIndex >= 0 ? { faultedBy: ruleIndex } : {}) });
      if (ruleIndex >= 0) {
        const { fault } = rules[ruleIndex].rule;
        if (fault === "drop") incoming.socket.destroy();
        else if ("respond" in fault) {
          const answer = fault.respond(body.toString());
          outgoing.writeHead(answer.status, { "content-type": "application/json" });
          outgoing.end(answer.body);
        } else answerWithError(outgoing, call, fault, incoming.method === "HEAD");
        return;
      }
      forward(target, incoming, body, outgoing, (answer) => {
        // AssumeRole's answer names the keys it hands out: later calls signed with them act in its account.
        if (call.action === "AssumeRole" && call.account) {
          const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer)?.[1];
          if (key) accountOfAccessKey.set(key, call.account);
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    addRule: (rule) => rules.push({ rule, matched: 0, hits: 0 }),
    reset: () => {
      rules = [];
      seen = [];
    },
    get seen() {
      return seen;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function hits(state: RuleState, call: SeenRequest, random: () => number): boolean {
  const { rule } = state;
  const matches =
    (rule.service === undefined || rule.service === call.service) &&
    (rule.action === undefined || rule.action === call.action) &&
    (rule.account === undefined || rule.account === call.account) &&
    (rule.key === undefined || (call.key !== undefined && rule.key.test(call.key)));
  if (!matches) return false;
  state.matched++;
  if (state.matched <= (rule.skip ?? 0)) return false;
  if (rule.times !== undefined && state.hits >= rule.times) return false;
  if (rule.forMs !== undefined && state.firstHitAt !== undefined && Date.now() - state.firstHitAt > rule.forMs) return false;
  if (rule.probability !== undefined && random() >= rule.probability) return false;
  state.hits++;
  state.firstHitAt ??= Date.now();
  return true;
}

/** Service, action, account and key of a signed AWS request, as the emulator's layer reads it. */
function describeRequest(incoming: IncomingMessage, body: Buffer, accountOfAccessKey: ReadonlyMap<string, string>, defaultAccount?: string): SeenRequest {
  const call = describeCall({ method: incoming.method ?? "GET", url: incoming.url ?? "/", headers: incoming.headers, body });
  const account = call.operation === "AssumeRole" ? String(call.params.RoleArn).split(":")[4] : (accountOfAccessKey.get(call.accessKeyId ?? "") ?? defaultAccount);
  return { service: call.service, action: call.operation, account, ...(call.s3?.key !== undefined ? { key: call.s3.key } : {}) };
}

function answerWithError(outgoing: ServerResponse, call: SeenRequest, fault: AwsFault, head: boolean): void {
  const answer = errorAnswer(call.service, { ...fault, message: fault.message ?? `${fault.code} (injected by the fault proxy)` }, { head, requestId: "fault-proxy" });
  outgoing.writeHead(answer.status, answer.headers);
  outgoing.end(answer.body);
}

function forward(target: URL, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse, onAnswer: (text: string) => void): void {
  const forwarded = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
    const parts: Buffer[] = [];
    response.on("data", (chunk: Buffer) => parts.push(chunk));
    response.on("end", () => {
      const answer = Buffer.concat(parts);
      onAnswer(answer.toString());
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      outgoing.end(answer);
    });
  });
  forwarded.on("error", (err) => {
    outgoing.writeHead(502);
    outgoing.end(String(err));
  });
  forwarded.end(body);
}


/** mulberry32: a small seeded generator, so a "30 %" fault draws the same numbers every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** AssumeRole into the account refused, as AWS does when the member role is missing or does not trust the caller. */
export function assumeRoleDenied(accountId: string): FaultRule {
  return {
    service: "sts",
    action: "AssumeRole",
    account: accountId,
    fault: {
      status: 403,
      code: "AccessDenied",
      message: `User: arn:aws:sts::123456789012:assumed-role/collector/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${accountId}:role/member`,
    },
  };
}
