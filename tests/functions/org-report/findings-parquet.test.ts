import { expect } from "chai";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { FindingsParquet, type HistoryRow } from "../../../functions/org-report/findings-parquet";

const row = (i: number): HistoryRow => ({
  finding_id: `111111111111/user-${i}/access-key-old/access_key_1`,
  check_id: i % 3 === 0 ? "access-key-old" : "console-without-mfa",
  severity: "high",
  cis_control: i % 5 === 0 ? null : "1.14",
  account_id: "111111111111",
  user_name: `user-${i}`,
  credential: i % 2 === 0 ? "access_key_1" : null,
  message: `Access key 1 of user-${i} is old`,
  evidence: i % 4 === 0 ? {} : { age_days: String(90 + i), last_rotated: "2026-01-01" },
  is_new: i % 2 === 1,
  accepted: i % 7 === 0,
  run_id: "run-7",
  run_started_at: "2026-12-07T08:00:00.000Z",
});

describe("the findings history as Parquet", () => {
  it("writes every row as given, nulls and maps included, a row group at a time, each handed on as soon as it is encoded", async () => {
    const handed: number[] = [];
    const parts: Uint8Array[] = [];
    const writer = new FindingsParquet(async (bytes) => {
      handed.push(bytes.length);
      parts.push(bytes);
    }, 1000);
    const rows = Array.from({ length: 2500 }, (_, i) => row(i));
    for (const r of rows.slice(0, 1000)) await writer.add(r);
    // The first group went as soon as it was full: the header and the group, before the rest came.
    expect(handed).to.have.length(1);
    for (const r of rows.slice(1000)) await writer.add(r);
    await writer.finish();

    const file = Buffer.concat(parts);
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    expect(parquetMetadata(buffer).row_groups.map((g) => Number(g.num_rows))).to.deep.equal([1000, 1000, 500]);
    const read = await parquetReadObjects({ file: buffer });
    expect(read).to.have.length(rows.length);
    for (const [i, r] of read.entries()) {
      expect({ ...r, evidence: r.evidence ?? {} }, `row ${i}`).to.deep.equal({ ...rows[i] });
    }
  });

  it("writes a file with no findings that readers take", async () => {
    const parts: Uint8Array[] = [];
    const writer = new FindingsParquet(async (bytes) => void parts.push(bytes));
    await writer.finish();
    const file = Buffer.concat(parts);
    expect(Number(parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)).num_rows)).to.equal(0);
  });
});
