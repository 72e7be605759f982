import { expect } from "chai";
import aslValidator from "asl-validator";
import { DEFAULT_SETTINGS } from "../../functions/settings";
import { buildDefinition, SNS_PUBLISH_RESOURCE, STATES } from "../../functions/state-machine-definition";

const targets = {
  listAccountsArn: "arn:aws:lambda:us-east-1:111122223333:function:list",
  collectReportArn: "arn:aws:lambda:us-east-1:111122223333:function:collect",
  summarizeArn: "arn:aws:lambda:us-east-1:111122223333:function:summarize",
  topicArn: "arn:aws:sns:us-east-1:111122223333:alerts",
};

// The definition is plain JSON; walk it by state name.
type State = Record<string, any>;

describe("state machine definition", () => {
  const definition = buildDefinition(targets, { maxConcurrency: 7, maxPollAttempts: 12, pollIntervalSeconds: 30, runTimeoutMinutes: 90 }) as State;
  const map = definition.States[STATES.collectAccounts] as State;
  const iteration = map.ItemProcessor.States as Record<string, State>;

  it("is valid Amazon States Language, paths and ARNs included", () => {
    // The validator writes defaults (QueryLanguage) into what it checks: give it a copy.
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText("\n")).to.equal("");
    expect(result.isValid).to.equal(true);
  });

  it("is a pure function of its inputs", () => {
    expect(buildDefinition(targets, DEFAULT_SETTINGS)).to.deep.equal(buildDefinition(targets, DEFAULT_SETTINGS));
    expect(JSON.stringify(buildDefinition(targets, DEFAULT_SETTINGS))).to.not.equal(JSON.stringify(definition));
  });

  it("runs ListAccounts, then a Map over the accounts, then Summarize", () => {
    expect(definition.StartAt).to.equal(STATES.startRun);
    expect(definition.States[STATES.startRun].Next).to.equal(STATES.listAccounts);
    expect(definition.States[STATES.listAccounts]).to.include({ Resource: targets.listAccountsArn, Next: STATES.collectAccounts });
    expect(map).to.include({ Type: "Map", ItemsPath: "$.listing.accounts", Next: STATES.summarize });
    expect(definition.States[STATES.summarize]).to.include({ Resource: targets.summarizeArn, End: true });
  });

  it("takes run id and date from the execution, not from a Lambda", () => {
    expect(definition.States[STATES.startRun].Parameters).to.deep.equal({
      run: { "id.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" },
    });
  });

  it("bounds the Map's concurrency and hands each iteration the poll settings", () => {
    expect(map.MaxConcurrency).to.equal(7);
    expect(map.ItemSelector).to.deep.equal({
      "account.$": "$$.Map.Item.Value",
      "run.$": "$.run",
      poll: { maxAttempts: 12, intervalSeconds: 30 },
      progress: { attempts: 0 },
    });
  });

  it("catches every error of an iteration, notifies SNS and records the failure", () => {
    expect(iteration[STATES.collectReport].Catch).to.deep.equal([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATES.notifyAccountFailure },
    ]);
    const notify = iteration[STATES.notifyAccountFailure];
    expect(notify.Resource).to.equal(SNS_PUBLISH_RESOURCE);
    expect(notify.Parameters.TopicArn).to.equal(targets.topicArn);
    expect(notify.Parameters["Message.$"]).to.contain("$.account.id").and.contain("$.run.id").and.contain("$.error.Error");
    expect(notify.Catch[0]).to.include({ Next: STATES.accountFailed });
    expect(iteration[STATES.accountFailed]).to.include({ End: true });
    expect(iteration[STATES.accountFailed].Parameters).to.include({ status: "failed", "error.$": "$.error" });
  });

  it("waits with the interval CollectReport computed, then calls again", () => {
    expect(iteration[STATES.checkProgress].Choices).to.deep.equal([
      { Variable: "$.progress.status", StringEquals: "pending", Next: STATES.waitForReport },
      { Variable: "$.progress.status", StringEquals: "collected", Next: STATES.accountCollected },
    ]);
    expect(iteration[STATES.checkProgress].Default).to.equal(STATES.unexpectedProgress);
    expect(iteration[STATES.waitForReport]).to.deep.equal({ Type: "Wait", SecondsPath: "$.progress.waitSeconds", Next: STATES.collectReport });
  });

  it("retries only the Lambda service's transient errors, with backoff", () => {
    const [retry] = iteration[STATES.collectReport].Retry;
    expect(retry.ErrorEquals).to.include("Lambda.TooManyRequestsException").and.not.include("States.ALL");
    expect(retry.BackoffRate).to.be.greaterThan(1);
  });

  it("runs ListAccounts and Summarize again, with growing jittered pauses, when AWS said \"later\", and on no other error of ours", () => {
    for (const name of [STATES.listAccounts, STATES.summarize]) {
      const retries = definition.States[name].Retry as { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; JitterStrategy: string }[];
      const transient = retries.find((r) => r.ErrorEquals.includes("TransientAwsError"))!;
      expect(transient.ErrorEquals, name).to.deep.equal(["TransientAwsError"]);
      expect(transient).to.include({ BackoffRate: 2, JitterStrategy: "FULL" });
      expect(transient.MaxAttempts).to.be.at.least(3);
      const retried = retries.flatMap((r) => r.ErrorEquals);
      for (const permanent of ["States.ALL", "ListAccountsFailed", "StoreFailed", "InvalidInput"]) expect(retried, name).to.not.include(permanent);
    }
    // CollectReport turns "later" into another poll; it has no such retry.
    expect(iteration[STATES.collectReport].Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).to.not.include("TransientAwsError");
  });

  it("gives the run a deadline of runTimeoutMinutes", () => {
    expect(definition.TimeoutSeconds).to.equal(90 * 60);
  });

  it("turns a failure of the run itself into a notice and a failed execution", () => {
    for (const name of [STATES.listAccounts, STATES.collectAccounts, STATES.summarize]) {
      expect(definition.States[name].Catch[0]).to.include({ Next: STATES.notifyRunFailure });
    }
    expect(definition.States[STATES.notifyRunFailure].Next).to.equal(STATES.runFailed);
    expect(definition.States[STATES.runFailed]).to.deep.equal({ Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" });
  });

  it("carries no report contents: iteration results keep ids, statuses and counts", () => {
    expect(Object.keys(iteration[STATES.accountCollected].Parameters)).to.deep.equal(["id.$", "name.$", "status", "attempts.$"]);
  });
});
