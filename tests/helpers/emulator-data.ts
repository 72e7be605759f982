import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetCredentialReportCommand } from "@aws-sdk/client-iam";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { EMULATOR_ACCOUNT } from "../../emulator/authorizer/authorizer";
import type { Emulator } from "../../emulator/server";
import type { PolicyDocument } from "../../policies/document";
import type { SummarizeResult } from "../../functions/summarize/summarize";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { type AwsClients, awsClients, type AwsTarget } from "../../local/aws-clients";
import { assumeInto } from "../../emulator/demo-organization";
import type { Deployment } from "../../emulator/deploy";
import type { LocalRunOptions } from "../../local/runner";

/** The emulator, or a proxy in front of it, with the tests' credentials. */
export function emulatorTarget(endpoint: string): AwsTarget {
  return { region: "us-east-1", endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
}

/**
 * A run of the deployed stack as the tests make it: every part as its own role, calling `endpoint`
 * (the emulator's layer, or a fault proxy in front of it), no pauses, no log.
 */
export async function stackRunOptions(deployment: Deployment, endpoint: string, more: Partial<LocalRunOptions> = {}, target: Partial<AwsTarget> = {}): Promise<LocalRunOptions> {
  return { ...(await deployment.runOptions(endpoint, target)), pauseMs: 0, ...more };
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

/**
 * A policy the docs give an operator: the ```json block after `<!-- policy: NAME -->` in `file`,
 * each `<placeholder>` filled in. Tests act with exactly what the docs say to grant.
 */
export function documentedPolicy(file: string, name: string, values: Readonly<Record<string, string>>): PolicyDocument {
  const text = readFileSync(join(__dirname, "..", "..", file), "utf8");
  const block = new RegExp(`<!-- policy: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (!block) throw new Error(`${file} gives no policy ${name}`);
  const filled = block.replace(/<([^<>]+)>/g, (_match, placeholder: string) => {
    if (!(placeholder in values)) throw new Error(`${file}, policy ${name}: no value for <${placeholder}>`);
    return values[placeholder];
  });
  return JSON.parse(filled) as PolicyDocument;
}

/** The access key of a new identity of the emulator's management account holding exactly these policies. */
export function identityKey(emulator: Emulator, name: string, policies: readonly PolicyDocument[]): { readonly accessKeyId: string; readonly secretAccessKey: string } {
  const accessKeyId = `AKIA${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}${randomBytes(4).toString("hex").toUpperCase()}`;
  return emulator.authorizer!.addUser(accessKeyId, { name, accountId: EMULATOR_ACCOUNT, policies });
}

/** Clients of a new identity of the emulator's management account holding exactly these policies, calling `endpoint`. */
export function identityWith(emulator: Emulator, name: string, policies: readonly PolicyDocument[], endpoint = emulator.endpoint): AwsClients {
  return awsClients({ region: "us-east-1", endpoint, credentials: identityKey(emulator, name, policies) });
}

/** The placeholders of the docs' operator policies, as the deployed stack fills them. */
export function stackPlaceholders(deployment: Deployment): Record<string, string> {
  const arn = deployment.stack.outputs.stateMachineArn;
  const [, , , region, account, , name] = arn.split(":");
  return { region, account, "state machine name": name, bucketName: deployment.stack.outputs.bucketName, mapBucketName: deployment.stack.outputs.mapBucketName };
}

/**
 * The documented recovery of a stored run: an operator holding only the docs' `recover-a-run`
 * policy starts the deployed state machine with `{"summarizeRun": ...}` and waits for it.
 */
export async function summarizeByPipeline(emulator: Emulator, deployment: Deployment, runId: string, date: string): Promise<SummarizeResult> {
  const operator = identityWith(emulator, "recovering-operator", [documentedPolicy("docs/operations.md", "recover-a-run", stackPlaceholders(deployment))]);
  const started = await operator.stepFunctions.send(
    new StartExecutionCommand({ stateMachineArn: deployment.stack.outputs.stateMachineArn, name: `summarize-${runId}`, input: JSON.stringify({ summarizeRun: { id: runId, date } }) }),
  );
  for (;;) {
    const execution = await operator.stepFunctions.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    if (execution.status === "SUCCEEDED") return JSON.parse(execution.output!) as SummarizeResult;
    if (execution.status !== "RUNNING") throw new Error(`the recovery execution ended ${execution.status}: ${execution.error} ${execution.cause}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
