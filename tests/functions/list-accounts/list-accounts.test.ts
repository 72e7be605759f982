import { expect } from "chai";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import {
  type Account,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { listAccounts, scopeFromEnv, selectAccounts } from "../../../functions/list-accounts/list-accounts";
import { EVERY_ACCOUNT, scopeProblems } from "../../../functions/run/account-scope";
import { silentLog } from "../../../functions/log";
import { awsError } from "../../helpers/aws-errors";

const account = (n: number, status = "ACTIVE"): Account => ({
  Id: String(100000000000 + n),
  Name: `account-${n}`,
  Status: status as Account["Status"],
});

describe("ListAccounts", () => {
  let organizations: AwsClientStub<OrganizationsClient>;
  const client = new OrganizationsClient({});
  // mockClient patches the client class itself: only while these tests run, so the
  // end-to-end tests get the real thing.
  before(() => {
    organizations = mockClient(OrganizationsClient);
  });
  after(() => {
    organizations.restore();
  });

  beforeEach(() => organizations.reset());

  it("follows every page of ListAccounts", async () => {
    const all = Array.from({ length: 45 }, (_, i) => account(i));
    organizations
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: all.slice(0, 20), NextToken: "p2" })
      .on(ListAccountsCommand, { NextToken: "p2" })
      .resolves({ Accounts: all.slice(20, 40), NextToken: "p3" })
      .on(ListAccountsCommand, { NextToken: "p3" })
      .resolves({ Accounts: all.slice(40) });

    const listing = await listAccounts(client, EVERY_ACCOUNT, silentLog);

    expect(listing.accounts.map((a) => a.id)).to.deep.equal(all.map((a) => a.Id));
    expect(organizations.commandCalls(ListAccountsCommand)).to.have.length(3);
  });

  it("collects only ACTIVE accounts and returns the others with their status", () => {
    const listing = selectAccounts(
      [account(3), account(1, "SUSPENDED"), account(2, "PENDING_CLOSURE"), { ...account(4), State: "CLOSED" }],
      undefined,
      new Set(),
    );

    expect(listing.accounts).to.deep.equal([{ id: "100000000003", name: "account-3" }]);
    expect(listing.skipped).to.deep.equal([
      { id: "100000000001", name: "account-1", status: "SUSPENDED" },
      { id: "100000000002", name: "account-2", status: "PENDING_CLOSURE" },
      { id: "100000000004", name: "account-4", status: "CLOSED" },
    ]);
  });

  it("walks included OUs recursively, keeps the management account and skips excluded ones", async () => {
    organizations
      .on(ListAccountsCommand)
      .resolves({ Accounts: [account(0), account(1), account(2), account(3), account(4)] })
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { MasterAccountId: "100000000000" } })
      .on(ListAccountsForParentCommand, { ParentId: "ou-abcd-11111111" })
      .resolves({ Accounts: [account(1)] })
      .on(ListAccountsForParentCommand, { ParentId: "ou-abcd-22222222" })
      .resolves({ Accounts: [account(2), account(3)] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-abcd-11111111" })
      .resolves({ OrganizationalUnits: [{ Id: "ou-abcd-22222222" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-abcd-22222222" })
      .resolves({ OrganizationalUnits: [] });

    const listing = await listAccounts(client, { includeOuIds: ["ou-abcd-11111111"], excludeAccountIds: ["100000000003"] }, silentLog);

    expect(listing.accounts.map((a) => a.id)).to.deep.equal(["100000000000", "100000000001", "100000000002"]);
    expect(listing.skipped).to.deep.equal([{ id: "100000000003", name: "account-3", status: "EXCLUDED" }]);
  });

  it("fails with ListAccountsFailed and the AWS code when Organizations refuses", async () => {
    organizations.on(ListAccountsCommand).rejects(awsError("AWSOrganizationsNotInUseException", 400, "not in an organization"));

    const error = await listAccounts(client, EVERY_ACCOUNT, silentLog).catch((err: Error) => err);

    expect(error).to.include({ name: "ListAccountsFailed", message: "AWSOrganizationsNotInUseException: not in an organization" });
  });

  it("validates the scope and names the setting of each bad value", () => {
    expect(scopeProblems({ includeOuIds: ["ou-abcd-11111111", "r-ab12", "Workloads"], excludeAccountIds: ["12345"] })).to.deep.equal([
      'includeOuIds: "Workloads" is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)',
      'excludeAccountIds: "12345" is not a 12-digit account id',
    ]);
    expect(scopeFromEnv({ INCLUDE_OU_IDS: " ou-abcd-11111111 , r-ab12", EXCLUDE_ACCOUNT_IDS: "" })).to.deep.equal({
      includeOuIds: ["ou-abcd-11111111", "r-ab12"],
      excludeAccountIds: [],
    });
    expect(() => scopeFromEnv({ EXCLUDE_ACCOUNT_IDS: "abc" })).to.throw('InvalidInput: EXCLUDE_ACCOUNT_IDS: "abc" is not a 12-digit account id');
  });
});
