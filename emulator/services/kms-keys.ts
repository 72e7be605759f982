import type { Authorizer } from "../authorizer/authorizer";
import { errorAnswer, type HttpAnswer } from "../authorizer/aws-answers";
import type { AwsCall } from "../authorizer/aws-requests";

const DAY_S = 86_400;

/**
 * The stack's KMS keys as KMS keeps their state (moto holds none of them: their ARNs are the
 * program's), for the calls docs/operations.md gives an evidence administrator: DescribeKey,
 * ScheduleKeyDeletion (a waiting period of 7 to 30 days), CancelKeyDeletion (which leaves the key
 * disabled), EnableKey and DisableKey, with KMS's KMSInvalidStateException where its key states
 * refuse a change (AWS KMS Developer Guide, "Key states of AWS KMS keys"). The layer has judged each
 * call by the key's policy before it gets here, and is told each new state: S3 and SNS can use only
 * an Enabled key.
 */
export function serveStackKeys(authorizer: Authorizer, keyArns: readonly string[]): void {
  const keys = new Map(keyArns.map((arn) => [arn, { state: "Enabled", created: Date.now() / 1000, deletionDate: undefined as number | undefined }]));
  const json = (body: unknown): HttpAnswer => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(body) });
  const invalidState = (arn: string, state: string) => errorAnswer("kms", { status: 400, code: "KMSInvalidStateException", message: `${arn} is ${state}` });
  const keyOf = (call: AwsCall) => {
    const id = String(call.params.KeyId ?? "");
    return [...keys.entries()].find(([arn]) => arn === id || arn.endsWith(`:key/${id}`));
  };
  const operations: Record<string, (arn: string, key: { state: string; created: number; deletionDate: number | undefined }, call: AwsCall) => HttpAnswer> = {
    DescribeKey: (arn, key) =>
      json({
        KeyMetadata: {
          AWSAccountId: arn.split(":")[4],
          KeyId: arn.split("/").pop(),
          Arn: arn,
          CreationDate: key.created,
          Enabled: key.state === "Enabled",
          KeyState: key.state,
          KeyUsage: "ENCRYPT_DECRYPT",
          KeySpec: "SYMMETRIC_DEFAULT",
          KeyManager: "CUSTOMER",
          Origin: "AWS_KMS",
          ...(key.deletionDate ? { DeletionDate: key.deletionDate } : {}),
        },
      }),
    ScheduleKeyDeletion: (arn, key, call) => {
      const days = call.params.PendingWindowInDays === undefined ? 30 : Number(call.params.PendingWindowInDays);
      if (!(days >= 7 && days <= 30)) return errorAnswer("kms", { status: 400, code: "ValidationException", message: "PendingWindowInDays must be between 7 and 30" });
      if (key.state === "PendingDeletion") return invalidState(arn, "pending deletion");
      key.state = "PendingDeletion";
      key.deletionDate = Math.floor(Date.now() / 1000) + days * DAY_S;
      return json({ KeyId: arn, DeletionDate: key.deletionDate, KeyState: key.state, PendingWindowInDays: days });
    },
    CancelKeyDeletion: (arn, key) => {
      if (key.state !== "PendingDeletion") return invalidState(arn, `${key.state.toLowerCase()}, not pending deletion`);
      key.state = "Disabled";
      key.deletionDate = undefined;
      return json({ KeyId: arn });
    },
    EnableKey: (arn, key) => {
      if (key.state === "PendingDeletion") return invalidState(arn, "pending deletion");
      key.state = "Enabled";
      return json({});
    },
    DisableKey: (arn, key) => {
      if (key.state === "PendingDeletion") return invalidState(arn, "pending deletion");
      key.state = "Disabled";
      return json({});
    },
  };
  for (const [operation, answer] of Object.entries(operations)) {
    authorizer.serve(`kms:${operation}`, (call) => {
      const found = keyOf(call);
      if (!found) return undefined;
      const answered = answer(found[0], found[1], call);
      authorizer.setKeyState(found[0], found[1].state);
      return answered;
    });
  }
}
