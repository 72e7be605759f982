import { expect } from "chai";
import { startEmulator } from "../../cli/emulator";

describe("emulator starter", () => {
  it("says how to install the emulator when Python is missing", async () => {
    const error = await startEmulator("python3-that-is-not-installed").catch((err: Error) => err);

    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(
      /^the AWS emulator needs python3-that-is-not-installed, which was not found \(.*ENOENT\): install Python 3 and moto 5 with its server extras: pip install 'moto\[server\]==5\.2\.1'$/,
    );
  });
});
