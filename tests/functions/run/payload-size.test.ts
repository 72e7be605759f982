import { expect } from "chai";
import type { AccountOutcome, BatchState, SummarizeInput } from "../../../functions/run/contracts";
import { AssumeRoleFailed } from "../../../functions/run/errors";
import { MAX_FAILURES_LISTED } from "../../../functions/aws/security-hub";

// Step Functions refuses a state whose input or output is over 256 KiB. With the account list in
// S3 and results written by the Map's ResultWriter, the largest state is one batch's: this pins
// that the largest batch allowed, with the longest names and errors, stays far below it.
const TARGET = 64 * 1024;
const LARGEST_BATCH = 100;

describe("state payloads", () => {
  const name = "n".repeat(50); // Organizations allows account names of up to 50 characters
  const id = (i: number) => String(100000000000 + i);
  const run = { id: "3f2c9a1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f", startedAt: "2026-11-24T08:00:00.000Z" };
  const batchInput = { run, poll: { maxAttempts: 100, intervalSeconds: 300 } };

  it(`keeps a batch of ${LARGEST_BATCH} accounts under ${TARGET / 1024} KiB, every one failed with a long error`, () => {
    const error = new AssumeRoleFailed("AccessDenied", `User: arn:aws:sts::999988887777:assumed-role/collector/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${id(0)}:role/${"r".repeat(64)}`);
    const done: AccountOutcome[] = Array.from({ length: LARGEST_BATCH }, (_, i) => ({ id: id(i), name, status: "failed", attempts: 100, error: { Error: error.name, Cause: error.message } }));
    const items = done.map(({ id: accountId }) => ({ id: accountId, name }));
    const state: BatchState = { Items: items, BatchInput: batchInput, progress: { done, pending: [], pendingCount: 0, waitSeconds: 0 } };

    expect(Buffer.byteLength(JSON.stringify(state))).to.be.below(TARGET);
  });

  it(`keeps a batch of ${LARGEST_BATCH} accounts under ${TARGET / 1024} KiB, every one collected and refused by Security Hub at length`, () => {
    // A finding id with the longest user name IAM allows (64), and a long refusal.
    const refusal = { id: `${id(0)}/${"u".repeat(64)}/key-created-with-user-unused/access_key_2`, error: `InvalidAccessException: ${"Account is not subscribed to AWS Security Hub. ".repeat(4)}` };
    const done: AccountOutcome[] = Array.from({ length: LARGEST_BATCH }, (_, i) => ({
      id: id(i),
      name,
      status: "collected",
      attempts: 100,
      report: { bytes: 10_000_000, sha256: "f".repeat(64), generatedAt: "2026-11-24T07:59:59.000Z" },
      securityHub: {
        accounts: 1,
        imported: 0,
        suppressed: 0,
        archived: 0,
        workflowUpdated: 0,
        failedCount: 10_000,
        // A batch names at most MAX_FAILURES_LISTED failures in all (collect-batch.ts).
        failed: i < MAX_FAILURES_LISTED ? [{ accountId: id(i), ...refusal }] : [],
      },
    }));
    const items = done.map(({ id: accountId }) => ({ id: accountId, name }));
    const state: BatchState = { Items: items, BatchInput: batchInput, progress: { done, pending: [], pendingCount: 0, waitSeconds: 0 } };

    expect(Buffer.byteLength(JSON.stringify(state))).to.be.below(TARGET);
  });

  it(`keeps a batch of ${LARGEST_BATCH} accounts, all still pending, under ${TARGET / 1024} KiB`, () => {
    const items = Array.from({ length: LARGEST_BATCH }, (_, i) => ({ id: id(i), name }));
    const state: BatchState = {
      Items: items,
      BatchInput: batchInput,
      progress: { done: [], pending: items.map((account) => ({ account, attempts: 99 })), pendingCount: LARGEST_BATCH, waitSeconds: 300 },
    };

    expect(Buffer.byteLength(JSON.stringify(state))).to.be.below(TARGET);
  });

  it("carries only locations and counts from ListAccounts to Summarize, whatever the number of accounts", () => {
    const input: SummarizeInput = {
      run,
      listing: {
        accountList: { bucket: "b".repeat(63), key: `credential-reports/date=2026-11-24/run=${run.id}/accounts.json` },
        toCollect: { bucket: "m".repeat(63), key: `map-runs/run=${run.id}/accounts-to-collect.json` },
        counts: { accounts: 10_000_000, skipped: 10_000_000 },
      },
      results: { MapRunArn: `arn:aws:states:us-east-1:111122223333:mapRun:credreport-state-machine-1234567/CollectAccounts:${run.id}`, ResultWriterDetails: { Bucket: "m".repeat(63), Key: `map-runs/run=${run.id}/${run.id}/manifest.json` } },
    };

    expect(Buffer.byteLength(JSON.stringify(input))).to.be.below(2 * 1024);
  });
});
