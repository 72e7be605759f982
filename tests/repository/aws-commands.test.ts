import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runProcess } from "../helpers/child-process";

const ROOT = join(__dirname, "..", "..");

/** Where users read AWS CLI commands: the docs, and the fix of each finding. */
const SOURCES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`), "functions/analysis/fixes/fix-guidance.ts"];

/** The AWS CLI's own commands, beyond the service models (`aws s3 ...`, `aws logs tail` of CLI v2), with the options each takes. */
const CUSTOMIZATIONS: Readonly<Record<string, readonly string[]>> = {
  "s3 ls": ["--recursive", "--human-readable", "--summarize"],
  "s3 cp": ["--recursive", "--exclude", "--include"],
  "logs tail": ["--since", "--follow", "--filter-pattern", "--format", "--log-stream-names"],
};

/** Options the CLI adds to a modelled operation. */
const ADDED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  // The QR code or seed written to a file: https://docs.aws.amazon.com/cli/latest/reference/iam/create-virtual-mfa-device.html
  "iam create-virtual-mfa-device": ["--outfile", "--bootstrap-method"],
  // The model's Endpoint, renamed so as not to be the global --endpoint-url's: https://docs.aws.amazon.com/cli/latest/reference/sns/subscribe.html
  "sns subscribe": ["--notification-endpoint"],
};

/** Options every command takes. */
const GLOBAL_OPTIONS = ["--query", "--output", "--region", "--profile", "--endpoint-url", "--no-paginate", "--max-items", "--page-size", "--starting-token"];

interface DocumentedCommand {
  readonly where: string;
  readonly service: string;
  readonly operation: string;
  readonly options: readonly string[];
}

/** Every `aws <service> <operation> [--option ...]` of a text, a line continued by a backslash read whole, comments left out. */
function commandsOf(where: string, text: string): DocumentedCommand[] {
  const joined = text.replace(/\\\n\s*/g, " ");
  // A command ends at the end of its line or code span, or where the next one starts (after |, && or ;, or in a sentence).
  return [...joined.matchAll(/\baws ([a-z0-9-]+) ([a-z][a-z0-9-]*)((?:"[^"\n]*"|(?!\saws\s)[^`\n|"&;])*)/g)].map((m) => ({
    where,
    service: m[1],
    operation: m[2],
    options: (m[3].split(/\s#/)[0].match(/(?<=\s)--[a-z][a-z0-9-]*/g) ?? []).filter((o) => o !== "--"),
  }));
}

/** What the AWS CLI takes for each operation: its options, from botocore's service models (null when it has no such operation). */
async function cliOperations(pairs: readonly (readonly [string, string])[]): Promise<Record<string, string[] | null>> {
  const answered = await runProcess("python3", [join(__dirname, "..", "helpers", "aws_cli_operations.py")], { input: JSON.stringify(pairs) });
  if (answered.status !== 0) throw new Error(answered.stderr);
  return JSON.parse(answered.stdout);
}

describe("the AWS CLI commands the docs and the fixes give, held to the CLI's own service models", function () {
  this.timeout(60_000);

  it("names only operations that exist, with only options they take", async () => {
    const commands = SOURCES.flatMap((file) => commandsOf(file, readFileSync(join(ROOT, file), "utf8")));
    expect(commands.length).to.be.greaterThan(30);
    const modelled = commands.filter((c) => !CUSTOMIZATIONS[`${c.service} ${c.operation}`]);
    const operations = await cliOperations([...new Set(modelled.map((c) => `${c.service} ${c.operation}`))].map((key) => key.split(" ") as [string, string]));
    const wrong = commands.flatMap(({ where, service, operation, options }) => {
      const modelledOptions = operations[`${service} ${operation}`];
      const takes = CUSTOMIZATIONS[`${service} ${operation}`] ?? (modelledOptions && [...modelledOptions, ...(ADDED_OPTIONS[`${service} ${operation}`] ?? [])]);
      if (!takes) return [`${where}: aws ${service} ${operation} is no command of the AWS CLI`];
      return options.filter((o) => !takes.includes(o) && !GLOBAL_OPTIONS.includes(o)).map((o) => `${where}: aws ${service} ${operation} takes no ${o}`);
    });
    expect(wrong).to.deep.equal([]);
  });

  it("can fail: a made-up operation and a made-up option are caught", async () => {
    const operations = await cliOperations([["sqs", "receive-message"], ["sqs", "receive-messages"]]);
    expect(operations["sqs receive-message"]).to.include("--visibility-timeout").and.not.include("--visibility");
    expect(operations["sqs receive-messages"]).to.equal(null);
  });
});
