/**
 * Pulumi's own rules for stack config, written from the CLI's source (pulumi/pulumi 3.2xx), so that
 * a documented `pulumi config set` line can be judged here, where the CLI cannot run:
 * - `pulumi config set KEY VALUE` stores text; `--path 'k[0]' v` stores a list (or map) whose item
 *   is coerced: "true"/"false" become booleans, base-10 digits not starting with 0 a number, all
 *   else text; `--type string|int|bool|float` stores the item as that type instead
 *   (sdk/go/common/resource/config: Map.Set, Value.coerceObject, coerce).
 * - `pulumi preview`/`up` check each value of a key that Pulumi.yaml declares with a `type`
 *   (sdk/go/common/workspace/project.go: ValidateConfigValue), and stop when one does not fit.
 */

/** A key's declaration in Pulumi.yaml's `config:`. */
export interface ConfigDeclaration {
  readonly type?: string;
  readonly items?: ConfigDeclaration;
}

/** One `pulumi config set` command, as its words. */
export interface ConfigSetCommand {
  readonly key: string;
  readonly value: string;
  readonly path: boolean;
  readonly type?: string;
}

/** The words of a shell command line, with single and double quotes, up to a comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unclosed quote in ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The command of the words after `pulumi config set`. */
export function configSetCommand(words: readonly string[]): ConfigSetCommand {
  const rest: string[] = [];
  let path = false;
  let type: string | undefined;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "--path") path = true;
    else if (words[i] === "--type") type = words[++i];
    else if (words[i] === "--plaintext" || words[i] === "--secret") continue;
    else rest.push(words[i]);
  }
  if (rest.length !== 2) throw new Error(`pulumi config set takes a key and a value, got ${JSON.stringify(words)}`);
  return { key: rest[0], value: rest[1], path, type };
}

/** The top-level key a command sets (`k` of `k[0]` with --path), without a namespace. */
export function topKey(command: ConfigSetCommand): string {
  return command.path ? command.key.split(/[[.]/)[0] : command.key;
}

/** What the stack holds for the command's top-level key: text, or (with --path) the structure with the item in place. */
export function storedValue(command: ConfigSetCommand): unknown {
  if (!command.path || !/[[.]/.test(command.key)) return command.value;
  const item = typedItem(command.value, command.type);
  const index = /^[^[.]+\[(\d+)\]$/.exec(command.key);
  if (index) {
    const list: unknown[] = [];
    list[Number(index[1])] = item;
    return list;
  }
  const field = /^[^[.]+\.(\w+)$/.exec(command.key);
  if (field) return { [field[1]]: item };
  throw new Error(`a path this check does not know: ${command.key}`);
}

function typedItem(value: string, type: string | undefined): unknown {
  switch (type) {
    case "string":
      return value;
    case "int":
    case "float":
      return Number(value);
    case "bool":
      return value === "true";
    case undefined:
      if (value === "true" || value === "false") return value === "true";
      if (/^[+-]?\d+$/.test(value) && !(value.length > 1 && value.startsWith("0"))) return Number(value);
      return value;
    default:
      throw new Error(`pulumi config set --type takes string, int, bool or float, got ${type}`);
  }
}

/** Whether Pulumi takes `value` for a key declared as `declaration` (ValidateConfigValue). */
export function fitsDeclaration(declaration: ConfigDeclaration, value: unknown): boolean {
  switch (declaration.type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value) && declaration.items !== undefined && value.every((item) => fitsDeclaration(declaration.items!, item));
    default:
      return true;
  }
}

/** The text Pulumi hands the program for a stored value (structured values as JSON). */
export function programText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
