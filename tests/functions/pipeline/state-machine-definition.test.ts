import { expect } from "chai";
import aslValidator from "asl-validator";
import { FUNCTION_SIZES } from "../../../functions/pipeline/function-sizes";
import { DEFAULT_SETTINGS } from "../../../functions/run/settings";
import { buildDefinition, SHARD_CONCURRENCY, SNS_PUBLISH_RESOURCE, STATES } from "../../../functions/pipeline/state-machine-definition";

const targets = {
  listAccountsArn: "arn:aws:lambda:us-east-1:111122223333:function:list",
  collectReportArn: "arn:aws:lambda:us-east-1:111122223333:function:collect",
  summarizeArn: "arn:aws:lambda:us-east-1:111122223333:function:summarize",
  topicArn: "arn:aws:sns:us-east-1:111122223333:alerts",
  mapBucket: "credreport-map-files-1234",
};

// The definition is plain JSON; walk it by state name.
type State = Record<string, any>;

describe("state machine definition", () => {
  const definition = buildDefinition(targets, { maxConcurrency: 7, accountsPerBatch: 40, maxPollAttempts: 12, pollIntervalSeconds: 30, runTimeoutMinutes: 90 }) as State;
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

  it("runs ListAccounts, then a Distributed Map over the accounts, then Summarize", () => {
    expect(definition.StartAt).to.equal(STATES.route);
    expect(definition.States[STATES.route].Default).to.equal(STATES.startRun);
    expect(definition.States[STATES.startRun].Next).to.equal(STATES.listAccounts);
    expect(definition.States[STATES.listAccounts]).to.include({ Resource: targets.listAccountsArn, Next: STATES.collectAccounts });
    expect(map).to.include({ Type: "Map", Next: STATES.summarize });
    expect(map.ItemProcessor.ProcessorConfig).to.deep.equal({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    expect(definition.States[STATES.summarize]).to.include({ Resource: targets.summarizeArn, ResultPath: "$.summary", Next: STATES.inShards });
    expect(definition.States[STATES.inShards].Default).to.equal(STATES.summarized);
    expect(definition.States[STATES.summarized]).to.deep.equal({ Type: "Pass", OutputPath: "$.summary", End: true });
  });

  it("combines a run too large for one Summarize in shards, a bounded inline Map of Summarize, then merges them", () => {
    expect(definition.States[STATES.inShards].Choices).to.deep.equal([{ Variable: "$.summary.combineInShards", IsPresent: true, Next: STATES.combineShards }]);
    const shards = definition.States[STATES.combineShards];
    expect(shards).to.include({ Type: "Map", ItemsPath: "$.summary.combineInShards.shards", MaxConcurrency: SHARD_CONCURRENCY, ResultPath: null, Next: STATES.mergeShards });
    expect(shards.ItemSelector).to.deep.equal({ "run.$": "$.summary.combineInShards.run", "combineShard.$": "$$.Map.Item.Value", "previousRun.$": "$.summary.combineInShards.merge.previousRun" });
    expect(shards.ItemProcessor.ProcessorConfig).to.deep.equal({ Mode: "INLINE" });
    expect(shards.ItemProcessor.States[STATES.combineShard]).to.include({ Resource: targets.summarizeArn, End: true });
    expect(shards.Catch[0].Next).to.equal(STATES.notifyRunFailure);
    expect(definition.States[STATES.mergeShards]).to.include({ Resource: targets.summarizeArn, End: true });
    expect(definition.States[STATES.mergeShards].Parameters).to.deep.equal({ "run.$": "$.summary.combineInShards.run", "mergeShards.$": "$.summary.combineInShards.merge" });
    expect(definition.States[STATES.mergeShards].Catch[0].Next).to.equal(STATES.notifyRunFailure);
  });

  it("summarises a stored run when the execution's input names one, Summarize writing as its own role", () => {
    expect(definition.States[STATES.route]).to.deep.equal({
      Type: "Choice",
      Choices: [{ Variable: "$.summarizeRun", IsPresent: true, Next: STATES.readStoredRun }],
      Default: STATES.startRun,
    });
    expect(definition.States[STATES.readStoredRun]).to.deep.equal({
      Type: "Pass",
      Parameters: { run: { "id.$": "$.summarizeRun.id", "startedAt.$": "$$.Execution.StartTime" }, "storedRun.$": "$.summarizeRun" },
      Next: STATES.summarize,
    });
  });

  it("takes run id and date from the execution, not from a Lambda", () => {
    expect(definition.States[STATES.startRun].Parameters).to.deep.equal({
      run: { "id.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" },
    });
  });

  it("reads the account list from S3, where ListAccounts put it, never from the state", () => {
    expect(map.ItemReader).to.deep.equal({
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSON" },
      Parameters: { "Bucket.$": "$.listing.toCollect.bucket", "Key.$": "$.listing.toCollect.key" },
    });
    expect(map.ItemsPath).to.equal(undefined);
  });

  it("batches the accounts, hands each batch the run and the poll settings, and bounds the children", () => {
    expect(map.ItemBatcher).to.deep.equal({ MaxItemsPerBatch: 40, BatchInput: { "run.$": "$.run", "previousRun.$": "$.listing.previousRun", poll: { maxAttempts: 12, intervalSeconds: 30 } } });
    expect(map.MaxConcurrency).to.equal(7);
  });

  it("never fails the run for a failed child, and writes the children's results to the map bucket, outside the reports prefix", () => {
    expect(map.ToleratedFailurePercentage).to.equal(100);
    expect(map.ResultWriter).to.deep.equal({
      Resource: "arn:aws:states:::s3:putObject",
      Parameters: { Bucket: targets.mapBucket, "Prefix.$": "States.Format('map-runs/run={}', $.run.id)" },
    });
    expect(map.ResultPath).to.equal("$.results");
    // A Map that fails as a whole is still summarised: every account gets its line.
    expect(map.Catch).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.mapError", Next: STATES.summarize }]);
  });

  it("loops a batch through CollectReport and a growing Wait until no account is pending", () => {
    expect(map.ItemProcessor.StartAt).to.equal(STATES.collectBatch);
    expect(iteration[STATES.collectBatch]).to.include({ Type: "Task", Resource: targets.collectReportArn, ResultPath: "$.progress", Next: STATES.checkBatch });
    expect(iteration[STATES.checkBatch]).to.deep.equal({
      Type: "Choice",
      Choices: [{ Variable: "$.progress.pendingCount", NumericGreaterThan: 0, Next: STATES.waitForReports }],
      Default: STATES.batchDone,
    });
    expect(iteration[STATES.waitForReports]).to.deep.equal({ Type: "Wait", SecondsPath: "$.progress.waitSeconds", Next: STATES.collectBatch });
    // The child's output is its accounts' outcomes only.
    expect(iteration[STATES.batchDone]).to.deep.equal({ Type: "Pass", OutputPath: "$.progress.done", End: true });
  });

  it("retries only the Lambda service's transient errors in a batch, with backoff", () => {
    const [retry] = iteration[STATES.collectBatch].Retry;
    expect(retry.ErrorEquals).to.include("Lambda.TooManyRequestsException").and.not.include("States.ALL");
    expect(retry.BackoffRate).to.be.greaterThan(1);
    expect(iteration[STATES.collectBatch].Catch).to.equal(undefined);
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
    expect(iteration[STATES.collectBatch].Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).to.not.include("TransientAwsError");
  });

  it("gives the run a deadline of runTimeoutMinutes", () => {
    expect(definition.TimeoutSeconds).to.equal(90 * 60);
  });

  it("lets each Lambda Task run past its function's own timeout, not the States Language's 60 s default", () => {
    const tasks = { [STATES.listAccounts]: "list-accounts", [STATES.summarize]: "summarize" } as const;
    for (const [name, fn] of Object.entries(tasks)) {
      expect(definition.States[name].TimeoutSeconds, name).to.be.greaterThan(FUNCTION_SIZES[fn].timeout);
    }
    expect(iteration[STATES.collectBatch].TimeoutSeconds).to.be.greaterThan(FUNCTION_SIZES["collect-report"].timeout);
  });

  it("turns a failure of the run itself into a notice and a failed execution", () => {
    for (const name of [STATES.listAccounts, STATES.summarize]) {
      expect(definition.States[name].Catch[0]).to.include({ Next: STATES.notifyRunFailure });
    }
    expect(definition.States[STATES.notifyRunFailure].Next).to.equal(STATES.runFailed);
    expect(definition.States[STATES.runFailed]).to.deep.equal({ Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" });
  });

  it("publishes no SNS message per account: failed accounts are listed in Summarize's run summary", () => {
    const states: State[] = [...Object.values(definition.States as Record<string, State>), ...Object.values(iteration)];
    const publishers = states.filter((state) => state.Resource === SNS_PUBLISH_RESOURCE);
    expect(publishers).to.have.length(1);
  });
});
