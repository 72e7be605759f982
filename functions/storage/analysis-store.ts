import type { KeyAction } from "../analysis/fixes/key-remediation";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { AccountAnalysis, KnownAccount } from "../analysis/account-analysis";
import type { CarriedFinding, FindingChanges, StoredFinding } from "../analysis/changes";
import type { IamAccount } from "../analysis/iam-account";
import type { PreviousRun, RunRef } from "../run/contracts";
import { describeAwsError, TransientAwsError } from "../run/errors";
import { listKeys } from "./list-keys";
import { readIfPresent } from "./read-if-present";
import { accountAnalysisKey, keyActionKey, keyActionsPrefix, analysisKey, iamAccountKey, manifestKey, REPORTS_PREFIX, runDate, runPrefix } from "../run/report-keys";
import { storeOnce } from "./write-once";

export interface StoreDeps {
  readonly s3: S3Client;
  readonly bucket: string;
}

/**
 * The latest earlier run that was analysed: days newest first, and within a day runs by their
 * manifest's start time (run ids are not ordered). Reads folder listings, manifests and the small
 * summary.json of each candidate, never a run's findings.
 */
export async function findPreviousRun(run: RunRef, deps: StoreDeps): Promise<PreviousRun | undefined> {
  const today = runDate(run);
  const dates = (await listFolders(deps, REPORTS_PREFIX))
    .map((folder) => /^date=(\d{4}-\d{2}-\d{2})\/$/.exec(folder)?.[1])
    .filter((date): date is string => date !== undefined && date <= today)
    .sort()
    .reverse();
  for (const date of dates) {
    const runs: RunRef[] = [];
    for (const folder of await listFolders(deps, `${REPORTS_PREFIX}date=${date}/`)) {
      const id = /^run=([A-Za-z0-9_.-]+)\/$/.exec(folder)?.[1];
      if (!id || id === run.id) continue;
      // Only the date of startedAt goes into the key.
      const manifest = await readJson<{ startedAt: string }>(deps, manifestKey({ id, startedAt: `${date}T00:00:00Z` }));
      if (manifest && manifest.startedAt < run.startedAt) runs.push({ id, startedAt: manifest.startedAt });
    }
    for (const earlier of runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
      const summary = await readJson<{ accountAnalyses?: boolean }>(deps, analysisKey(earlier, "summary"));
      if (summary) return { ...earlier, accountFiles: summary.accountAnalyses === true };
    }
  }
  return undefined;
}

/** What the run before knew: each account's part, and which accounts it knew findings of. */
export interface PreviousFindings {
  /** The run, or null when there is none. */
  readonly runId: string | null;
  /** What it knew of one account: its findings and those it carried. */
  of(accountId: string): Promise<KnownAccount | undefined>;
  /** The accounts it knew, sorted: one this run does not list (it left the scope) is carried too. */
  accountIds(): Promise<readonly string[]>;
}

export const NO_PREVIOUS_RUN: PreviousFindings = { runId: null, of: async () => undefined, accountIds: async () => [] };

/**
 * What the previous run knew of each account: its account analyses, each read when asked for. A
 * run of an older version kept only the organization's findings.json: that one is read once and
 * indexed, the price of the first run after an upgrade.
 */
export function knownAccounts(previous: PreviousRun | undefined, deps: StoreDeps): PreviousFindings {
  if (!previous) return NO_PREVIOUS_RUN;
  if (previous.accountFiles) {
    return {
      runId: previous.id,
      of: async (accountId) => {
        const analysis = await readAccountAnalysis(deps, previous, accountId);
        if (!analysis) return undefined;
        const deactivated = (analysis.remediation?.actions ?? []).filter((a) => a.outcome === "deactivated").map((a) => ({ findingId: a.findingId, at: a.at }));
        const scheduled = (analysis.remediation?.scheduled ?? []).map((s) => ({ findingId: s.findingId, dueOn: s.dueOn }));
        return {
          runId: previous.id,
          accountName: analysis.accountName,
          findings: analysis.findings,
          notRechecked: analysis.notRechecked,
          ...(deactivated.length > 0 ? { deactivated } : {}),
          ...(scheduled.length > 0 ? { scheduled } : {}),
        };
      },
      accountIds: async () => {
        const keys = await listKeys(deps.s3, deps.bucket, runPrefix(previous));
        return [...keys.keys()].flatMap((key) => ACCOUNT_ANALYSIS_FILE.exec(key)?.[1] ?? []).sort();
      },
    };
  }
  let legacy: Promise<Map<string, LegacyAccount>> | undefined;
  const index = () => {
    // A failed read is not kept: the next try reads again.
    legacy ??= legacyFindings(previous, deps).catch((err: unknown) => {
      legacy = undefined;
      throw err;
    });
    return legacy;
  };
  return {
    runId: previous.id,
    of: async (accountId) => {
      const known = (await index()).get(accountId);
      return known && { runId: previous.id, ...known };
    },
    accountIds: async () => [...(await index()).keys()].sort(),
  };
}

