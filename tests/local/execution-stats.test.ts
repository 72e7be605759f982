import { expect } from "chai";
import { historyEventCount, lambdaInvocations, stateTransitions } from "../../local/execution-stats";
import type { ExecutionEvent } from "../../local/execution";

const state = (name: string, type: string) => ({ name, type });
const entered = (name: string, type: string): ExecutionEvent => ({ type: "StateEntered", state: state(name, type) });
const exited = (name: string, type: string): ExecutionEvent => ({ type: "StateExited", state: state(name, type) });

describe("execution statistics, as Step Functions would count them", () => {
  // A child that calls its Lambda, waits once, calls it again (one retried attempt) and ends.
  const child: ExecutionEvent[] = [
    { type: "ExecutionStarted" },
    entered("CollectBatch", "Task"),
    exited("CollectBatch", "Task"),
    entered("CheckBatch", "Choice"),
    exited("CheckBatch", "Choice"),
    entered("WaitForReports", "Wait"),
    exited("WaitForReports", "Wait"),
    entered("CollectBatch", "Task"),
    { type: "StateFailed", state: state("CollectBatch", "Task") },
    { type: "StateRetried", state: state("CollectBatch", "Task") },
    exited("CollectBatch", "Task"),
    entered("BatchDone", "Pass"),
    exited("BatchDone", "Pass"),
    { type: "ExecutionSucceeded" },
  ];

  it("counts history events: five for a Lambda Task, two for other states, two more per retried attempt", () => {
    // 2 (execution) + 5 + 2 + 2 + (5 + 1 failed + 2 retried) + 2
    expect(historyEventCount(child)).to.equal(21);
  });

  it("counts six parent events for a Distributed Map, however many children it ran", () => {
    const map: ExecutionEvent[] = [{ type: "MapStateEntered", state: state("CollectAccounts", "Map") }, { type: "MapRunStarted" }, { type: "MapRunSucceeded" }, { type: "MapStateExited", state: state("CollectAccounts", "Map") }];
    expect(historyEventCount(map)).to.equal(6);
  });

  it("bills a transition for every state entered and every retry, and counts each Lambda call", () => {
    expect(stateTransitions(child)).to.equal(6);
    expect(lambdaInvocations(child, new Set(["CollectBatch"]))).to.equal(3);
  });
});
