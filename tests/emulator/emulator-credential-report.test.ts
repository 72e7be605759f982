import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { before as daysBefore, setCredentialState } from "../../emulator/credential-state";
import { type Emulator, startEmulator } from "../../emulator/server";
import { CREDENTIAL_REPORT_COLUMNS } from "../../functions/analysis/credential-report";

const ACCOUNT = "123456789012";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
const iamDate = (iso: string) => iso.replace(/\.\d{3}Z$/, "+00:00");

// The emulator's credential report against the format AWS documents (IAM User Guide, "Generate
// credential reports for your AWS account"): one test per field, through the SDK.
describe("emulator: credential reports as IAM writes them (moto_server.py)", function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let iam: IAMClient;
  const now = new Date();
  const at = { made: daysBefore(now, 400), changed: daysBefore(now, 50), signedIn: daysBefore(now, 2), rotated: daysBefore(now, 91), used: daysBefore(now, 3), old: daysBefore(now, 200) };
  let rows: Record<string, Record<string, string>>;
  let header: string[];
  let generatedTime: Date;
  let keyId: string;

  before(async () => {
    emulator = await startEmulator();
    iam = new IAMClient({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    await iam.send(new CreateUserCommand({ UserName: "admin" }));
    await iam.send(new CreateLoginProfileCommand({ UserName: "admin", Password: "Passw0rd!-not-real" }));
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "admin-mfa" }));
    await iam.send(new EnableMFADeviceCommand({ UserName: "admin", SerialNumber: device.VirtualMFADevice!.SerialNumber, AuthenticationCode1: "123456", AuthenticationCode2: "654321" }));
    keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: "admin" }))).AccessKey!.AccessKeyId!;
    const second = (await iam.send(new CreateAccessKeyCommand({ UserName: "admin" }))).AccessKey!.AccessKeyId!;
    await iam.send(new UpdateAccessKeyCommand({ UserName: "admin", AccessKeyId: second, Status: "Inactive" }));
    await iam.send(new CreateUserCommand({ UserName: "service" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "service" }));
    await iam.send(new CreateUserCommand({ UserName: "idle" }));
    await iam.send(new CreateLoginProfileCommand({ UserName: "idle", Password: "Passw0rd!-not-real" }));
    await setCredentialState(emulator.endpoint, {
      accountId: ACCOUNT,
      root: { createdAt: at.made, passwordLastUsed: at.signedIn, mfaActive: false, accessKeys: [{ active: true, createdAt: at.old, lastUsed: { date: at.used, region: "eu-west-1", service: "s3" } }] },
      users: {
        admin: {
          createdAt: at.made,
          passwordLastUsed: at.signedIn,
          passwordLastChanged: at.changed,
          accessKeys: [{ createdAt: at.rotated, lastUsed: { date: at.used, region: "us-west-2", service: "sts" } }, { createdAt: at.old }],
        },
      },
    });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).to.equal("STARTED");
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).to.equal("COMPLETE");
    const report = await iam.send(new GetCredentialReportCommand({}));
    generatedTime = report.GeneratedTime!;
    const text = Buffer.from(report.Content!).toString();
    header = text.split("\n")[0].split(",");
    const records = parse(text, { columns: true }) as Record<string, string>[];
    rows = Object.fromEntries(records.map((r) => [r.user, r]));
  });
  after(() => emulator?.stop());

  it("has IAM's 22 columns, in IAM's order", () => {
    expect(header).to.deep.equal([...CREDENTIAL_REPORT_COLUMNS]);
  });

  it("user, arn, user_creation_time: the name, the user's ARN and when it was made", () => {
    expect(rows.admin.arn).to.equal(`arn:aws:iam::${ACCOUNT}:user/admin`);
    expect(rows.admin.user_creation_time).to.equal(iamDate(at.made)).and.match(ISO);
  });

  it("password_enabled, password_last_used, password_last_changed: a date; no_information when never used; N/A without a password", () => {
    expect([rows.admin.password_enabled, rows.admin.password_last_used, rows.admin.password_last_changed]).to.deep.equal(["true", iamDate(at.signedIn), iamDate(at.changed)]);
    expect([rows.idle.password_enabled, rows.idle.password_last_used]).to.deep.equal(["true", "no_information"]);
    expect(rows.idle.password_last_changed).to.match(ISO);
    expect([rows.service.password_enabled, rows.service.password_last_used, rows.service.password_last_changed]).to.deep.equal(["false", "N/A", "N/A"]);
  });

  it("password_next_rotation: N/A with no password expiry policy", () => {
    expect([rows.admin.password_next_rotation, rows.service.password_next_rotation]).to.deep.equal(["N/A", "N/A"]);
  });

  it("mfa_active: true with an MFA device", () => {
    expect([rows.admin.mfa_active, rows.idle.mfa_active]).to.deep.equal(["true", "false"]);
  });

  it("access_key_1_*: active, last rotated, last used date, region and service", () => {
    const key = ["active", "last_rotated", "last_used_date", "last_used_region", "last_used_service"].map((f) => rows.admin[`access_key_1_${f}`]);
    expect(key).to.deep.equal(["true", iamDate(at.rotated), iamDate(at.used), "us-west-2", "sts"]);
  });

  it("access_key_2_*: an inactive key keeps its dates; never used is N/A; no key is false and N/A", () => {
    const key = (row: Record<string, string>) => ["active", "last_rotated", "last_used_date", "last_used_region", "last_used_service"].map((f) => row[`access_key_2_${f}`]);
    expect(key(rows.admin)).to.deep.equal(["false", iamDate(at.old), "N/A", "N/A", "N/A"]);
    expect(key(rows.service)).to.deep.equal(["false", "N/A", "N/A", "N/A", "N/A"]);
    expect(rows.service.access_key_1_active).to.equal("true");
    expect(rows.service.access_key_1_last_used_date).to.equal("N/A");
  });

  it("cert_1_*, cert_2_*: false and N/A without signing certificates", () => {
    expect(["cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"].map((f) => rows.admin[f])).to.deep.equal(["false", "N/A", "false", "N/A"]);
  });

  it("<root_account>: the account's ARN, not_supported where root has no such thing, its MFA, keys and last use", () => {
    const root = rows["<root_account>"];
    expect(root).to.deep.include({
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      user_creation_time: iamDate(at.made),
      password_enabled: "not_supported",
      password_last_used: iamDate(at.signedIn),
      password_last_changed: "not_supported",
      password_next_rotation: "not_supported",
      mfa_active: "false",
      access_key_1_active: "true",
      access_key_1_last_rotated: iamDate(at.old),
      access_key_1_last_used_date: iamDate(at.used),
      access_key_1_last_used_region: "eu-west-1",
      access_key_1_last_used_service: "s3",
      access_key_2_active: "false",
    });
  });

  it("GeneratedTime: when the report was made, not a fixed date; a report under four hours old is reused, an older one made anew", async () => {
    expect(Math.abs(generatedTime.getTime() - now.getTime())).to.be.lessThan(60_000);
    await setCredentialState(emulator.endpoint, { accountId: ACCOUNT, reportGeneratedAt: daysBefore(now, 0, 3) });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).to.equal("COMPLETE");
    const reused = (await iam.send(new GetCredentialReportCommand({}))).GeneratedTime!;
    expect(Math.round((now.getTime() - reused.getTime()) / 60_000)).to.equal(181);
    await setCredentialState(emulator.endpoint, { accountId: ACCOUNT, reportGeneratedAt: daysBefore(now, 0, 5) });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).to.equal("STARTED");
    const fresh = (await iam.send(new GetCredentialReportCommand({}))).GeneratedTime!;
    expect(Math.abs(fresh.getTime() - Date.now())).to.be.lessThan(60_000);
  });

  it("keeps GetAccessKeyLastUsed in step with the report", async () => {
    const { AccessKeyLastUsed } = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    expect(AccessKeyLastUsed).to.deep.include({ ServiceName: "sts", Region: "us-west-2" });
    expect(Math.floor(AccessKeyLastUsed!.LastUsedDate!.getTime() / 1000)).to.equal(Math.floor(new Date(at.used).getTime() / 1000));
  });
});
