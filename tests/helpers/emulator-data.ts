import { GetCredentialReportCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { AwsClients, AwsTarget } from "../../local/aws-clients";
import { assumeInto, type DemoOrganization } from "../../emulator/demo-organization";
import type { LocalRunOptions } from "../../local/runner";
import { EVERY_ACCOUNT } from "../../functions/run/account-scope";
import { silentLog } from "../../functions/log";
import { DEFAULT_MEMBER_ROLE_NAME } from "../../functions/aws/member-credentials";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";

/** The emulator, or a proxy in front of it, with the tests' credentials. */
export function emulatorTarget(endpoint: string): AwsTarget {
  return { region: "us-east-1", endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
}

/** A local run over a seeded organization as the tests make it: every account, no pauses, no log. */
export function demoRunOptions(org: DemoOrganization, clients: AwsClients, more: Partial<LocalRunOptions> = {}): LocalRunOptions {
  return {
    clients,
    region: "us-east-1",
    bucket: org.bucket,
    topicArn: org.topicArn,
    memberRoleName: DEFAULT_MEMBER_ROLE_NAME,
    scope: EVERY_ACCOUNT,
    settings: DEFAULT_SETTINGS,
    pauseMs: 0,
    log: silentLog,
    ...more,
  };
}

/** Messages the emulator's SNS has accepted, read from moto's state dump. */
export async function publishedMessages(endpoint: string): Promise<Array<{ subject: string; message: string }>> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    sns: { Topic: Array<{ sent_notifications: Array<[string, string, string]> }> };
  };
  return data.sns.Topic.flatMap((topic) => topic.sent_notifications.map(([, message, subject]) => ({ subject, message })));
}

/** The credential report IAM holds for an account, read straight from the emulator. */
export async function reportInEmulator(clients: AwsClients, accountId: string, ownAccountId: string): Promise<Buffer> {
  const credentials = accountId === ownAccountId ? undefined : await assumeInto(clients, accountId);
  const report = await clients.iamClient(credentials).send(new GetCredentialReportCommand({}));
  return Buffer.from(report.Content!);
}

/** Every object in the bucket with its bytes and version facts. */
export async function bucketSnapshot(s3: S3Client, bucket: string): Promise<Map<string, { etag: string; body: Buffer }>> {
  const snapshot = new Map<string, { etag: string; body: Buffer }>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const object of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      snapshot.set(object.Key!, { etag: got.ETag ?? "", body: Buffer.from(await got.Body!.transformToByteArray()) });
    }
  }
  return snapshot;
}
