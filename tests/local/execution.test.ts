import { expect } from "chai";
import { DataLimitExceeded, executeDefinition, STATE_PAYLOAD_LIMIT_BYTES } from "../../local/execution";

const options = {
  context: { Execution: { Name: "x", StartTime: "2026-12-07T00:00:00.000Z" } },
  overrides: {},
  map: {} as never,
};

describe("a definition executed here, state by state", () => {
  it("follows a Choice where the interpreter decides, and logs the Choice alone", async () => {
    const definition = {
      StartAt: "Route",
      States: {
        Route: { Type: "Choice", Choices: [{ Variable: "$.summarizeRun", IsPresent: true, Next: "Stored" }], Default: "Run" },
        Stored: { Type: "Pass", Result: "stored", End: true },
        Run: { Type: "Pass", Result: "run", End: true },
      },
    };

    const stored = executeDefinition(definition, { summarizeRun: { id: "r" } }, options);
    const run = executeDefinition(definition, {}, options);

    expect(await stored.result).to.equal("stored");
    expect(await run.result).to.equal("run");
    expect(run.history.parent.map((e) => `${e.type} ${e.state?.name ?? ""}`.trim())).to.deep.equal([
      "ExecutionStarted",
      "StateEntered Route",
      "StateExited Route",
      "StateEntered Run",
      "StateExited Run",
      "ExecutionSucceeded",
    ]);
  });

  it("fails the execution with States.DataLimitExceeded when a state's output passes 256 KiB, whatever catches States.ALL", async () => {
    const big = "x".repeat(STATE_PAYLOAD_LIMIT_BYTES);
    const definition = {
      StartAt: "Big",
      States: {
        Big: { Type: "Pass", Result: big, Next: "After", Catch: [{ ErrorEquals: ["States.ALL"], Next: "After" }] },
        After: { Type: "Pass", End: true },
      },
    };
    const fits = { StartAt: "Fits", States: { Fits: { Type: "Pass", Result: big.slice(2), End: true } } };

    const failure = await executeDefinition(definition, {}, options).result.catch((err: Error) => err);

    expect(failure).to.be.instanceOf(DataLimitExceeded);
    expect((failure as Error).message).to.equal(`the input or output of state Big is ${STATE_PAYLOAD_LIMIT_BYTES + 2} bytes, over Step Functions' ${STATE_PAYLOAD_LIMIT_BYTES}`);
    // The JSON of a string is two quotes longer: 262,144 bytes in all fits.
    expect(await executeDefinition(fits, {}, options).result).to.have.length(STATE_PAYLOAD_LIMIT_BYTES - 2);
  });
});
