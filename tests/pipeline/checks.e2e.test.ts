import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { awsClients } from "../../local/aws-clients";
import { before as daysBefore, type CredentialState, setCredentialState } from "../../emulator/credential-state";
import { assumeInto, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { runLocally } from "../../local/runner";
import type { StoredFinding } from "../../functions/analysis/changes";
import { CHECKS, DEFAULT_THRESHOLDS } from "../../functions/analysis/findings";
import { bucketSnapshot, emulatorTarget, stackRunOptions } from "../helpers/emulator-data";
import { deployStack } from "../../emulator/deploy";

/** A user made through IAM's API; its dates come after, through the emulator. */
interface Seeded {
  readonly name: string;
  readonly console?: boolean;
  readonly mfa?: boolean;
  readonly keys?: number;
}

async function makeUsers(iam: IAMClient, users: readonly Seeded[]): Promise<void> {
  for (const user of users) {
    await iam.send(new CreateUserCommand({ UserName: user.name }));
    if (user.console) await iam.send(new CreateLoginProfileCommand({ UserName: user.name, Password: "Passw0rd!-not-real" }));
    if (user.mfa) {
      const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `mfa-${user.name}` }));
      await iam.send(new EnableMFADeviceCommand({ UserName: user.name, SerialNumber: device.VirtualMFADevice!.SerialNumber, AuthenticationCode1: "123456", AuthenticationCode2: "654321" }));
    }
    for (let i = 0; i < (user.keys ?? 0); i++) await iam.send(new CreateAccessKeyCommand({ UserName: user.name }));
  }
}

