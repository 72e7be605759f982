import { createHash } from "node:crypto";
import { GenerateCredentialReportCommand, GetCredentialReportCommand, type IAMClient } from "@aws-sdk/client-iam";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import type { AccountRef, PreviousRun, RunRef, SecurityHubResult } from "../run/contracts";
import { AssumeRoleFailed, describeAwsError, ReportUnavailable, StoreFailed, TransientAwsError } from "../run/errors";
import type { Log } from "../log";
import { reportKey } from "../run/report-keys";
import { storeOnce } from "../storage/write-once";
import { withRetries } from "../aws/with-retries";
import { memberCredentials, type TemporaryCredentials } from "../aws/member-credentials";
import { collectorSessionPolicy } from "../../policies/session-policies";
import { isReportNotReadyError, isReportReady } from "./progress";
import { remediationMode } from "../analysis/fixes/key-remediation";
import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { type AnalysisSettings, analyseAccount } from "../analysis-step";
import type { IamAccount } from "../analysis/iam-account";
import { knownAccounts, storeIamAccount } from "../storage/analysis-store";
import { readIamAccount } from "./read-iam-account";

export interface CollectDeps {
  readonly sts: STSClient;
  /** A Security Hub client for the given credentials (the account's session); undefined, the collector's own. */
  readonly securityHubClient?: (credentials?: TemporaryCredentials) => SecurityHubClient;
  /** Each collected report is analysed where it is read; unset, Summarize analyses it. */
  readonly analysis?: AnalysisSettings;
  readonly s3: S3Client;
  /** An IAM client for the given credentials; undefined means the collector's own. */
  readonly iamClient: (credentials?: TemporaryCredentials) => IAMClient;
  readonly bucket: string;
  readonly memberRoleName: string;
  /** The account the collector runs in: it reads its own report without assuming a role. */
  readonly ownAccountId: string;
  readonly partition: string;
  readonly log: Log;
  /** The first pause before a read or write AWS answered "later" is tried again; it doubles. @default 200 */
  readonly retryPauseMs?: number;
}

/** Metadata stored with each report, so the object alone proves what it is. */
export interface ReportMetadata {
  readonly "account-id": string;
  readonly "run-id": string;
  readonly sha256: string;
  readonly "report-generated-at": string;
}

/** What was stored for an account: the facts the manifest records, as the collector wrote them. */
export interface StoredReportFacts {
  readonly bytes: number;
  readonly sha256: string;
  readonly generatedAt: string;
}

/** One try for one account: stored (and analysed, with what reached Security Hub), or not ready yet (and why). */
export type AccountTry =
  | { readonly stored: true; readonly report: StoredReportFacts; readonly securityHub?: SecurityHubResult }
  | { readonly stored: false; readonly reason: string };

/**
 * An account's tries within one call: its IAM client once the role is assumed, and whether IAM is
 * already generating its report (then the next try only asks for it).
 */
export interface AccountSession {
  iam?: IAMClient;
  /** The member role's credentials, undefined in the collector's own account. */
  credentials?: TemporaryCredentials;
  generating: boolean;
}

/**
 * One try for one account: get into the account, ask IAM for the credential report and, when it
 * is ready, store its bytes unchanged. "Not ready" (and throttling, and S3 asking us to slow down)
 * come back as not stored with the reason, so the caller waits and tries again; real failures
 * throw a named error.
 */
export async function collectAccount(
  account: AccountRef,
  run: RunRef,
  attempt: number,
  deps: CollectDeps,
  session: AccountSession = { generating: false },
  previousRun?: PreviousRun,
): Promise<AccountTry> {
  const context = { accountId: account.id, runId: run.id, attempt };
  const notReady = (reason: string): AccountTry => {
    deps.log("report-pending", { ...context, reason });
    return { stored: false, reason };
  };

  if (!session.iam) {
    try {
      session.credentials = await credentialsFor(account.id, run.id, deps);
      session.iam = deps.iamClient(session.credentials);
    } catch (err) {
      const aws = describeAwsError(err);
      if (aws.transient) return notReady(`AssumeRole: ${aws.code}`);
      throw new AssumeRoleFailed(aws.code, aws.message);
    }
  }

  const report = await fetchReport(session.iam, session);
  if (!report.ready) return notReady(report.reason);
  // What the report leaves out, read in the same session once the report is there.
  let iamAccount: IamAccount;
  try {
    iamAccount = await withRetries(() => readIamAccount(session.iam!), deps.retryPauseMs);
  } catch (err) {
    if (err instanceof TransientAwsError) return notReady(err.message);
    throw err;
  }

  const key = reportKey(run, account.id);
  const sha256 = createHash("sha256").update(report.content).digest();
  const facts = { bytes: report.content.byteLength, sha256: sha256.toString("hex"), generatedAt: report.generatedAt };
  try {
    await storeReport(deps, key, report.content, sha256, {
      "account-id": account.id,
      "run-id": run.id,
      sha256: facts.sha256,
      "report-generated-at": report.generatedAt,
    });
  } catch (err) {
    // S3 asked us to come back later: the next try stores it (or finds it stored).
    if (err instanceof TransientAwsError) return notReady(`store: ${err.message}`);
    throw err;
  }
  deps.log("report-stored", { ...context, key, bytes: facts.bytes });
  if (iamAccount.refused.length > 0) deps.log("iam-calls-refused", { ...context, refused: iamAccount.refused });
  const analysed = await analyseStored(account, run, { ...report, iam: iamAccount }, deps, session, previousRun);
  // The stored analysis keeps IAM's answers: one PUT an account. One left to Summarize needs them beside its report.
  if (!analysed.stored) await keepIamAccount(run, account, iamAccount, deps);
  return { stored: true, report: facts, ...(analysed.securityHub ? { securityHub: analysed.securityHub } : {}) };
}

