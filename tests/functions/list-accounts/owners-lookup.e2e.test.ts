import { AccountClient, PutAlternateContactCommand } from "@aws-sdk/client-account";
import { EnableAWSServiceAccessCommand } from "@aws-sdk/client-organizations";
import { expect } from "chai";
import { type AwsClients, awsClients } from "../../../local/aws-clients";
import { assumeInto, type DemoOrganization, seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { deployStack, type Deployment } from "../../../emulator/deploy";
import { withOwners } from "../../../functions/list-accounts/owners-lookup";
import type { AccountRef } from "../../../functions/run/contracts";
import { emulatorTarget } from "../../helpers/emulator-data";

const contact = { AlternateContactType: "SECURITY" as const, Name: "Sec", Title: "Security", PhoneNumber: "+1555000000" };

// The contact source as AWS Account Management keeps its rules: another account's contact only for
// the management account, on a member, with trusted access for account.amazonaws.com on.
describe("owners from the accounts' SECURITY contacts, as ListAccounts' role reads them under the layer", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let admin: AwsClients;
  let org: DemoOrganization;
  let deployment: Deployment;
  const logged: { event: string; fields: Record<string, unknown> }[] = [];

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(admin, { memberAccounts: 1, ouNames: [], suspended: 0, bucket: "contact-reports", topicName: "contact-alerts", withUsers: false });
    deployment = await deployStack(emulator, org, { ownerSources: "contact" });
    const [member] = org.members;
    // Each account's own administrator sets its contact: no AccountId needed.
    const asMember = new AccountClient({ ...emulatorTarget(emulator.endpoint), credentials: await assumeInto(admin, member.id) });
    await asMember.send(new PutAlternateContactCommand({ ...contact, EmailAddress: "member-sec@example.com" }));
    await admin.account.send(new PutAlternateContactCommand({ ...contact, EmailAddress: "mgmt-sec@example.com" }));
  });
  after(() => emulator?.stop());

  const lookup = async (): Promise<Record<string, string>> => {
    const { listAccounts } = await deployment.identities();
    const accounts: AccountRef[] = [org.managementAccountId, org.members[0].id].map((id) => ({ id, name: id }));
    const found = await withOwners(accounts, {
      organizations: listAccounts.organizations,
      account: listAccounts.account,
      owners: deployment.config.owners!,
      ownAccountId: org.managementAccountId,
      log: (event, fields) => logged.push({ event, fields: fields ?? {} }),
    });
    return Object.fromEntries(found.map((a) => [a.id, a.owners?.to.join(" ") ?? "nobody"]));
  };

  it("names nobody for a member while trusted access is off, says why once, and still reads its own account's contact", async () => {
    expect(await lookup()).to.deep.equal({ [org.managementAccountId]: "mgmt-sec@example.com", [org.members[0].id]: "nobody" });
    expect(logged.map((l) => [l.event, l.fields.source, l.fields.code])).to.deep.equal([["owners-source-failed", "contact", "AccessDeniedException"]]);
    expect(emulator.authorizer!.refusals.map((r) => r.why)).to.deep.equal(["The organization has not enabled trusted access for AWS Account Management (account.amazonaws.com)"]);
  });

  it("reads the member's contact once trusted access is on", async () => {
    await admin.organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "account.amazonaws.com" }));

    expect(await lookup()).to.deep.equal({ [org.managementAccountId]: "mgmt-sec@example.com", [org.members[0].id]: "member-sec@example.com" });
  });
});
