import { expect } from "chai";
import type { AccountListing, AccountOutcome, SummarizeInput } from "../../functions/contracts";
import { lambdaCause } from "../../cli/local-runner";
import { AssumeRoleFailed } from "../../functions/errors";

// Step Functions refuses a state whose input or output is over 256 KiB. The largest state of a
// run is the Map's output; this pins how many accounts fit, with the longest names allowed.
const STATE_PAYLOAD_LIMIT = 256 * 1024;
const SUPPORTED_ACCOUNTS = 1000;

describe("state payloads", () => {
  const name = "n".repeat(50); // Organizations allows account names of up to 50 characters
  const id = (i: number) => String(100000000000 + i);
  const run = { id: "3f2c9a1e-5b7d-4c1a-9e2f-0a1b2c3d4e5f", startedAt: "2026-11-24T08:00:00.000Z" };

  it(`keeps the listing of ${SUPPORTED_ACCOUNTS} accounts under the limit`, () => {
    const listing: AccountListing = { accounts: Array.from({ length: SUPPORTED_ACCOUNTS }, (_, i) => ({ id: id(i), name })), skipped: [] };

    expect(Buffer.byteLength(JSON.stringify({ run, listing }))).to.be.below(STATE_PAYLOAD_LIMIT);
  });

  it(`keeps the outcomes of ${SUPPORTED_ACCOUNTS} accounts under the limit, a tenth of them failed`, () => {
    const cause = lambdaCause(new AssumeRoleFailed("AccessDenied", `User: arn:aws:sts::999988887777:assumed-role/collector/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${id(0)}:role/iam-credential-report-generation-role`));
    const accounts: AccountOutcome[] = Array.from({ length: SUPPORTED_ACCOUNTS }, (_, i) =>
      i % 10 === 0
        ? { id: id(i), name, status: "failed", attempts: 1, error: { Error: "AssumeRoleFailed", Cause: cause } }
        : { id: id(i), name, status: "collected", attempts: 2 },
    );
    const input: SummarizeInput = { run, listing: { accounts, skipped: [] } };

    expect(Buffer.byteLength(JSON.stringify(input))).to.be.below(STATE_PAYLOAD_LIMIT);
  });
});
