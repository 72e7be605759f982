import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = join(__dirname, "..", "..");

describe("the command-line reference (docs/cli.md)", () => {
  it("lists every flag the CLI's help knows", () => {
    const main = readFileSync(join(ROOT, "cli", "main.ts"), "utf8");
    const help = main.slice(main.indexOf("const HELP = `"), main.indexOf("`;", main.indexOf("const HELP = `")));
    const flags = [...new Set(help.match(/--[a-z][a-z-]+/g))].filter((flag) => flag !== "--help");
    const reference = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");

    expect(flags.length).to.be.greaterThan(20);
    expect(flags.filter((flag) => !reference.includes(`\`${flag}`))).to.deep.equal([]);
  });
});
