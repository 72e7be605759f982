import type { StoredFinding } from "../changes";
import { DAY_MS } from "../findings";

/**
 * The one fix the pipeline may make itself, when the stack turns it on: deactivate (never delete)
 * an IAM user's access key unused for `unusedDays` whose finding has been open `noticeDays`.
 */
export interface RemediationSettings {
  /** @default false */
  readonly enabled: boolean;
  /** List what would be done, change nothing. @default true */
  readonly dryRun: boolean;
  /** Days a key has been unused before it is deactivated; CIS 1.12 says 45 or more. @default 90 */
  readonly unusedDays: number;
  /** Days its finding has been open (the owners told in each message) before it is; 0 acts at once (a trial). @default 7 */
  readonly noticeDays: number;
}

export const DEFAULT_REMEDIATION: RemediationSettings = { enabled: false, dryRun: true, unusedDays: 90, noticeDays: 7 };
/** CIS AWS Foundations 1.12: credentials unused for 45 days or greater are disabled. Never sooner. */
export const MIN_UNUSED_DAYS = 45;

/** What the run did about one key: deactivated it, would have (dry run), or left it and why. */
export interface KeyAction {
  readonly findingId: string;
  readonly accountId: string;
  readonly user: string;
  readonly credential: "access_key_1" | "access_key_2";
  readonly outcome: "deactivated" | "would-deactivate" | "left";
  /** When it was done (or found due, in a dry run). */
  readonly at: string;
  readonly daysUnused: number;
  /** The start of the run its finding was first seen in. */
  readonly openSince: string;
  /** The key, once IAM named it. */
  readonly accessKeyId?: string;
  /** Why a key was left: used since the report, gone, or IAM refused. */
  readonly reason?: string;
  /** The command that undoes it. */
  readonly undo?: string;
}

/** A key due once its notice period ends: its owners are told before. */
export interface ScheduledKeyAction {
  readonly findingId: string;
  readonly accountId: string;
  readonly user: string;
  readonly credential: "access_key_1" | "access_key_2";
  readonly daysUnused: number;
  /** The day (UTC) from which a run deactivates it. */
  readonly dueOn: string;
}

/** A key due now, and the report's creation time of it, by which IAM's list of the user's keys names it. */
export interface DueKey {
  readonly finding: StoredFinding & { readonly credential: "access_key_1" | "access_key_2" };
  readonly daysUnused: number;
  readonly createdAt: string;
}


/** What the run before said of the account's keys: the findings an accepted risk covered then, and the keys it told the owners of. */
export interface KeysBefore {
  readonly acceptedIds?: readonly string[];
  readonly scheduled?: readonly Pick<ScheduledKeyAction, "findingId" | "dueOn">[];
}

/**
 * Pure: the account's keys the run should deactivate now, and those whose notice period runs.
 * Only an active IAM user's key unused `unusedDays` or more (the credential-unused finding), never
 * the root user's, never one an accepted risk or a break-glass rule covers, and only once its
 * notice has run: `noticeDays` from the day the run before told the owners it comes due, else
 * from when its finding was first seen, or from this run when a rule covered it until now (an
 * expired acceptance is news to its owners too).
 */
export function keysToDeactivate(findings: readonly StoredFinding[], runStartedAt: Date, settings: RemediationSettings, before: KeysBefore = {}): { due: DueKey[]; scheduled: ScheduledKeyAction[] } {
  const told = new Map((before.scheduled ?? []).map((s) => [s.findingId, s.dueOn]));
  const acceptedBefore = new Set(before.acceptedIds ?? []);
  const due: DueKey[] = [];
  const scheduled: ScheduledKeyAction[] = [];
  if (!settings.enabled) return { due, scheduled };
  for (const f of findings) {
    const credential = f.credential;
    if (f.checkId !== "credential-unused" || (credential !== "access_key_1" && credential !== "access_key_2")) continue;
    if (f.acceptedRisk || f.user === "<root_account>") continue;
    const daysUnused = Number(f.evidence.days_unused);
    const createdAt = f.evidence[`${credential}_last_rotated`];
    if (!(daysUnused >= settings.unusedDays) || !createdAt) continue;
    const openSince = acceptedBefore.has(f.id) ? runStartedAt : new Date(f.firstSeenAt ?? runStartedAt);
    const toldDue = told.get(f.id);
    const dueAt = toldDue ? Date.parse(`${toldDue}T00:00:00Z`) : openSince.getTime() + settings.noticeDays * DAY_MS;
    if (dueAt <= runStartedAt.getTime()) due.push({ finding: { ...f, credential }, daysUnused, createdAt });
    else scheduled.push({ findingId: f.id, accountId: f.accountId, user: f.user, credential, daysUnused, dueOn: new Date(dueAt).toISOString().slice(0, 10) });
  }
  return { due, scheduled };
}

/** What the member role and the collector's session must allow for these settings (policies/pipeline-policies.ts RemediationMode). */
export function remediationMode(settings: RemediationSettings | undefined): "off" | "dry-run" | "on" {
  return !settings?.enabled ? "off" : settings.dryRun ? "dry-run" : "on";
}

/** The AWS CLI command that makes a deactivated key active again. */
export function undoCommand(accountId: string, user: string, accessKeyId: string): string {
  return `aws iam update-access-key --user-name ${user} --access-key-id ${accessKeyId} --status Active  # in account ${accountId}`;
}
