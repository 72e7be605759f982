import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { GetAccountPasswordPolicyCommand, GetAccountSummaryCommand, IAMClient, ListVirtualMFADevicesCommand } from "@aws-sdk/client-iam";
import { readIamAccount } from "../../../functions/collect-report/read-iam-account";
import { parseCredentialReport } from "../../../functions/analysis/credential-report";
import { DEFAULT_THRESHOLDS, userFindings } from "../../../functions/analysis/findings";

const NOW = new Date("2026-11-25T08:00:00Z");
// The sandbox's report with its root row as IAM writes it for a root whose key is newer than the
// report (IAM reuses a report for up to four hours): no key shown (false, N/A), a password used.
const REPORT = readFileSync(join(__dirname, "..", "..", "fixtures", "credential-reports", "sandbox-222222222222.csv"), "utf8").replace(
  /^<root_account>,.*$/m,
  "<root_account>,arn:aws:iam::222222222222:root,2021-06-01T10:00:00+00:00,not_supported,2026-11-20T10:00:00+00:00,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
);

describe("the root checks from IAM's answers as IAM gives them", () => {
  let iam: AwsClientStub<IAMClient>;
  before(() => (iam = mockClient(IAMClient)));
  after(() => iam.restore());
  beforeEach(() => {
    iam.reset();
    iam.on(ListVirtualMFADevicesCommand).resolves({ VirtualMFADevices: [], IsTruncated: false });
    iam.on(GetAccountPasswordPolicyCommand).resolves({ PasswordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 } });
  });
  /** GetAccountSummary's SummaryMap, as IAM answers it (its other entries left out). */
  const summary = (map: Record<string, number>) => iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Users: 7, Groups: 0, ...map } });
  const rootChecks = async () => {
    const account = await readIamAccount(new IAMClient({}));
    return userFindings(parseCredentialReport("222222222222", REPORT), NOW, DEFAULT_THRESHOLDS, account).filter((f) => f.user === "<root_account>");
  };

  it("finds the root key the summary reports (AccountAccessKeysPresent 1) and the report does not show yet", async () => {
    summary({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 1, AccountPasswordPresent: 1 });

    const found = await rootChecks();

    expect(found.map((f) => [f.checkId, f.id])).to.deep.equal([
      ["root-access-key-active", "222222222222/<root_account>/root-access-key-active/access_key_1"],
      ["root-recently-used", "222222222222/<root_account>/root-recently-used"],
    ]);
    expect(found[0].evidence).to.deep.equal({ access_key_1_active: "false", access_key_2_active: "false", account_access_keys_present: "1" });
  });

  it("keeps that finding, under the same id, once a later report shows the key: not resolved and found anew", async () => {
    summary({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 1, AccountPasswordPresent: 1 });
    const before = (await rootChecks()).find((f) => f.checkId === "root-access-key-active")!;
    // Four hours on, IAM's next report shows the key in the first slot.
    const later = REPORT.replace(/^(<root_account>,(?:[^,]*,){7})false,N\/A,/m, "$1true,2026-11-25T07:00:00+00:00,");
    const account = await readIamAccount(new IAMClient({}));

    const after = userFindings(parseCredentialReport("222222222222", later), NOW, DEFAULT_THRESHOLDS, account).filter((f) => f.checkId === "root-access-key-active");

    expect(after.map((f) => f.id)).to.deep.equal([before.id]);
    expect(after[0].message).to.contain("active access key (access_key_1)");
  });

  it("finds no root key that a reused report still shows when the summary says none is present (deleted since)", async () => {
    summary({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, AccountPasswordPresent: 1 });
    const stale = REPORT.replace(/^(<root_account>,(?:[^,]*,){7})false,N\/A,/m, "$1true,2026-10-01T07:00:00+00:00,");
    const account = await readIamAccount(new IAMClient({}));

    const found = userFindings(parseCredentialReport("222222222222", stale), NOW, DEFAULT_THRESHOLDS, account).filter((f) => f.user === "<root_account>");

    expect(found.map((f) => f.checkId)).to.deep.equal(["root-recently-used"]);
    // Without the summary (a run stored before 0.4.0), the report decides: the key is found.
    expect(userFindings(parseCredentialReport("222222222222", stale), NOW, DEFAULT_THRESHOLDS).map((f) => f.checkId)).to.include("root-access-key-active");
  });

  it("fails both root MFA checks when the summary says AccountMFAEnabled 0, as CIS 1.6's audit does first", async () => {
    summary({ AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, AccountPasswordPresent: 1 });

    const found = await rootChecks();

    expect(found.map((f) => f.checkId)).to.deep.equal(["root-mfa-off", "root-hardware-mfa-off", "root-recently-used"]);
  });

  it("passes the hardware check only for a device that is not virtual", async () => {
    summary({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, AccountPasswordPresent: 1 });
    expect((await rootChecks()).map((f) => f.checkId)).to.deep.equal(["root-recently-used"]);

    iam.on(ListVirtualMFADevicesCommand).resolves({ VirtualMFADevices: [{ SerialNumber: "arn:aws:iam::222222222222:mfa/root-account-mfa-device", User: { Arn: "arn:aws:iam::222222222222:root", UserName: "<root_account>", UserId: "222222222222", Path: "/", CreateDate: NOW } }], IsTruncated: false });
    expect((await rootChecks()).map((f) => f.checkId)).to.deep.equal(["root-hardware-mfa-off", "root-recently-used"]);
  });
});
