import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from "@aws-sdk/client-organizations";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import type { AwsClients } from "../local/aws-clients";
import { before, setCredentialState } from "./credential-state";

export interface DemoOrganizationSpec {
  /** Member accounts to create (the management account comes on top). */
  readonly memberAccounts: number;
  readonly ouNames: readonly string[];
  /** How many of the member accounts are closed, and so SUSPENDED. */
  readonly suspended: number;
  readonly bucket: string;
  readonly topicName: string;
  /** Give every account IAM users, dated, with the demo's stories (DEMO_STORIES). @default true */
  readonly withUsers?: boolean;
}

export interface DemoOrganization {
  readonly managementAccountId: string;
  readonly rootId: string;
  readonly ous: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly members: ReadonlyArray<{ readonly id: string; readonly name: string; readonly ouId: string; readonly suspended: boolean }>;
  readonly bucket: string;
  readonly topicArn: string;
}

export const DEMO_SPEC: DemoOrganizationSpec = {
  memberAccounts: 13,
  ouNames: ["Workloads", "Sandbox", "Security"],
  suspended: 1,
  bucket: "org-credential-reports-demo",
  topicName: "credential-report-alerts",
};

/** A key as the demo seeds it: active or not, made and last used so many days before the seeding. */
interface DemoKey {
  readonly active: boolean;
  readonly madeDaysAgo: number;
  /** Unset: never used. */
  readonly used?: { readonly daysAgo: number; readonly region: string; readonly service: string };
}

/** One IAM user of the demo, its credentials dated in days before the seeding. */
interface DemoUser {
  readonly name: string;
  /** IAM path: `/`, or `/.../` of any printable ASCII. @default "/" */
  readonly path?: string;
  readonly madeDaysAgo: number;
  /** A console password, changed and (unless never) used so many days ago. */
  readonly console?: { readonly changedDaysAgo: number; readonly usedDaysAgo?: number };
  readonly mfa?: boolean;
  readonly keys?: readonly DemoKey[];
}

/** An account's root user, as its credential report row says. */
interface DemoRoot {
  readonly madeDaysAgo: number;
  /** Whether it has a password at all. @default true */
  readonly password?: boolean;
  readonly passwordUsedDaysAgo?: number;
  readonly mfa: boolean;
  /** @default "hardware" */
  readonly mfaDevice?: "virtual" | "hardware";
  readonly keys?: readonly DemoKey[];
}

/** An account's password policy: the CIS one unless a story says otherwise. */
interface DemoPasswordPolicy {
  readonly minimumLength: number;
  readonly reusePrevention: number;
}
const CIS_PASSWORD_POLICY: DemoPasswordPolicy = { minimumLength: 14, reusePrevention: 24 };

/** What an account holds beyond its everyday users: the story it tells in the demo. */
interface DemoStory {
  readonly users?: readonly DemoUser[];
  readonly root?: DemoRoot;
  /** IAM already holds a report made this many hours before the seeding (it reuses one under four hours old). */
  readonly reportMadeHoursAgo?: number;
  /** "none": the account has no password policy. @default CIS_PASSWORD_POLICY */
  readonly passwordPolicy?: DemoPasswordPolicy | "none";
}

const used = (daysAgo: number, service = "s3", region = "us-east-1") => ({ daysAgo, region, service });

/**
 * Everyday users, a different mix in each account, in good order: recent passwords with use, keys
 * rotated within the quarter and used this week. Their names use every character IAM allows
 * beside letters and digits (`+=,.@_-`), the comma included, and a path holds a quote and a comma,
 * as IAM allows: both break naive CSV handling.
 * bob.smith, a console user without MFA, is the commonest finding of an organization.
 */
const EVERYDAY_USERS: readonly DemoUser[] = [
  { name: "alice@example.com", madeDaysAgo: 700, console: { changedDaysAgo: 80, usedDaysAgo: 1 }, mfa: true },
  { name: "bob.smith", madeDaysAgo: 300, console: { changedDaysAgo: 120, usedDaysAgo: 3 } },
  { name: "ci+deploy=bot", madeDaysAgo: 500, keys: [{ active: true, madeDaysAgo: 30, used: used(0, "cloudformation") }] },
  { name: "old_key-user", madeDaysAgo: 900, keys: [{ active: false, madeDaysAgo: 400 }] },
  { name: "rotation,two-keys", path: '/platform/"core",infra/', madeDaysAgo: 400, keys: [{ active: false, madeDaysAgo: 95, used: used(12) }, { active: true, madeDaysAgo: 10, used: used(0) }] },
  { name: "carol_admin", madeDaysAgo: 800, console: { changedDaysAgo: 40, usedDaysAgo: 0 }, mfa: true, keys: [{ active: true, madeDaysAgo: 60, used: used(1, "ec2") }, { active: false, madeDaysAgo: 200 }] },
];

