import { demoCommand } from "./demo";
import { fetchCommand } from "./fetch";
import { historyCommand } from "./history";
import { type Command, HELP_WIDTH, optionsHelp, wrap } from "./options/option-table";
import { runCommand } from "./run";
import { summarizeCommand } from "./summarize";

/** Every command of the CLI, in the order the help shows them. */
export const COMMANDS: readonly Command[] = [demoCommand, runCommand, summarizeCommand, historyCommand, fetchCommand];

const TITLE = "Organization credential reports: collect every account's IAM credential report into S3.";

const CHECKS = `Every flag is checked before any AWS call (numbers: whole, in decimal digits, within the bounds
shown); then run, summarize --bucket, history and fetch check the caller, the bucket (one listing) and the topic.
Progress goes to stderr: a live line on a terminal, a line every 5 s otherwise.`;

const CREDENTIALS_AND_EXIT = `Against real AWS the default credential chain is used; run it as the management account (or a
delegated administrator) where the member role exists in every account.
Exit status: 0 when every active account was collected and analysed; 1 when any account failed,
the analysis failed, or the run stopped; 2 on bad usage: a flag's value, or a bucket, topic or
endpoint that the checks before the run found unusable (nothing was collected).`;

/** One command's part of the help: its options from its table, then its notes. */
function commandSection(command: Command): string {
  const notes = command.notes ? `\n\n${wrap(command.notes, HELP_WIDTH - 2).map((line) => `  ${line}`).join("\n")}` : "";
  return `${command.name} options:\n${optionsHelp(command.options)}${notes}`;
}

function usageLines(commands: readonly Command[]): string {
  const rows = [...commands.map((c) => [c.usage, c.summary]), ["npm run cli -- help", "this text"], ["npm run cli -- <command> --help", "one command's options"]];
  return rows.map(([usage, summary]) => `  ${usage.padEnd(37)}${summary}`).join("\n");
}

/** The whole help: usage, then every command's options, then credentials and exit statuses. */
export function helpText(): string {
  return [TITLE, `Usage:\n${usageLines(COMMANDS)}`, CHECKS, ...COMMANDS.map(commandSection), CREDENTIALS_AND_EXIT].join("\n\n");
}

/** One command's help: how it is started, its options, credentials and exit statuses. */
export function commandHelp(command: Command): string {
  return [`Usage: ${command.usage}\n  ${command.summary}`, commandSection(command), CREDENTIALS_AND_EXIT].join("\n\n");
}
