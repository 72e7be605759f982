import { GetAccessKeyLastUsedCommand, type IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import type { DueKey, KeyAction, RemediationSettings } from "../analysis/key-remediation";
import { undoCommand } from "../analysis/key-remediation";
import { describeAwsError } from "../run/errors";

const DAY_MS = 86_400_000;

/**
 * Deactivates the due keys in the account whose session `iam` is (or, in a dry run, says it
 * would), each only after IAM confirms it now: the user's active key made when the report says
 * (ListAccessKeys) and still unused `unusedDays` (GetAccessKeyLastUsed, fresher than a report IAM
 * may have kept for four hours). A key is never deleted; anything unsure leaves it as it is, with
 * why, and the next run looks again.
 */
export async function deactivateKeys(iam: IAMClient, due: readonly DueKey[], settings: RemediationSettings, now: Date): Promise<KeyAction[]> {
  const actions: KeyAction[] = [];
  for (const key of due) {
    const { finding } = key;
    const base = {
      findingId: finding.id,
      accountId: finding.accountId,
      user: finding.user,
      credential: finding.credential,
      daysUnused: key.daysUnused,
      openSince: finding.firstSeenAt ?? now.toISOString(),
      at: now.toISOString(),
    };
    const left = (reason: string, accessKeyId?: string): KeyAction => ({ ...base, outcome: "left", reason, ...(accessKeyId ? { accessKeyId } : {}) });
    try {
      const listed = await iam.send(new ListAccessKeysCommand({ UserName: finding.user }));
      const made = Date.parse(key.createdAt);
      const match = (listed.AccessKeyMetadata ?? []).find((k) => k.CreateDate && Math.abs(k.CreateDate.getTime() - made) < 1000);
      if (!match?.AccessKeyId) {
        actions.push(left(`no key of ${finding.user} was made at ${key.createdAt}: it was rotated or deleted since the report`));
        continue;
      }
      const accessKeyId = match.AccessKeyId;
      if (match.Status !== "Active") {
        actions.push(left(`already ${match.Status ?? "not active"}`, accessKeyId));
        continue;
      }
      const lastUsed = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).AccessKeyLastUsed?.LastUsedDate;
      if (lastUsed && now.getTime() - lastUsed.getTime() < settings.unusedDays * DAY_MS) {
        actions.push(left(`used ${lastUsed.toISOString()}, after the report was made`, accessKeyId));
        continue;
      }
      const done = { ...base, accessKeyId, undo: undoCommand(finding.accountId, finding.user, accessKeyId) };
      if (settings.dryRun) {
        actions.push({ ...done, outcome: "would-deactivate" });
        continue;
      }
      await iam.send(new UpdateAccessKeyCommand({ UserName: finding.user, AccessKeyId: accessKeyId, Status: "Inactive" }));
      actions.push({ ...done, outcome: "deactivated" });
    } catch (err) {
      const aws = describeAwsError(err);
      actions.push(left(`${aws.code}: ${aws.message}`));
    }
  }
  return actions;
}