/** The everyday users of an account (0: the management account): a different mix per account, every kind somewhere. */
export function usersFor(accountIndex: number): DemoUser[] {
  return EVERYDAY_USERS.filter((_, kind) => ((accountIndex + 1) * (kind + 1)) % 4 !== 0);
}

/**
 * What makes each check fire at least once, for a reason a reader recognises, by account
 * (0: the management account, then the members in order). Accounts past these have only their
 * everyday users, a root user made with the account, never used, with a password, hardware MFA
 * and no keys, and CIS's password policy.
 */
export const DEMO_STORIES: readonly DemoStory[] = [
  {
    // The management account: its root user signed in last week; the break-glass user (an
    // accepted risk) was used in an incident and has no MFA.
    root: { madeDaysAgo: 2400, passwordUsedDaysAgo: 6, mfa: true },
    users: [{ name: "breakglass-admin", madeDaysAgo: 1000, console: { changedDaysAgo: 9, usedDaysAgo: 9 } }],
  },
  {
    // A contractor's key, unused since spring and never rotated; an API's keys mid-rotation, both still active.
    users: [
      { name: "contractor-etl", madeDaysAgo: 320, keys: [{ active: true, madeDaysAgo: 320, used: used(250, "glue", "eu-west-1") }] },
      { name: "payments-api", madeDaysAgo: 700, keys: [{ active: true, madeDaysAgo: 80, used: used(0, "dynamodb") }, { active: true, madeDaysAgo: 2, used: used(0, "dynamodb") }] },
    ],
  },
  {
    // A sandbox whose root has no MFA; an intern's login and key, made together and never used.
    root: { madeDaysAgo: 900, passwordUsedDaysAgo: 200, mfa: false },
    users: [{ name: "dev-intern", madeDaysAgo: 60, console: { changedDaysAgo: 60 }, keys: [{ active: true, madeDaysAgo: 60 }] }],
  },
  {
    // A backup job's key rotated 400 days ago, still in daily use; the report IAM served was made three hours before the run.
    users: [{ name: "legacy-backup", madeDaysAgo: 1500, keys: [{ active: true, madeDaysAgo: 400, used: used(1) }] }],
    reportMadeHoursAgo: 3,
  },
  // An old account whose root still has an access key, used this month.
  { root: { madeDaysAgo: 2600, passwordUsedDaysAgo: 700, mfa: true, keys: [{ active: true, madeDaysAgo: 2500, used: used(20, "s3", "us-west-2") }] } },
  // The CI key of a vendor pipeline that rotates twice a year (an accepted risk with an owner and an expiry).
  { users: [{ name: "ci-vendor-sync", madeDaysAgo: 400, keys: [{ active: true, madeDaysAgo: 120, used: used(0, "sts") }] }] },
  // An auditor's key whose acceptance expired: back as a finding.
  { users: [{ name: "auditor-readonly", madeDaysAgo: 600, keys: [{ active: true, madeDaysAgo: 200, used: used(4, "iam") }] }] },
  // A member under centralized root access: its root has no password, no keys and so no MFA, and that is no finding.
  { root: { madeDaysAgo: 300, password: false, mfa: false } },
  // A root protected by an authenticator app rather than a hardware key (CIS 1.6).
  { root: { madeDaysAgo: 1200, passwordUsedDaysAgo: 400, mfa: true, mfaDevice: "virtual" } },
  // A password policy from long ago: 8 characters, the last 5 passwords remembered (CIS 1.8, 1.9).
  { passwordPolicy: { minimumLength: 8, reusePrevention: 5 } },
  // A new account nobody gave a password policy yet: fails both.
  { passwordPolicy: "none" },
];

