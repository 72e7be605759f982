import { GetAccessKeyLastUsedCommand, type IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import type { DueKey, KeyAction, RemediationSettings } from "../analysis/fixes/key-remediation";
import { undoCommand } from "../analysis/fixes/key-remediation";
import { DAY_MS } from "../analysis/findings";
import { describeAwsError } from "../run/errors";


/** Where each key's action is recorded, once, as soon as it is done. */
export interface KeyActionRecords {
  /** What an earlier try of the run did about the key, if it did anything. */
  recorded(key: DueKey): Promise<KeyAction | undefined>;
  /** Records the action; one an earlier try recorded is kept, and returned. */
  record(action: KeyAction): Promise<KeyAction>;
}

/**
 * Deactivates the due keys in the account whose session `iam` is (or, in a dry run, says it
 * would), each only after IAM confirms it now: the user's active key made when the report says
 * (ListAccessKeys) and still unused `unusedDays` (GetAccessKeyLastUsed, fresher than a report IAM
 * may have kept for four hours). A key is never deleted; anything unsure leaves it as it is, with
 * why, and the next run looks again. Each action is recorded before the next key is looked at, and
 * a key an earlier try of the run acted on is not looked at again: its record stands (a key this
 * run deactivated reads Inactive to a retry, which must not call it someone else's doing).
 */
export async function deactivateKeys(iam: IAMClient, due: readonly DueKey[], settings: RemediationSettings, now: Date, records: KeyActionRecords): Promise<KeyAction[]> {
  const actions: KeyAction[] = [];
  for (const key of due) {
    const earlier = await records.recorded(key);
    if (earlier) {
      actions.push(earlier);
      continue;
    }
    actions.push(await records.record(await actOn(iam, key, settings, now)));
  }
  return actions;
}

/** What to do about one due key, done. */
async function actOn(iam: IAMClient, key: DueKey, settings: RemediationSettings, now: Date): Promise<KeyAction> {
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
    if (!match?.AccessKeyId) return left(`no key of ${finding.user} was made at ${key.createdAt}: it was rotated or deleted since the report`);
    const accessKeyId = match.AccessKeyId;
    if (match.Status !== "Active") return left(`already ${match.Status ?? "not active"}`, accessKeyId);
    const lastUsed = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).AccessKeyLastUsed?.LastUsedDate;
    if (lastUsed && now.getTime() - lastUsed.getTime() < settings.unusedDays * DAY_MS) return left(`used ${lastUsed.toISOString()}, after the report was made`, accessKeyId);
    const done = { ...base, accessKeyId, undo: undoCommand(finding.accountId, finding.user, accessKeyId) };
    if (settings.dryRun) return { ...done, outcome: "would-deactivate" };
    await iam.send(new UpdateAccessKeyCommand({ UserName: finding.user, AccessKeyId: accessKeyId, Status: "Inactive" }));
    return { ...done, outcome: "deactivated" };
  } catch (err) {
    const aws = describeAwsError(err);
    return left(`${aws.code}: ${aws.message}`);
  }
}