const ACCOUNT_ANALYSIS_FILE = /\/account=(\d{12})\.analysis\.json$/;

interface LegacyAccount {
  readonly findings: StoredFinding[];
  readonly notRechecked: CarriedFinding[];
}

async function legacyFindings(previous: RunRef, deps: StoreDeps): Promise<Map<string, LegacyAccount>> {
  const byAccount = new Map<string, LegacyAccount>();
  const of = (accountId: string) => {
    let entry = byAccount.get(accountId);
    if (!entry) byAccount.set(accountId, (entry = { findings: [], notRechecked: [] }));
    return entry;
  };
  const stored = await readJson<{ findings: StoredFinding[] }>(deps, analysisKey(previous, "findings"));
  for (const f of stored?.findings ?? []) of(f.accountId).findings.push(f);
  const changes = await readJson<Partial<FindingChanges>>(deps, analysisKey(previous, "changes"));
  for (const f of changes?.notRechecked ?? []) of(f.accountId).notRechecked.push(f);
  return byAccount;
}

/** Stores an account's analysis once: one an earlier try stored is kept. */
export async function storeAccountAnalysis(deps: StoreDeps, analysis: AccountAnalysis): Promise<void> {
  const key = accountAnalysisKey(analysis.run, analysis.accountId);
  await storeOnce(deps.s3, { Bucket: deps.bucket, Key: key, Body: JSON.stringify(analysis), ContentType: "application/json" });
}

/** Stores what IAM says of an account beside its report, once: one an earlier try stored is kept. */
export async function storeIamAccount(deps: StoreDeps, run: RunRef, accountId: string, iam: IamAccount): Promise<void> {
  await storeOnce(deps.s3, { Bucket: deps.bucket, Key: iamAccountKey(run, accountId), Body: JSON.stringify(iam), ContentType: "application/json" });
}

/**
 * Records what was done about one key, once and as soon as it is done: the record an earlier try
 * of the same run stored is the one kept and returned.
 */
export async function recordKeyAction(deps: StoreDeps, run: RunRef, action: KeyAction): Promise<KeyAction> {
  const key = keyActionKey(run, action.accountId, action.user, action.credential);
  if (await storeOnce(deps.s3, { Bucket: deps.bucket, Key: key, Body: JSON.stringify(action), ContentType: "application/json" })) return action;
  return (await readJson<KeyAction>(deps, key)) ?? action;
}

/** What an earlier try of the run did about one key, when it did anything. */
export async function recordedKeyAction(deps: StoreDeps, run: RunRef, accountId: string, user: string, credential: string): Promise<KeyAction | undefined> {
  return readJson<KeyAction>(deps, keyActionKey(run, accountId, user, credential));
}

const KEY_ACTION_FILE = /\/account=(\d{12})\.action=[^/]+\.json$/;

/** The accounts with a key action recorded, among a run's listed keys. */
export function accountsWithKeyActions(keys: Iterable<string>): Set<string> {
  return new Set([...keys].flatMap((key) => KEY_ACTION_FILE.exec(key)?.[1] ?? []));
}

/** Every key action recorded in an account this run, in key order. */
export async function readKeyActions(deps: StoreDeps, run: RunRef, accountId: string): Promise<KeyAction[]> {
  const keys = [...(await listKeys(deps.s3, deps.bucket, keyActionsPrefix(run, accountId))).keys()].sort();
  return (await Promise.all(keys.map((key) => readJson<KeyAction>(deps, key)))).filter((a): a is KeyAction => a !== undefined);
}

/** What IAM said of an account in a run, or undefined when it was not stored. */
export async function readStoredIamAccount(deps: StoreDeps, run: RunRef, accountId: string): Promise<IamAccount | undefined> {
  return readJson<IamAccount>(deps, iamAccountKey(run, accountId));
}

/** An account's analysis of a run, or undefined when there is none. */
export async function readAccountAnalysis(deps: StoreDeps, run: RunRef, accountId: string): Promise<AccountAnalysis | undefined> {
  return readJson<AccountAnalysis>(deps, accountAnalysisKey(run, accountId));
}

/** The sub-folders directly under a prefix, named relative to it (`date=.../`, `run=.../`). */
async function listFolders(deps: StoreDeps, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: deps.s3 }, { Bucket: deps.bucket, Prefix: prefix, Delimiter: "/" })) {
      folders.push(...(page.CommonPrefixes ?? []).map((p) => (p.Prefix ?? "").slice(prefix.length)));
    }
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `listing ${prefix}: ${aws.message}`);
    throw err;
  }
  return folders;
}

/** A JSON object, or undefined when there is none (or it is not JSON). */
export async function readJson<T>(deps: StoreDeps, key: string): Promise<T | undefined> {
  const text = await readIfPresent(deps.s3, deps.bucket, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** An object's text. */
export async function readText(deps: StoreDeps, key: string): Promise<string> {
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
  return (await object.Body?.transformToString("utf-8")) ?? "";
}
