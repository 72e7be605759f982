import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type AwsSecurityFinding, BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
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

  it("keeps a finding's workflow on import as Security Hub does, and sets NEW on a NOTIFIED or RESOLVED finding that comes back", async () => {
    const emulator = await startEmulator();
    try {
      // moto itself, as the account's own administrator would call it: this is about moto's answers.
      const hub = new SecurityHubClient({ region: "us-east-1", endpoint: emulator.motoEndpoint, credentials: { accessKeyId: "own", secretAccessKey: "own" } });
      const product = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
      const finding = (id: string, record: "ACTIVE" | "ARCHIVED", workflow: string): AwsSecurityFinding => ({
        SchemaVersion: "2018-10-08", Id: id, ProductArn: product, GeneratorId: "g", AwsAccountId: "123456789012", Types: ["t"],
        CreatedAt: "2026-12-01T00:00:00Z", UpdatedAt: "2026-12-01T00:00:00Z", Severity: { Label: "HIGH" }, Title: id, Description: id,
        Resources: [{ Type: "Other", Id: id }], RecordState: record, Workflow: { Status: workflow as "NEW" },
      });
      const workflowOf = async () => {
        const { Findings } = await hub.send(new GetFindingsCommand({}));
        return Object.fromEntries(Findings!.map((f) => [f.Id, `${f.RecordState} ${f.Workflow?.Status}`]));
      };
      await hub.send(new BatchImportFindingsCommand({ Findings: ["resolved", "suppressed", "notified"].map((id) => finding(id, "ACTIVE", "NEW")) }));
      for (const [id, Status] of [["resolved", "RESOLVED"], ["suppressed", "SUPPRESSED"], ["notified", "NOTIFIED"]] as const) {
        await hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: id, ProductArn: product }], Workflow: { Status } }));
      }
      // Archived with a workflow in the import: kept as they were.
      await hub.send(new BatchImportFindingsCommand({ Findings: ["resolved", "suppressed", "notified"].map((id) => finding(id, "ARCHIVED", "NEW")) }));
      expect(await workflowOf()).to.deep.equal({ resolved: "ARCHIVED RESOLVED", suppressed: "ARCHIVED SUPPRESSED", notified: "ARCHIVED NOTIFIED" });
      // Back to ACTIVE: RESOLVED and NOTIFIED become NEW, SUPPRESSED stays.
      await hub.send(new BatchImportFindingsCommand({ Findings: ["resolved", "suppressed", "notified"].map((id) => finding(id, "ACTIVE", "SUPPRESSED")) }));
      expect(await workflowOf()).to.deep.equal({ resolved: "ACTIVE NEW", suppressed: "ACTIVE SUPPRESSED", notified: "ACTIVE NEW" });
    } finally {
      await emulator.stop();
    }
  });
});
