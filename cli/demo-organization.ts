import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  UpdateAccessKeyCommand,
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
import type { AwsClients } from "./aws-clients";

export interface DemoOrganizationSpec {
  /** Member accounts to create (the management account comes on top). */
  readonly memberAccounts: number;
  readonly ouNames: readonly string[];
  /** How many of the member accounts are closed, and so SUSPENDED. */
  readonly suspended: number;
  readonly bucket: string;
  readonly topicName: string;
  /** Give every account IAM users in every credential state. @default true */
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

/**
 * One kind of IAM user of the demo. Names use every character IAM allows beside letters and
 * digits (`+=,.@_-`), the comma included, which breaks naive CSV handling.
 */
interface UserKind {
  readonly name: string;
  readonly console?: boolean;
  readonly mfa?: boolean;
  readonly keys?: ReadonlyArray<"Active" | "Inactive">;
}

const USER_KINDS: readonly UserKind[] = [
  { name: "alice@example.com", console: true, mfa: true },
  { name: "bob.smith", console: true },
  { name: "ci+deploy=bot", keys: ["Active"] },
  { name: "old_key-user", keys: ["Inactive"] },
  { name: "rotation,two-keys", keys: ["Active", "Active"] },
  { name: "carol_admin", console: true, mfa: true, keys: ["Active", "Inactive"] },
];

/** The users an account gets: a different mix per account, every kind somewhere. */
export function usersFor(accountIndex: number): UserKind[] {
  return USER_KINDS.filter((_, kind) => ((accountIndex + 1) * (kind + 1)) % 4 !== 0);
}

/** Builds an organization with OUs, members in every credential state, a report bucket and a topic. */
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
    await createUsers(clients.iamClient(), 0);
    for (const [i, member] of members.entries()) {
      await createUsers(clients.iamClient(await assumeInto(clients, member.id)), i + 1);
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

async function createUsers(iam: IAMClient, accountIndex: number): Promise<void> {
  for (const user of usersFor(accountIndex)) {
    await iam.send(new CreateUserCommand({ UserName: user.name }));
    if (user.console) {
      await iam.send(new CreateLoginProfileCommand({ UserName: user.name, Password: "Demo-Passw0rd!-not-real" }));
    }
    if (user.mfa) {
      const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `mfa-${accountIndex}-${user.name.replace(/[^\w]/g, "")}` }));
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: user.name,
          SerialNumber: device.VirtualMFADevice?.SerialNumber,
          AuthenticationCode1: "123456",
          AuthenticationCode2: "654321",
        }),
      );
    }
    for (const status of user.keys ?? []) {
      const key = await iam.send(new CreateAccessKeyCommand({ UserName: user.name }));
      if (status === "Inactive") {
        await iam.send(new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: key.AccessKey?.AccessKeyId, Status: "Inactive" }));
      }
    }
  }
}
