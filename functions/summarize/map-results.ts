import type { S3Client } from "@aws-sdk/client-s3";
import type { AccountOutcome, AccountRef, CaughtError, MapRunOutput } from "../run/contracts";
import { InvalidInput } from "../run/errors";
import { readIfPresent } from "../storage/read-if-present";

/** Why an account has no outcome but "no report": the run ended before recording one. */
export const OUTCOME_NOT_RECORDED = "OutcomeNotRecorded";

/** The manifest.json a Distributed Map's ResultWriter writes: the files of its children's results. */
export interface ResultWriterManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: Partial<Record<"SUCCEEDED" | "FAILED" | "PENDING", ReadonlyArray<{ readonly Key: string; readonly Size: number }>>>;
}

/** One child execution as a ResultWriter file lists it; Input and Output are JSON text. */
export interface ChildExecutionResult {
  readonly ExecutionArn: string;
  readonly Status: string;
  readonly Input: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/** Every child execution's result, from the files the ResultWriter's manifest lists. */
export async function readMapResults(s3: S3Client, results: MapRunOutput): Promise<ChildExecutionResult[]> {
  const { Bucket, Key } = results.ResultWriterDetails;
  const manifestText = await readIfPresent(s3, Bucket, Key);
  if (manifestText === undefined) throw new InvalidInput(`the Map's result manifest s3://${Bucket}/${Key} is not there`);
  const manifest = JSON.parse(manifestText) as ResultWriterManifest;
  const files = [...(manifest.ResultFiles.SUCCEEDED ?? []), ...(manifest.ResultFiles.FAILED ?? []), ...(manifest.ResultFiles.PENDING ?? [])];
  const children: ChildExecutionResult[] = [];
  for (const file of files) {
    const text = await readIfPresent(s3, manifest.DestinationBucket, file.Key);
    if (text === undefined) throw new InvalidInput(`the Map's result file s3://${manifest.DestinationBucket}/${file.Key} is not there`);
    children.push(...(JSON.parse(text) as ChildExecutionResult[]));
  }
  return children;
}

/**
 * Pure: one outcome per account of the run's list, whatever became of its batch.
 * - A child that succeeded gives its accounts' outcomes (its output).
 * - The accounts of a child that failed, timed out or never finished, and any account no child
 *   reported on, are collected if their report is stored (`hasReport`), and otherwise failed: with
 *   the child's error, the Map's error, or OutcomeNotRecorded.
 */
export function outcomesOfRun(
  accounts: readonly AccountRef[],
  children: readonly ChildExecutionResult[],
  hasReport: (accountId: string) => boolean,
  mapError?: CaughtError,
): AccountOutcome[] {
  const inList = new Set(accounts.map((account) => account.id));
  const outcomes = new Map<string, AccountOutcome>();
  const childErrors = new Map<string, CaughtError>();
  for (const child of children) {
    if (child.Status === "SUCCEEDED" && child.Output) {
      for (const outcome of JSON.parse(child.Output) as AccountOutcome[]) if (inList.has(outcome.id)) outcomes.set(outcome.id, outcome);
      continue;
    }
    const error = {
      Error: child.Error ?? `States.Child${child.Status}`,
      Cause: child.Cause ?? `the batch's child execution ${child.ExecutionArn} ended ${child.Status}`,
    };
    const items = (JSON.parse(child.Input) as { Items?: AccountRef[] }).Items ?? [];
    for (const account of items) childErrors.set(account.id, error);
  }
  return accounts.map((account): AccountOutcome => {
    const recorded = outcomes.get(account.id);
    if (recorded) return { ...recorded, name: account.name };
    if (hasReport(account.id)) return { ...account, status: "collected", attempts: 0 };
    const error = childErrors.get(account.id) ??
      mapError ?? { Error: OUTCOME_NOT_RECORDED, Cause: `${OUTCOME_NOT_RECORDED}: no report was stored for this account, and the run ended before its outcome was recorded` };
    return { ...account, status: "failed", attempts: 0, error };
  });
}
