import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import type { AwsClients } from "../local/aws-clients";
import { assumeInto, type DemoOrganization } from "./demo-organization";

/** What the demo organization's people do between two runs: a line each, for the demo to print. */
export const DEMO_CHANGES: readonly (readonly string[])[] = [
  [
    "the contractor's unused key is deleted (2 findings resolved)",
    "a vendor gets a console login without MFA in the second member account (1 new high finding)",
  ],
  ["bob.smith in the management account sets up MFA", "payments-api's older key is deleted, the rotation finished (1 finding resolved)"],
];

/**
 * Changes the demo organization as its people would between runs `after` and `after + 1` (1-based):
 * some findings fixed, one new. Made through IAM in each account, as the seeding is.
 */
export async function changeDemoOrganization(clients: AwsClients, org: DemoOrganization, after: number): Promise<readonly string[]> {
  const [first, second] = org.members;
  const iamOf = async (accountId: string) => (accountId === org.managementAccountId ? clients.iamClient() : clients.iamClient(await assumeInto(clients, accountId)));
  if (after === 1) {
    const contractor = await iamOf(first.id);
    await deleteKeys(contractor, "contractor-etl", () => true);
    const sandbox = await iamOf(second.id);
    await sandbox.send(new CreateUserCommand({ UserName: "vendor-support" }));
    await sandbox.send(new CreateLoginProfileCommand({ UserName: "vendor-support", Password: "Demo-Passw0rd!-not-real" }));
  } else if (after === 2) {
    const management = await iamOf(org.managementAccountId);
    const device = await management.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "mfa-bob-smith-later" }));
    await management.send(
      new EnableMFADeviceCommand({ UserName: "bob.smith", SerialNumber: device.VirtualMFADevice?.SerialNumber, AuthenticationCode1: "123456", AuthenticationCode2: "654321" }),
    );
    const payments = await iamOf(first.id);
    // The rotation's older key: the one made first.
    await deleteKeys(payments, "payments-api", (_, index) => index === 0);
  }
  return DEMO_CHANGES[after - 1] ?? [];
}

/** Deletes a user's keys that `which` picks, oldest first. */
async function deleteKeys(iam: IAMClient, user: string, which: (id: string, index: number) => boolean): Promise<void> {
  const keys = (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];
  const sorted = [...keys].sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
  for (const [index, key] of sorted.entries()) {
    if (which(key.AccessKeyId ?? "", index)) await iam.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.AccessKeyId }));
  }
}
