import { expect } from "chai";
import { nodeVersionProblem } from "../../cli/node-version";

describe("Node.js version check", () => {
  it("runs on 22.12 and later", () => {
    expect(["v22.12.0", "v22.23.3", "v24.21.0", "v26.0.0"].map(nodeVersionProblem)).to.deep.equal([undefined, undefined, undefined, undefined]);
  });

  it("says which Node.js is needed on an older one, naming the one it found", () => {
    expect(nodeVersionProblem("v20.20.2")).to.equal("Node.js 22.12 or later is needed (24, the Lambdas' runtime, is best); this is v20.20.2.");
    expect(nodeVersionProblem("v22.11.0")).to.equal("Node.js 22.12 or later is needed (24, the Lambdas' runtime, is best); this is v22.11.0.");
  });
});
