import { StateMachine } from "aws-local-stepfunctions";
import { applyResultPath, type ExecutionContext, type Json } from "./asl-paths";
import { type ChildOutcome, isDistributedMap, type MapRunDeps, runDistributedMap } from "./distributed-map";

/** What the interpreter reports of an execution: its event log (ExecutionStarted, StateEntered, ...), without the payloads. */
export type ExecutionEvent = { readonly type: string; readonly state?: { readonly name: string; readonly type: string } };

/** The event logs of one execution and of each of its Map's child executions. */
export interface ExecutionHistory {
  readonly parent: ExecutionEvent[];
  readonly children: ExecutionEvent[][];
  /** The largest input or output of any state, parent or child, in bytes of JSON. */
  largestPayloadBytes: number;
}

export interface LocalExecutionOptions {
  readonly context: ExecutionContext;
  /** The interpreter's overrides: local handlers for Task states, shorter Waits and retry pauses. */
  readonly overrides: Record<string, unknown>;
  /** S3 and the ARNs of the Distributed Map's runs. */
  readonly map: Omit<MapRunDeps, "runChild">;
  /** Replaces the definition's TimeoutSeconds (tests of a run that times out). @default TimeoutSeconds */
  readonly timeoutMs?: number;
}

export interface LocalExecution {
  readonly result: Promise<Json>;
  readonly history: ExecutionHistory;
  abort(): void;
}

/** The execution did not finish within the definition's TimeoutSeconds. */
export class ExecutionTimedOut extends Error {
  constructor(seconds: number) {
    super(`the execution did not finish within its TimeoutSeconds (${seconds} s)`);
    this.name = "States.Timeout";
  }
}

/**
 * "Maximum input or output size for a task, state, or execution: 262,144 bytes of data as a UTF-8
 * encoded string" (Step Functions Developer Guide, "Quotas"). A state past it fails the execution
 * with States.DataLimitExceeded, which no Catch of States.ALL catches.
 */
export const STATE_PAYLOAD_LIMIT_BYTES = 262_144;

export class DataLimitExceeded extends Error {
  constructor(state: string, bytes: number) {
    super(`the input or output of state ${state} is ${bytes} bytes, over Step Functions' ${STATE_PAYLOAD_LIMIT_BYTES}`);
    this.name = "States.DataLimitExceeded";
  }
}

class ExecutionAborted extends Error {
  constructor() {
    super("the execution was stopped");
    this.name = "ExecutionAborted";
  }
}

interface Definition {
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, State>;
}

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals: readonly string[]; readonly ResultPath?: string | null; readonly Next: string }>;
  readonly [field: string]: unknown;
}

/**
 * Executes a state machine definition in-process. aws-local-stepfunctions runs every state but a
 * Distributed Map: here each top-level state runs in the interpreter on its own (its Retry, paths
 * and Task handler included), this loop follows Next and Catch between them, and a Distributed
 * Map runs through distributed-map.ts, whose child executions run the definition's own
 * ItemProcessor in the interpreter. The definition is executed as given, never rewritten.
 */
