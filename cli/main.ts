import { COMMANDS, commandHelp, helpText } from "./commands";
import { EXIT_INCOMPLETE, EXIT_USAGE, UsageError } from "./exit-status";
import { nodeVersionProblem } from "./node-version";

/** Hands the arguments to their command: help, bad usage and failures become the exit status. */
async function main(argv: string[]): Promise<number> {
  const tooOld = nodeVersionProblem(process.version);
  if (tooOld) {
    console.error(tooOld);
    return EXIT_USAGE;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(helpText());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}: use ${COMMANDS.map((c) => c.name).join(", ")} or help`);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(command));
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`${err.message}\nSee --help.`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = EXIT_INCOMPLETE;
  },
);
