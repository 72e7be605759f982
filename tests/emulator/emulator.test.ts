import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { startEmulator } from "../../emulator/server";

describe("emulator starter", () => {
  it("says how to install the emulator when Python is missing", async () => {
    const error = await startEmulator({ python: "python3-that-is-not-installed" }).catch((err: Error) => err);

    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(
      /^the AWS emulator needs python3-that-is-not-installed, which was not found \(.*ENOENT\): install Python 3 and moto 5 with its server extras: pip install 'moto\[server\]==5\.2\.1'$/,
    );
  });

  it("with the indexed account lookup, answers each access key with its own account, again and again", async () => {
    const emulator = await startEmulator({ indexedAccountLookup: true });
    try {
      const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
        // moto's own account lookup, behind the authorizing layer (which knows no role "reader").
        new STSClient({ region: "us-east-1", endpoint: emulator.motoEndpoint, credentials });
      const own = sts({ accessKeyId: "own", secretAccessKey: "own" });
      const accountOf = async (client: STSClient) => (await client.send(new GetCallerIdentityCommand({}))).Account;
      const assumed = async (account: string) => {
        const { Credentials } = await own.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/reader`, RoleSessionName: "test" }));
        return sts({ accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken });
      };

      const first = await assumed("111111111111");
      const second = await assumed("222222222222");

      expect([await accountOf(first), await accountOf(second), await accountOf(first), await accountOf(own)]).to.deep.equal([
        "111111111111",
        "222222222222",
        "111111111111",
        "123456789012",
      ]);
    } finally {
      await emulator.stop();
    }
  });
});