export function executeDefinition(definition: Definition, input: Json, options: LocalExecutionOptions): LocalExecution {
  const history: ExecutionHistory = { parent: [{ type: "ExecutionStarted" }], children: [], largestPayloadBytes: 0 };
  const running = new Set<() => void>();
  let aborted = false;
  let timer: NodeJS.Timeout | undefined;
  let tooLarge: DataLimitExceeded | undefined;

  const runInInterpreter = async (machineDefinition: object, stateInput: Json, context: ExecutionContext, log: ExecutionEvent[], steps = false): Promise<Json> => {
    const execution = new StateMachine(machineDefinition as never, { validationOptions: { noValidate: true } }).run(stateInput as never, {
      overrides: options.overrides as never,
      context: context as never,
    });
    running.add(execution.abort);
    try {
      return (await execution.result) as Json;
    } finally {
      running.delete(execution.abort);
      for await (const event of execution.eventLogs) {
        // One state run on its own is a step of the parent, not an execution of its own.
        if (steps && event.type.startsWith("Execution")) continue;
        const state = "state" in event ? (event.state as { name: string; type: string; input?: unknown; output?: unknown }) : undefined;
        if (state) {
          for (const payload of [state.input, state.output]) {
            if (payload === undefined) continue;
            const bytes = Buffer.byteLength(JSON.stringify(payload));
            history.largestPayloadBytes = Math.max(history.largestPayloadBytes, bytes);
            tooLarge ??= bytes > STATE_PAYLOAD_LIMIT_BYTES ? new DataLimitExceeded(state.name, bytes) : undefined;
          }
        }
        // Kept without payloads: 10,000 accounts' worth of them would be the biggest thing in memory.
        log.push({ type: event.type, ...(state ? { state: { name: state.name, type: state.type } } : {}) });
      }
    }
  };

  const runChild = async (childInput: Json, name: string): Promise<ChildOutcome> => {
    const log: ExecutionEvent[] = [];
    history.children.push(log);
    try {
      const output = await runInInterpreter(mapStateOf(definition).ItemProcessor, childInput, { Execution: { Name: name, StartTime: new Date().toISOString() } }, log);
      return { status: "SUCCEEDED", output };
    } catch (err) {
      if (aborted) throw err;
      const { Error, Cause } = caughtError(err);
      return { status: "FAILED", error: Error, cause: Cause };
    }
  };

  const walk = async (): Promise<Json> => {
    let name = definition.StartAt;
    let data = input;
    for (;;) {
      if (aborted) throw new ExecutionAborted();
      if (tooLarge) throw tooLarge;
      const state = definition.States[name];
      if (state.Type === "Choice") {
        name = await chosen(name, state, data);
        continue;
      }
      let output: Json;
      try {
        output = isDistributedMap(state as never)
          ? await runMapStep(name, state, data)
          : await runInInterpreter({ StartAt: name, States: { [name]: alone(state) } }, data, options.context, history.parent, true);
      } catch (err) {
        if (aborted || tooLarge || state.Type === "Fail") throw tooLarge ?? err;
        const caught = caughtError(err);
        const catcher = state.Catch?.find((c) => c.ErrorEquals.includes("States.ALL") || c.ErrorEquals.includes(caught.Error));
        if (!catcher) throw err;
        data = await applyResultPath(data, caught as unknown as Json, catcher.ResultPath, options.context);
        name = catcher.Next;
        continue;
      }
      if (tooLarge) throw tooLarge;
      if (state.End || state.Type === "Succeed") return output;
      if (!state.Next) throw new Error(`state ${name} has neither Next nor End`);
      name = state.Next;
      data = output;
    }
  };

  /**
   * Where a Choice leads, decided by the interpreter itself: the Choice runs with each of its
   * targets as a Pass that answers with its own name. A Choice passes its input on unchanged.
   */
  const chosen = async (name: string, state: State, data: Json): Promise<string> => {
    const rules = (state.Choices as { Next: string }[] | undefined) ?? [];
    const targets = [...new Set([...rules.map((rule) => rule.Next), ...(typeof state.Default === "string" ? [state.Default] : [])])];
    const branches = Object.fromEntries(targets.map((target) => [target, { Type: "Pass", Result: target, End: true }]));
    const events: ExecutionEvent[] = [];
    const next = String(await runInInterpreter({ StartAt: name, States: { ...branches, [name]: state } }, data, options.context, events, true));
    // The Choice's own events only: the branches that answered are no states of the execution.
    history.parent.push(...events.filter((event) => event.state?.name === name));
    return next;
  };

  const runMapStep = async (name: string, state: State, data: Json): Promise<Json> => {
    // A Map Run adds the same few events to the parent's history, whatever its number of children.
    history.parent.push({ type: "MapStateEntered", state: { name, type: "Map" } }, { type: "MapRunStarted" });
    const output = await runDistributedMap(name, state as never, data, options.context, { ...options.map, runChild });
    history.parent.push({ type: "MapRunSucceeded" }, { type: "MapStateExited", state: { name, type: "Map" } });
    return output;
  };

  const timeout = definition.TimeoutSeconds;
  const timeoutMs = options.timeoutMs ?? (timeout ? timeout * 1000 : undefined);
  const deadline = new Promise<never>((_, reject) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => reject(new ExecutionTimedOut(timeoutMs / 1000)), timeoutMs);
  });
  const abort = () => {
    aborted = true;
    for (const stop of running) stop();
  };
  const result = Promise.race([walk(), deadline]).then(
    (output) => {
      history.parent.push({ type: "ExecutionSucceeded" });
      return output;
    },
    (err: unknown) => {
      history.parent.push({ type: "ExecutionFailed" });
      if (err instanceof ExecutionTimedOut) abort();
      throw err;
    },
  );
  result.finally(() => clearTimeout(timer)).catch(() => undefined);
  return { result, history, abort };
}

/** A state run on its own: its flow (Next, Catch) is the walker's. */
function alone(state: State): State {
  const { Next: _next, Catch: _catch, ...rest } = state;
  return state.Type === "Fail" ? rest : { ...rest, End: true };
}

function mapStateOf(definition: Definition): { ItemProcessor: object } {
  const map = Object.values(definition.States).find((state) => isDistributedMap(state as never));
  return map as unknown as { ItemProcessor: object };
}

/**
 * The error of a failed state as a Catch sees it. The interpreter wraps the state's error in an
 * ExecutionError; its name is the Error, its message the Cause.
 */
export function caughtError(err: unknown): { Error: string; Cause: string } {
  const failure = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (failure instanceof Error) return { Error: failure.name, Cause: failure.message };
  return { Error: "States.Runtime", Cause: String(failure) };
}
