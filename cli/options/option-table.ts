import { parseArgs } from "node:util";

/** One flag of a command: the one row that both `--help` and the parsing read. */
export interface Option {
  readonly flag: `--${string}`;
  readonly type: "string" | "boolean";
  /** What the value is called in the help (NAME, N, DIR); none for a boolean. */
  readonly value?: string;
  /** Given more than once, it gathers a list. @default false */
  readonly multiple?: boolean;
  /** What it does, what it allows and its default in brackets: one line, wrapped by the help. */
  readonly help: string;
}

/** A command of the CLI: how it is started, its options, and what it does with them. */
export interface Command {
  readonly name: string;
  /** How a user starts it, as the help's usage shows it. */
  readonly usage: string;
  /** One line: what it does. */
  readonly summary: string;
  readonly options: readonly Option[];
  /** Said under the options in the help. */
  readonly notes?: string;
  /** Runs the command on its arguments (after the command's name); resolves to the exit status. */
  readonly run: (args: string[]) => Promise<number>;
}

type NameOf<F> = F extends `--${infer N}` ? N : never;
type ValueOf<O extends Option> = O["type"] extends "boolean" ? boolean : O["multiple"] extends true ? string[] : string;

/** The values of a table's flags, by name without the dashes; a flag not given is undefined. */
export type Values<T extends readonly Option[]> = { readonly [O in T[number] as NameOf<O["flag"]>]?: ValueOf<O> };

/**
 * The flags of `args` by the table, with node's own parser: an unknown flag, a value missing, or a
 * word that is no flag is thrown (ERR_PARSE_ARGS_*), which the CLI reports as bad usage.
 */
export function parseOptions<const T extends readonly Option[]>(options: T, args: string[]): Values<T> {
  const config = Object.fromEntries(options.map((o) => [o.flag.slice(2), { type: o.type, multiple: o.multiple ?? false }]));
  return parseArgs({ args, options: config, strict: true, allowPositionals: false }).values as Values<T>;
}

/** Where the help of each flag starts on its line, and where the lines end. */
const HELP_COLUMN = 26;
export const HELP_WIDTH = 100;

/** The table as the help shows it: each flag with its value, then its help, lined up and wrapped. */
export function optionsHelp(options: readonly Option[]): string {
  const indent = " ".repeat(HELP_COLUMN);
  return options
    .map(({ flag, value, help }) => {
      const head = `  ${flag}${value ? ` ${value}` : ""}`;
      const [first, ...more] = wrap(help, HELP_WIDTH - HELP_COLUMN);
      const lines = head.length < HELP_COLUMN ? [head.padEnd(HELP_COLUMN) + first] : [head, indent + first];
      return [...lines, ...more.map((line) => indent + line)].join("\n");
    })
    .join("\n");
}

/** The words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
