import { expect } from "chai";
import { MAX_PART_BYTES, MIN_PART_BYTES } from "../../../functions/summarize/multipart-upload";
import { copyRanges } from "../../../functions/summarize/streamed-files";

describe("copy ranges of a staged part (UploadPartCopy)", () => {
  it("covers the range exactly, in pieces of S3's sizes: at most 5 GiB, and at least 5 MiB each", () => {
    const GiB = 1024 ** 3;
    for (const [start, size] of [
      [0, 6 * MIN_PART_BYTES],
      [MIN_PART_BYTES - 10, 2 * MIN_PART_BYTES],
      [0, 5 * GiB],
      [0, 5 * GiB + 1],
      [3 * MIN_PART_BYTES, 12 * GiB + 7],
    ]) {
      const ranges = copyRanges(start, size);
      expect(ranges[0][0], `${start} ${size}`).to.equal(start);
      expect(ranges.at(-1)![1], `${start} ${size}`).to.equal(size);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).to.equal(ranges[i - 1][1]);
      for (const [from, to] of ranges) expect(to - from, `${start} ${size}`).to.be.within(MIN_PART_BYTES, MAX_PART_BYTES);
      expect(ranges.length).to.equal(Math.ceil((size - start) / MAX_PART_BYTES));
    }
  });
});
