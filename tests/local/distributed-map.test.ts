import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import type { Json } from "../../local/asl-paths";
import { batchItems, type ChildOutcome, type DistributedMapState, resultFiles, runDistributedMap } from "../../local/distributed-map";
import { buildDefinition, STATES } from "../../functions/pipeline/state-machine-definition";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";

const account = (i: number) => ({ id: String(100000000000 + i), name: `a${i}` });

describe("local Distributed Map (ItemReader, ItemBatcher, ResultWriter)", () => {
  describe("ItemBatcher", () => {
    it("groups items into {Items, BatchInput} of at most MaxItemsPerBatch, in order", () => {
      const items = Array.from({ length: 7 }, (_, i) => account(i));

      const batches = batchItems(items, { MaxItemsPerBatch: 3 }, { run: { id: "r" } });

      expect(batches).to.deep.equal([
        { Items: items.slice(0, 3), BatchInput: { run: { id: "r" } } },
        { Items: items.slice(3, 6), BatchInput: { run: { id: "r" } } },
        { Items: items.slice(6), BatchInput: { run: { id: "r" } } },
      ]);
    });

    it("starts a new batch before one would pass MaxInputBytesPerBatch", () => {
      const items = Array.from({ length: 10 }, (_, i) => ({ id: String(i), pad: "x".repeat(100) }));

      const batches = batchItems(items, { MaxItemsPerBatch: 100, MaxInputBytesPerBatch: 400 }) as { Items: Json[] }[];

      const bytes = (batch: { Items: Json[] }) => Buffer.byteLength(JSON.stringify(batch));
      expect(batches.every((batch) => bytes(batch) <= 400)).to.equal(true);
      // Each batch is as full as the limit allows: one more item would have passed it.
      batches.slice(0, -1).forEach((batch, i) => expect(bytes({ Items: [...batch.Items, batches[i + 1].Items[0]] })).to.be.greaterThan(400));
      expect(batches.flatMap((batch) => batch.Items)).to.deep.equal(items);
    });

    it("leaves BatchInput out when the batcher has none", () => {
      expect(batchItems([1, 2], { MaxItemsPerBatch: 5 })).to.deep.equal([{ Items: [1, 2] }]);
    });
  });

  describe("ResultWriter", () => {
    const start = new Date("2026-11-25T08:00:00.000Z");
    const stop = new Date("2026-11-25T08:00:05.000Z");
    const child = (name: string, input: Json, outcome: ChildOutcome) => ({ name, input, outcome, startDate: start, stopDate: stop });
    const names = {
      bucket: "map-files",
      prefix: "map-runs/run=r1",
      mapRunId: "mr-1",
      mapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/CollectAccounts:mr-1",
      childStateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm/CollectAccounts",
      childExecutionArn: (name: string) => `arn:aws:states:us-east-1:123456789012:execution:sm/CollectAccounts:${name}`,
    };

    it("writes SUCCEEDED_0.json and FAILED_0.json with each child's input and output as text, and a manifest.json that lists them", () => {
      const children = [
        child("c1", { Items: [account(1)] }, { status: "SUCCEEDED", output: [{ id: "100000000001", status: "collected" }] }),
        child("c2", { Items: [account(2)] }, { status: "FAILED", error: "InvalidInput", cause: "bad batch" }),
      ];

      const { files, manifest, manifestKey } = resultFiles(children, names);

      expect(files.map((f) => f.key)).to.deep.equal([
        "map-runs/run=r1/mr-1/SUCCEEDED_0.json",
        "map-runs/run=r1/mr-1/FAILED_0.json",
        "map-runs/run=r1/mr-1/manifest.json",
      ]);
      expect(manifestKey).to.equal("map-runs/run=r1/mr-1/manifest.json");
      expect(manifest).to.deep.equal({
        DestinationBucket: "map-files",
        MapRunArn: names.mapRunArn,
        ResultFiles: {
          FAILED: [{ Key: "map-runs/run=r1/mr-1/FAILED_0.json", Size: Buffer.byteLength(files[1].body) }],
          PENDING: [],
          SUCCEEDED: [{ Key: "map-runs/run=r1/mr-1/SUCCEEDED_0.json", Size: Buffer.byteLength(files[0].body) }],
        },
      });
      expect(JSON.parse(files[0].body)).to.deep.equal([
        {
          ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm/CollectAccounts:c1",
          Input: JSON.stringify({ Items: [account(1)] }),
          InputDetails: { Included: true },
          Name: "c1",
          Output: JSON.stringify([{ id: "100000000001", status: "collected" }]),
          OutputDetails: { Included: true },
          RedriveCount: 0,
          RedriveStatus: "NOT_REDRIVABLE",
          StartDate: "2026-11-25T08:00:00.000Z",
          StateMachineArn: names.childStateMachineArn,
          Status: "SUCCEEDED",
          StopDate: "2026-11-25T08:00:05.000Z",
        },
      ]);
      expect(JSON.parse(files[1].body)[0]).to.deep.include({ Status: "FAILED", Error: "InvalidInput", Cause: "bad batch", Input: JSON.stringify({ Items: [account(2)] }) });
      expect(JSON.parse(files[1].body)[0]).to.not.have.property("Output");
    });
  });

  describe("a run of the project's own Map state", () => {
    let s3: AwsClientStub<S3Client>;
    beforeEach(() => (s3 = mockClient(S3Client)));
    afterEach(() => s3.restore());

    const definition = buildDefinition(
      {
        listAccountsArn: "arn:aws:lambda:us-east-1:123456789012:function:l",
        collectReportArn: "arn:aws:lambda:us-east-1:123456789012:function:c",
        summarizeArn: "arn:aws:lambda:us-east-1:123456789012:function:s",
        topicArn: "arn:aws:sns:us-east-1:123456789012:t",
        mapBucket: "map-files",
      },
      { ...DEFAULT_SETTINGS, accountsPerBatch: 4, maxConcurrency: 2 },
    ) as { States: Record<string, DistributedMapState> };
    const state = definition.States[STATES.collectAccounts];
    const input = {
      run: { id: "r1", startedAt: "2026-11-25T08:00:00.000Z" },
      listing: { toCollect: { bucket: "map-files", key: "map-runs/run=r1/accounts-to-collect.json" }, previousRun: { id: "r0", startedAt: "2026-11-24T00:00:00Z", accountFiles: true } },
    };

    it("reads the items where ItemReader says, runs one child per batch at most MaxConcurrency at once, and puts the ResultWriter's output at ResultPath", async () => {
      const items = Array.from({ length: 10 }, (_, i) => account(i));
      s3.on(GetObjectCommand, { Bucket: "map-files", Key: "map-runs/run=r1/accounts-to-collect.json" }).resolves({
        Body: { transformToString: async () => JSON.stringify(items) } as never,
      });
      s3.on(PutObjectCommand).resolves({});
      const started: Json[] = [];
      let running = 0;
      let most = 0;
      const runChild = async (childInput: Json): Promise<ChildOutcome> => {
        started.push(childInput);
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        const ids = (childInput as { Items: { id: string }[] }).Items.map((a) => a.id);
        return ids.includes(items[9].id) ? { status: "FAILED", error: "InvalidInput", cause: "x" } : { status: "SUCCEEDED", output: ids };
      };

      const output = (await runDistributedMap(STATES.collectAccounts, state, input, { Execution: { Name: "r1" } }, {
        s3: new S3Client({}),
        runChild,
        arns: { region: "us-east-1", account: "123456789012", stateMachineName: "sm" },
      })) as Record<string, any>;

      expect(started).to.deep.equal([
        { Items: items.slice(0, 4), BatchInput: { run: input.run, previousRun: input.listing.previousRun, poll: { maxAttempts: 15, intervalSeconds: 10 } } },
        { Items: items.slice(4, 8), BatchInput: { run: input.run, previousRun: input.listing.previousRun, poll: { maxAttempts: 15, intervalSeconds: 10 } } },
        { Items: items.slice(8), BatchInput: { run: input.run, previousRun: input.listing.previousRun, poll: { maxAttempts: 15, intervalSeconds: 10 } } },
      ]);
      expect(most).to.equal(2);
      // The state's input, with the Map's output at "$.results": where the results are, not the results.
      expect(output.run).to.deep.equal(input.run);
      expect(output.results.MapRunArn).to.match(/^arn:aws:states:us-east-1:123456789012:mapRun:sm\/CollectAccounts:[0-9a-f-]{36}$/);
      expect(output.results.ResultWriterDetails.Bucket).to.equal("map-files");
      expect(output.results.ResultWriterDetails.Key).to.match(/^map-runs\/run=r1\/[0-9a-f-]{36}\/manifest\.json$/);
      const written = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key!.replace(/[0-9a-f-]{36}/, "<id>"));
      expect(written).to.deep.equal(["map-runs/run=r1/<id>/SUCCEEDED_0.json", "map-runs/run=r1/<id>/FAILED_0.json", "map-runs/run=r1/<id>/manifest.json"]);
    });

    it("fails with States.ItemReaderFailed when the item file is not a JSON array", async () => {
      s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => '{"accounts": []}' } as never });

      const error = await runDistributedMap(STATES.collectAccounts, state, input, { Execution: { Name: "r1" } }, {
        s3: new S3Client({}),
        runChild: async () => ({ status: "SUCCEEDED", output: null }),
        arns: { region: "us-east-1", account: "123456789012", stateMachineName: "sm" },
      }).catch((err: Error) => err);

      expect(error).to.include({ name: "States.ItemReaderFailed", message: "s3://map-files/map-runs/run=r1/accounts-to-collect.json does not hold a JSON array" });
    });
  });
});
