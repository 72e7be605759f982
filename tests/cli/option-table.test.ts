import { expect } from "chai";
import { COMMANDS, commandHelp } from "../../cli/commands";
import { optionsHelp, parseOptions, wrap } from "../../cli/options/option-table";

const TABLE = [
  { flag: "--bucket", type: "string", value: "NAME", help: "the bucket" },
  { flag: "--include-ou", type: "string", value: "ID", multiple: true, help: "an OU (repeatable)" },
  { flag: "--quiet", type: "boolean", help: "no progress line" },
] as const;

describe("the commands' option tables", () => {
  it("parses a table's flags by name: strings, lists and switches", () => {
    const values = parseOptions(TABLE, ["--bucket", "reports", "--include-ou", "ou-a", "--include-ou", "ou-b", "--quiet"]);

    expect(values).to.deep.equal({ bucket: "reports", "include-ou": ["ou-a", "ou-b"], quiet: true });
  });

  it("refuses a flag the table does not have, a missing value and a stray word, as node's parser names them", () => {
    expect(() => parseOptions(TABLE, ["--bucket", "reports", "--bukcet", "x"])).to.throw(TypeError, "Unknown option '--bukcet'").with.property("code", "ERR_PARSE_ARGS_UNKNOWN_OPTION");
    expect(() => parseOptions(TABLE, ["--bucket"])).to.throw(TypeError).with.property("code", "ERR_PARSE_ARGS_INVALID_OPTION_VALUE");
    expect(() => parseOptions(TABLE, ["reports"])).to.throw(TypeError).with.property("code", "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL");
  });

  it("shows each flag with its value and help, lined up, a long help wrapped under its start", () => {
    const long = { flag: "--password-reuse-prevention", type: "string", value: "N", help: "the earlier passwords it must remember, 1-24 [PASSWORD_REUSE_PREVENTION, else 24]" } as const;

    expect(optionsHelp([...TABLE, long]).split("\n")).to.deep.equal([
      "  --bucket NAME           the bucket",
      "  --include-ou ID         an OU (repeatable)",
      "  --quiet                 no progress line",
      "  --password-reuse-prevention N",
      "                          the earlier passwords it must remember, 1-24 [PASSWORD_REUSE_PREVENTION,",
      "                          else 24]",
    ]);
    expect(wrap("a bb ccc dddd", 6)).to.deep.equal(["a bb", "ccc", "dddd"]);
  });

  it("gives every command a help made of its own table, each flag once", () => {
    for (const command of COMMANDS) {
      const help = commandHelp(command);
      const table = help.slice(help.indexOf(`${command.name} options:\n`)).split("\n\n")[0];
      const shown = [...table.matchAll(/^ {2}(--[a-z][a-z-]+)/gm)].map((m) => m[1]);
      expect(shown, command.name).to.deep.equal(command.options.map((o) => o.flag));
    }
  });
});
