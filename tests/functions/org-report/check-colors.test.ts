import { expect } from "chai";
import { CHECK_COLORS } from "../../../functions/org-report/html-report";

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe("the checks' colours on the page", () => {
  it("gives no two checks colours that read alike (at least 55 apart in RGB)", () => {
    const checks = Object.entries(CHECK_COLORS);
    const close: string[] = [];
    for (const [i, [a, colourA]] of checks.entries()) {
      for (const [b, colourB] of checks.slice(i + 1)) {
        if (Math.hypot(...rgb(colourA).map((value, channel) => value - rgb(colourB)[channel])) < 55) close.push(`${a} ${colourA} and ${b} ${colourB}`);
      }
    }
    expect(close).to.deep.equal([]);
  });
});
