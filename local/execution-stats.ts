import type { ExecutionEvent } from "./execution";

/**
 * How many Step Functions history events one interpreter event stands for. A Lambda Task is
 * TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted on entry, LambdaFunctionSucceeded
 * and TaskStateExited on exit, and Scheduled/Started/Failed again for each retried attempt; other
 * states are <Type>StateEntered and <Type>StateExited. A Distributed Map adds MapStateEntered,
 * MapStateStarted, MapRunStarted, MapRunSucceeded, MapStateSucceeded and MapStateExited to its
 * parent's history: six, however many children it runs.
 */
function historyEventsOf(event: ExecutionEvent): number {
  const task = event.state?.type === "Task";
  switch (event.type) {
    case "StateEntered":
      return task ? 3 : 1;
    case "StateExited":
      return task ? 2 : 1;
    case "StateFailed":
      return task ? 1 : 0;
    case "StateRetried":
      return task ? 2 : 0;
    case "MapStateEntered":
    case "MapStateExited":
      return 2;
    default:
      // ExecutionStarted/Succeeded/Failed, StateCaught, MapRunStarted/Succeeded.
      return 1;
  }
}

/** The number of events Step Functions would write into one execution's history. */
export function historyEventCount(events: readonly ExecutionEvent[]): number {
  return events.reduce((sum, event) => sum + historyEventsOf(event), 0);
}

/** State transitions as Step Functions bills them: every state entered, retries included. */
export function stateTransitions(events: readonly ExecutionEvent[]): number {
  return events.filter((event) => event.type === "StateEntered" || event.type === "StateRetried" || event.type === "MapStateEntered").length;
}

/** Lambda invocations: every entry into, and every retry of, one of the named Lambda Task states. */
export function lambdaInvocations(events: readonly ExecutionEvent[], lambdaStates: ReadonlySet<string>): number {
  return events.filter((event) => (event.type === "StateEntered" || event.type === "StateRetried") && lambdaStates.has(event.state?.name ?? "")).length;
}