/** Builds an organization with OUs, members whose credentials tell the demo's stories, a report bucket and a topic. */
export async function seedDemoOrganization(clients: AwsClients, spec: DemoOrganizationSpec): Promise<DemoOrganization> {
  const { organizations } = clients;
  const org = await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const managementAccountId = org.Organization?.MasterAccountId ?? "";
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
  const ous = [];
  for (const name of spec.ouNames) {
    const ou = await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name }));
    ous.push({ id: ou.OrganizationalUnit?.Id ?? "", name });
  }

  const members = [];
  for (let i = 0; i < spec.memberAccounts; i++) {
    // With no OUs, accounts stay under the root (faster to seed a large organization).
    const ou = ous.length > 0 ? ous[i % ous.length] : { id: rootId, name: "member" };
    const name = `${ou.name.toLowerCase()}-${String(i + 1).padStart(2, "0")}`;
    const created = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@example.com` }));
    const id = created.CreateAccountStatus?.AccountId ?? "";
    const ouId = ou.id;
    if (ouId !== rootId) await organizations.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ouId }));
    members.push({ id, name, ouId, suspended: i >= spec.memberAccounts - spec.suspended });
  }

  if (spec.withUsers ?? true) {
    const now = new Date();
    await seedAccount(clients, managementAccountId, clients.iamClient(), 0, now);
    for (const [i, member] of members.entries()) {
      await seedAccount(clients, member.id, clients.iamClient(await assumeInto(clients, member.id)), i + 1, now);
    }
  }
  for (const member of members.filter((m) => m.suspended)) {
    await organizations.send(new CloseAccountCommand({ AccountId: member.id }));
  }

  await clients.s3.send(new CreateBucketCommand({ Bucket: spec.bucket }));
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: spec.topicName }));
  return { managementAccountId, rootId, ous, members, bucket: spec.bucket, topicArn: topic.TopicArn ?? "" };
}

/** Credentials in a member account, as its administrator (the emulator does not check the role). */
export async function assumeInto(clients: AwsClients, accountId: string) {
  const assumed = await clients.sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: "demo-seed" }),
  );
  const c = assumed.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken };
}

/** An account's users (everyday ones and its story's), made through IAM, then dated in the emulator. */
async function seedAccount(clients: AwsClients, accountId: string, iam: IAMClient, accountIndex: number, now: Date): Promise<void> {
  const story = DEMO_STORIES[accountIndex] ?? {};
  const users = [...usersFor(accountIndex), ...(story.users ?? [])];
  for (const user of users) await createUser(iam, user, `${accountIndex}`);
  const policy = story.passwordPolicy ?? CIS_PASSWORD_POLICY;
  if (policy !== "none") {
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: policy.minimumLength, PasswordReusePrevention: policy.reusePrevention }));
  }
  if (!clients.endpoint) return;
  const day = (days: number | undefined) => (days === undefined ? undefined : before(now, days));
  const keyUse = (key: DemoKey) => (key.used ? { date: before(now, key.used.daysAgo), region: key.used.region, service: key.used.service } : undefined);
  await setCredentialState(clients.endpoint, {
    accountId,
    ...(story.reportMadeHoursAgo === undefined ? {} : { reportGeneratedAt: before(now, 0, story.reportMadeHoursAgo) }),
    ...(story.root
      ? {
          root: {
            createdAt: before(now, story.root.madeDaysAgo),
            password: story.root.password ?? true,
            passwordLastUsed: day(story.root.passwordUsedDaysAgo),
            mfaActive: story.root.mfa,
            mfaDevice: story.root.mfaDevice ?? "hardware",
            accessKeys: (story.root.keys ?? []).map((key) => ({ active: key.active, createdAt: before(now, key.madeDaysAgo), lastUsed: keyUse(key) })),
          },
        }
      : {}),
    users: Object.fromEntries(
      users.map((user) => [
        user.name,
        {
          createdAt: before(now, user.madeDaysAgo),
          passwordLastChanged: day(user.console?.changedDaysAgo),
          passwordLastUsed: day(user.console?.usedDaysAgo),
          accessKeys: (user.keys ?? []).map((key) => ({ createdAt: before(now, key.madeDaysAgo), lastUsed: keyUse(key) })),
        },
      ]),
    ),
  });
}

async function createUser(iam: IAMClient, user: DemoUser, deviceTag: string): Promise<void> {
  await iam.send(new CreateUserCommand({ UserName: user.name, ...(user.path ? { Path: user.path } : {}) }));
  if (user.console) {
    await iam.send(new CreateLoginProfileCommand({ UserName: user.name, Password: "Demo-Passw0rd!-not-real" }));
  }
  if (user.mfa) {
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `mfa-${deviceTag}-${user.name.replace(/[^\w]/g, "")}` }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: user.name,
        SerialNumber: device.VirtualMFADevice?.SerialNumber,
        AuthenticationCode1: "123456",
        AuthenticationCode2: "654321",
      }),
    );
  }
  for (const key of user.keys ?? []) {
    const made = await iam.send(new CreateAccessKeyCommand({ UserName: user.name }));
    if (!key.active) {
      await iam.send(new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: made.AccessKey?.AccessKeyId, Status: "Inactive" }));
    }
  }
}