/** Stores what IAM said beside the report, for Summarize to analyse the account with; not stored, Summarize leaves the checks that need it not evaluated. */
async function keepIamAccount(run: RunRef, account: AccountRef, iam: IamAccount, deps: CollectDeps): Promise<void> {
  try {
    await withRetries(() => storeIamAccount(deps, run, account.id, iam), deps.retryPauseMs);
  } catch (err) {
    deps.log("iam-account-not-stored", { accountId: account.id, runId: run.id, error: String(err) });
  }
}

/**
 * The stored report's analysis, where it is read (and, with Security Hub on, sent with the session
 * already held in the account). After a run of an older version the previous findings are one
 * organization-wide file: Summarize reads that once, so the accounts are left to it. A read or
 * write AWS answers "later" is tried again on its own; a failure after that is logged and the
 * account left to Summarize, never the report (it is stored) collected again.
 */
async function analyseStored(
  account: AccountRef,
  run: RunRef,
  report: { readonly content: Uint8Array; readonly generatedAt: string; readonly iam: IamAccount },
  deps: CollectDeps,
  session: AccountSession,
  previousRun: PreviousRun | undefined,
): Promise<{ stored: boolean; securityHub?: SecurityHubResult }> {
  if (!deps.analysis || (previousRun && !previousRun.accountFiles)) return { stored: false };
  try {
    const store = { s3: deps.s3, bucket: deps.bucket, log: deps.log };
    const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
    const known = await retry(() => knownAccounts(previousRun, store).of(account.id));
    const generatedAt = report.generatedAt === "unknown" ? undefined : new Date(report.generatedAt);
    const hub = deps.securityHubClient ? async () => deps.securityHubClient!(session.credentials) : undefined;
    const csv = Buffer.from(report.content).toString("utf-8");
    const { securityHub } = await retry(() => analyseAccount({ account, run, csv, generatedAt, iam: report.iam, known }, deps.analysis!, store, hub, { iam: session.iam }));
    return { stored: true, ...(securityHub ? { securityHub } : {}) };
  } catch (err) {
    deps.log("analysis-left-to-summarize", { accountId: account.id, runId: run.id, error: String(err) });
    return { stored: false };
  }
}

type FetchedReport =
  | { readonly ready: false; readonly reason: string }
  | { readonly ready: true; readonly content: Uint8Array; readonly generatedAt: string };

// IAM is generating a new report: asking for it again says so until it is there.
const STILL_GENERATING = new Set(["ReportInProgress", "CredentialReportNotReadyException"]);

/**
 * Asks IAM to generate the report (it returns COMPLETE at once when it has one under four hours
 * old) and gets it when it is ready. While IAM is generating, later tries only get it: one call
 * fewer each. Throws ReportUnavailable on a real refusal.
 */
async function fetchReport(iam: IAMClient, session: AccountSession): Promise<FetchedReport> {
  let got;
  try {
    if (!session.generating) {
      const generated = await iam.send(new GenerateCredentialReportCommand({}));
      if (!isReportReady(generated.State)) {
        session.generating = true;
        return { ready: false, reason: `report ${generated.State ?? "state unknown"}` };
      }
    }
    got = await iam.send(new GetCredentialReportCommand({}));
  } catch (err) {
    const aws = describeAwsError(err);
    // Gone or expired in between: the next try asks IAM to generate it again.
    if (!STILL_GENERATING.has(aws.code)) session.generating = false;
    if (aws.transient || isReportNotReadyError(aws.code)) return { ready: false, reason: `credential report: ${aws.code}` };
    throw new ReportUnavailable(aws.code, aws.message);
  }
  if (!got.Content) throw new ReportUnavailable("EmptyReport", "GetCredentialReport returned no content");
  return { ready: true, content: got.Content, generatedAt: got.GeneratedTime?.toISOString() ?? "unknown" };
}

function credentialsFor(accountId: string, runId: string, deps: CollectDeps): Promise<TemporaryCredentials | undefined> {
  const hub = deps.analysis?.securityHub;
  const remediation = remediationMode(deps.analysis?.remediation);
  const sessionPolicy = (id: string) =>
    collectorSessionPolicy(hub ? { ...hub, accountId: id } : undefined, remediation === "off" ? undefined : { mode: remediation, partition: deps.partition, accountId: id });
  return memberCredentials(accountId, runId, { sts: deps.sts, partition: deps.partition, roleName: deps.memberRoleName, ownAccountId: deps.ownAccountId, sessionPolicy });
}

/**
 * Stores the report unless its key is taken; the same bytes there already are an earlier call of
 * this account whose answer was lost (say, a dropped connection after S3 stored it).
 */
async function storeReport(deps: CollectDeps, key: string, body: Uint8Array, sha256: Buffer, metadata: ReportMetadata) {
  const written = await storeOnce(deps.s3, {
    Bucket: deps.bucket,
    Key: key,
    Body: body,
    ContentType: "text/csv",
    // S3 checks the bytes it received against this and refuses a damaged upload.
    ChecksumSHA256: sha256.toString("base64"),
    Metadata: { ...metadata },
  });
  if (!written && (await storedSha256(deps, key)) !== metadata.sha256) {
    throw new StoreFailed("PreconditionFailed", `${key} already holds a different report; it was not overwritten`);
  }
}

async function storedSha256(deps: CollectDeps, key: string): Promise<string | undefined> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return head.Metadata?.sha256;
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `${key}: ${aws.message}`);
    return undefined;
  }
}
