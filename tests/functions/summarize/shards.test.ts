import { expect } from "chai";
import { planShards } from "../../../functions/summarize/shards";

describe("planShards", () => {
  const sized = (...bytes: (number | undefined)[]) => bytes.map((b) => (b === undefined ? {} : { bytes: b }));

  it("keeps a run within the limits in one shard, the whole of it", () => {
    expect(planShards(sized(10, 20, 30), { accounts: 3, reportBytes: 60 })).to.deep.equal([{ index: 0, count: 1, start: 0, end: 3 }]);
    expect(planShards([], { accounts: 3, reportBytes: 60 })).to.deep.equal([{ index: 0, count: 1, start: 0, end: 0 }]);
  });

  it("cuts at the account limit, in order, and every account is in exactly one shard", () => {
    const shards = planShards(sized(...Array(7).fill(1)), { accounts: 3, reportBytes: 1_000 });
    expect(shards.map((s) => [s.start, s.end])).to.deep.equal([[0, 3], [3, 6], [6, 7]]);
    expect(shards.every((s) => s.count === 3)).to.equal(true);
    expect(shards.map((s) => s.index)).to.deep.equal([0, 1, 2]);
  });

  it("cuts before the report that would pass the bytes limit; a report larger than the limit is a shard of its own", () => {
    expect(planShards(sized(40, 30, 100, 5, undefined, 20), { accounts: 10, reportBytes: 60 }).map((s) => [s.start, s.end])).to.deep.equal([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 6],
    ]);
  });
});