// Every check through moto, the SDK and the pipeline, at its boundary days: users dated through
// the emulator as IAM would date them, one run, and the findings it stores.
describe("every check end to end, at its boundaries (moto on loopback)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let org: DemoOrganization;
  let findings: StoredFinding[];
  let management: string;
  let member: string;
  let centralized: string;

  before(async () => {
    emulator = await startEmulator();
    const clients = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(clients, { memberAccounts: 2, ouNames: [], suspended: 0, bucket: "check-reports", topicName: "check-alerts", withUsers: false });
    management = org.managementAccountId;
    [member, centralized] = org.members.map((m) => m.id);
    const now = new Date();
    const day = (days: number) => daysBefore(now, days);
    const use = (days: number) => ({ date: day(days), region: "us-east-1", service: "s3" });

    await makeUsers(clients.iamClient(), [
      { name: "key-89", keys: 1 },
      { name: "key-90", keys: 1 },
      { name: "key-91", keys: 1 },
      { name: "unused-44", keys: 1 },
      { name: "unused-45", keys: 1 },
      { name: "unused-46", keys: 1 },
      { name: "password-44", console: true, mfa: true },
      { name: "password-45", console: true, mfa: true },
      { name: "console-no-mfa", console: true },
      { name: "two-keys", keys: 2 },
      { name: "made-with-user", console: true, mfa: true, keys: 1 },
      { name: "breakglass", console: true },
    ]);
    const users: CredentialState["users"] = {
      // Rotation: 90 whole days is within maxKeyAgeDays (90), 91 is not.
      "key-89": { accessKeys: [{ createdAt: day(89), lastUsed: use(1) }] },
      "key-90": { accessKeys: [{ createdAt: day(90), lastUsed: use(1) }] },
      "key-91": { accessKeys: [{ createdAt: day(91), lastUsed: use(1) }] },
      // Unused (never used: since it was made): 45 days or more is unusedDays (45).
      "unused-44": { accessKeys: [{ createdAt: day(44) }] },
      "unused-45": { accessKeys: [{ createdAt: day(45) }] },
      "unused-46": { accessKeys: [{ createdAt: day(46) }] },
      "password-44": { createdAt: day(300), passwordLastChanged: day(300), passwordLastUsed: day(44) },
      "password-45": { createdAt: day(300), passwordLastChanged: day(300), passwordLastUsed: day(45) },
      "console-no-mfa": { createdAt: day(300), passwordLastChanged: day(100), passwordLastUsed: day(1) },
      "two-keys": { accessKeys: [{ createdAt: day(10), lastUsed: use(0) }, { createdAt: day(2), lastUsed: use(0) }] },
      // A key made with the user (within a minute) and never used, by a user with a console password.
      "made-with-user": { createdAt: day(10), passwordLastChanged: day(10), passwordLastUsed: day(1), accessKeys: [{ createdAt: day(10) }] },
      // A break-glass user used 30 whole days ago: within rootUseWindowDays (30); no MFA.
      breakglass: { createdAt: day(500), passwordLastChanged: day(400), passwordLastUsed: day(30) },
    };
    await setCredentialState(emulator.endpoint, {
      accountId: management,
      // The root: no MFA, an active key last used 30 whole days ago (within the window).
      root: { createdAt: day(2000), passwordLastUsed: day(31), mfaActive: false, accessKeys: [{ active: true, createdAt: day(1500), lastUsed: use(30) }] },
      // Made 3 hours before the run: reused by IAM, past the run's 2-hour line.
      reportGeneratedAt: daysBefore(now, 0, 3),
      users,
    });
    await setCredentialState(emulator.endpoint, {
      accountId: member,
      // Used 31 whole days ago, an authenticator app for MFA, and a key made inactive years ago.
      root: { createdAt: day(700), passwordLastUsed: day(31), mfaActive: true, mfaDevice: "virtual", accessKeys: [{ active: false, createdAt: day(600) }] },
      reportGeneratedAt: daysBefore(now, 0, 1),
    });
    // Centralized root access: no password, no keys, so no MFA either; nothing to report of its root.
    await setCredentialState(emulator.endpoint, { accountId: centralized, root: { createdAt: day(100), password: false, mfaActive: false } });
    // Password policies at CIS's line: one short of it in the management account, exactly on it in
    // the member; the centralized account has none.
    const policy = (iam: IAMClient, length: number, reuse: number) => iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: length, PasswordReusePrevention: reuse }));
    await policy(clients.iamClient(), 13, 23);
    await policy(clients.iamClient(await assumeInto(clients, member)), 14, 24);

    const deployment = await deployStack(emulator, org);
    const result = await runLocally(
      await stackRunOptions(deployment, emulator.endpoint, {
        runId: "checks",
        thresholds: { ...DEFAULT_THRESHOLDS, maxReportAgeHours: 2, mfaForEveryUser: true },
        acceptedRisks: [{ kind: "break-glass", account: management, user: "breakglass", reason: "emergency access", owner: "security@example.com", expires: "2099-12-31" }],
      }),
    );
    if (result.status !== "succeeded") throw new Error(`the run failed: ${result.error}`);
    const stored = await bucketSnapshot(clients.s3, org.bucket);
    findings = JSON.parse(stored.get(result.summary.manifestKey.replace("manifest.json", "findings.json"))!.body.toString()).findings;
  });
  after(() => emulator?.stop());

  it("finds exactly what the rules say, at each boundary", () => {
    const of = (id: string) => `${management}/${id}`;
    expect(findings.map((f) => f.id).sort()).to.deep.equal(
      [
        of("<root_account>/root-mfa-off"),
        // No MFA at all: no hardware MFA either (CIS 1.6's audit, IAM.6).
        of("<root_account>/root-hardware-mfa-off"),
        of("<root_account>/root-access-key-active/access_key_1"),
        of("<root_account>/root-recently-used"),
        of("key-91/access-key-old/access_key_1"),
        of("unused-45/credential-unused/access_key_1"),
        of("unused-46/credential-unused/access_key_1"),
        of("password-45/credential-unused/password"),
        of("console-no-mfa/console-without-mfa"),
        of("two-keys/both-keys-active"),
        of("made-with-user/key-created-with-user-unused/access_key_1"),
        of("breakglass/break-glass-used"),
        of("breakglass/break-glass-without-mfa"),
        of("report-stale"),
        of("password-policy-short"),
        of("password-policy-reuse"),
        // Every user without MFA and without a console password (mfaForEveryUser): the console users
        // are console-without-mfa's, the break-glass user break-glass-without-mfa's.
        ...["key-89", "key-90", "key-91", "unused-44", "unused-45", "unused-46", "two-keys"].map((user) => of(`${user}/user-without-mfa`)),
        `${member}/<root_account>/root-hardware-mfa-off`,
        `${member}/<root_account>/root-access-key-active/access_key_1`,
        `${centralized}/password-policy-short`,
        `${centralized}/password-policy-reuse`,
      ].sort(),
    );
  });

  it("takes every check through the emulator at least once", () => {
    expect([...new Set(findings.map((f) => f.checkId))].sort()).to.deep.equal(Object.keys(CHECKS).sort());
  });

  it("keeps the ages the rules counted as evidence, in whole days", () => {
    const byId = new Map(findings.filter((f) => f.accountId === management).map((f) => [f.id.slice(management.length + 1), f]));
    expect(byId.get("key-91/access-key-old/access_key_1")!.evidence.age_days).to.equal("91");
    expect(byId.get("unused-45/credential-unused/access_key_1")!.evidence.days_unused).to.equal("45");
    expect(byId.get("<root_account>/root-recently-used")!.evidence.days_since_last_use).to.equal("30");
    expect(byId.get("breakglass/break-glass-used")!.evidence.days_since_last_use).to.equal("30");
    expect(Number(byId.get("report-stale")!.evidence.age_hours)).to.equal(3);
    expect(findings.find((f) => f.id === `${management}/password-policy-short`)!.evidence).to.deep.equal({ minimum_password_length: "13", password_reuse_prevention: "23" });
    expect(findings.find((f) => f.id === `${centralized}/password-policy-short`)!.evidence).to.deep.equal({ password_policy: "none" });
    expect(findings.find((f) => f.id === `${member}/<root_account>/root-access-key-active/access_key_1`)!.message).to.contain("inactive access key");
  });
});
