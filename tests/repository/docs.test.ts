import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { expect } from "chai";
import { remediationRows } from "../helpers/remediation-table";
import { parse } from "yaml";
import { CONFIG_KEYS, parseConfig } from "../../components/config/config";
import { MFA_FOR_EVERY_USER, THRESHOLD_SETTINGS } from "../../functions/analysis/thresholds";
import { COMMANDS, helpText } from "../../cli/commands";
import { CHECKS, type CheckId } from "../../functions/analysis/findings";
import { LAMBDA_ENV } from "../../functions/pipeline/lambda-env";
import { type ConfigDeclaration, configSetCommand, fitsDeclaration, programText, shellWords, storedValue, topKey } from "../helpers/pulumi/pulumi-config";

const ROOT = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const PROJECT = parse(read("Pulumi.yaml")) as { name: string; config: Record<string, ConfigDeclaration> };
const PACKAGE = JSON.parse(read("package.json"));
const SCHEMA = JSON.parse(read("schema.json"));
const COMPONENT_OUTPUTS = Object.keys(SCHEMA.resources[`${SCHEMA.name}:index:OrgCredentialReports`].properties);

/** Every file under a folder, as paths from the repository's root. */
function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name);
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

const MARKDOWN = ["README.md", ...filesUnder("docs").filter((f) => f.endsWith(".md"))];
/** Where users read commands, names and pointers: the docs, the examples, the CLI's help, the messages and Pulumi.yaml. */
const TEXTS = [...MARKDOWN, ...filesUnder("examples"), ...filesUnder("cli").filter((f) => f.endsWith(".ts")), ...filesUnder("components"), "Pulumi.yaml", "Pulumi.dev.yaml"];

/** The first cell's backticked names of each row of the table whose header starts with `header`. */
function tableNames(text: string, header: string): string[] {
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`no table headed ${header}`);
  const rows = text.slice(start).split("\n").slice(2);
  return rows.slice(0, rows.findIndex((row) => !row.startsWith("|"))).flatMap((row) => [...row.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

/** GitHub's anchor for a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
const headings = (text: string) => [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());

/** What `pulumi config set` would store for each documented line, and whether Pulumi's type check lets it through. */
function judge(line: string): { key: string; problem?: string; stored?: unknown } {
  const command = configSetCommand(shellWords(line));
  const key = topKey(command);
  if (key.startsWith("aws:")) return { key, problem: key === "aws:region" ? undefined : `${key} is not a key this project documents` };
  const local = key.startsWith(`${PROJECT.name}:`) ? key.slice(PROJECT.name.length + 1) : key;
  const declaration = PROJECT.config[local];
  if (!declaration || !(CONFIG_KEYS as readonly string[]).includes(local)) return { key, problem: `${key} is not a config key of this project` };
  const stored = storedValue(command);
  if (!fitsDeclaration(declaration, stored)) return { key, problem: `Pulumi stops the preview: ${key} is declared ${declaration.type}, and this stores ${JSON.stringify(stored)}` };
  return { key: local, stored };
}

describe("the docs, held to the code", () => {
  describe("pulumi config set, by Pulumi's own rules", () => {
    const lines = TEXTS.flatMap((file) =>
      [...read(file).matchAll(/pulumi config set ([^`\n]*)/g)].map((m) => ({ file, line: m[1].replace(/\)\s*$/, "").trim() })).filter(({ line }) => !line.includes("<") && !line.includes("${")),
    );

    it("knows a value Pulumi refuses from one it takes", () => {
      expect(judge("notificationEmails 'security@example.com'").problem).to.match(/declared array/);
      expect(judge("--path 'excludeAccountIds[0]' 111111111111").problem).to.match(/stores \[111111111111\]/);
      expect(judge("--path --type string 'excludeAccountIds[0]' 011111111111").stored).to.deep.equal(["011111111111"]);
      expect(judge("--path 'notificationEmails[1]' a@example.com").stored).to.deep.equal([undefined, "a@example.com"]);
      expect(judge("scheduleHour 6").problem).to.equal(undefined);
      expect(judge("scheduleHour six").problem).to.match(/declared integer/);
      expect(judge("maxConcurency 6").problem).to.match(/not a config key/);
    });

    it("documents only commands Pulumi takes, for keys that exist, with values the program takes", () => {
      expect(lines.length).to.be.greaterThan(8);
      const risks = read("examples/accepted-risks.yaml");
      for (const { file, line } of lines) {
        const { key, problem, stored } = judge(line);
        expect(problem, `${file}: pulumi config set ${line}`).to.equal(undefined);
        if (key.includes(":")) continue;
        const text = Array.isArray(stored) ? JSON.stringify(stored.filter((item) => item !== undefined)) : programText(stored);
        expect(() => parseConfig({ [key]: text }, { readFile: () => risks }), `${file}: pulumi config set ${line}`).to.not.throw();
      }
    });

    it("shows stack files whose every value fits its declared type", () => {
      const stackFiles = [read("Pulumi.dev.yaml"), ...MARKDOWN.flatMap((file) => [...read(file).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((y) => /^config:/m.test(y)))];
      expect(stackFiles.length).to.be.greaterThan(1);
      for (const text of stackFiles) {
        for (const [key, value] of Object.entries(parse(text).config as Record<string, unknown>)) {
          if (key.startsWith("aws:")) continue;
          const local = key.slice(PROJECT.name.length + 1);
          expect(key.startsWith(`${PROJECT.name}:`) && PROJECT.config[local], key).to.be.ok;
          expect(fitsDeclaration(PROJECT.config[local], value), `${key}: ${JSON.stringify(value)}`).to.equal(true);
        }
      }
    });
  });

  it("names in its key tables only keys that exist, and every key Pulumi.yaml declares is one", () => {
    expect(Object.keys(PROJECT.config).sort()).to.deep.equal([...CONFIG_KEYS].sort());
    for (const [file, header] of [["README.md", "| key | default |"], ["docs/configuration.md", "| key | default |"]]) {
      const named = tableNames(read(file), header);
      expect(named.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key)), file).to.deep.equal([]);
      expect(CONFIG_KEYS.filter((key) => !named.includes(key)), file).to.deep.equal([]);
    }
  });

  it("names every stack output, and only those, in the README and in docs/configuration.md", () => {
    const exported = [...read("index.ts").matchAll(/^export const (\w+) =/gm)].map((m) => m[1]);
    expect(exported.sort()).to.deep.equal([...COMPONENT_OUTPUTS].sort());
    for (const [file, header] of [["README.md", "| output | what it is |"], ["docs/configuration.md", "| output | meaning |"]]) {
      expect(tableNames(read(file), header).sort(), file).to.deep.equal([...COMPONENT_OUTPUTS].sort());
    }
  });

  describe("the command line", () => {
    const HELP = helpText();
    const HELP_FLAGS: Record<string, string[]> = Object.fromEntries(COMMANDS.map((command) => [command.name, command.options.map((option) => option.flag)]));

    it("has in docs/cli.md exactly each command's flags, each in the help", () => {
      const reference = read("docs/cli.md");
      for (const [command, flags] of Object.entries(HELP_FLAGS)) {
        expect(flags.length, command).to.be.greaterThan(1);
        const documented = tableNames(reference, `| \`${command}\` flag |`).flatMap((cell) => cell.match(/--[a-z][a-z-]+/g) ?? []);
        expect([...new Set(documented)].sort(), command).to.deep.equal([...flags].sort());
        for (const flag of flags) expect(HELP, flag).to.match(new RegExp(`^  ${flag}\\b`, "m"));
      }
    });

    it("documents only commands that exist, with only their flags", () => {
      const commands = TEXTS.filter((f) => f.endsWith(".md")).flatMap((file) =>
        [...read(file).matchAll(/npm run (demo|cli -- (\w+))([^`\n]*)/g)].map((m) => ({ file, command: m[2] ?? "demo", rest: m[3] })),
      );
      expect(commands.length).to.be.greaterThan(5);
      for (const { file, command, rest } of commands) {
        expect([...COMMANDS.map((c) => c.name), "help"], `${file}: ${command}`).to.include(command);
        const flags = (rest.split(/\s#/)[0].match(/(?<=\s)--[a-z][a-z-]+/g) ?? []).filter((f) => f !== "--");
        for (const flag of flags) expect(HELP_FLAGS[command] ?? [], `${file}: npm run ${command} ${flag}`).to.include(flag);
      }
    });
  });

  it("has each check's fix in docs/findings.md as the code has it, one table", () => {
    const doc = read("docs/findings.md");
    const table = doc.slice(doc.indexOf("<!-- remediation table"), doc.indexOf("<!-- end of remediation table"));
    const rows = table.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows).to.deep.equal(remediationRows());
  });

  it("lists every Lambda variable in docs/configuration.md", () => {
    const settings = read("docs/configuration.md").split("## Lambda settings")[1];
    const variables = [...Object.values(LAMBDA_ENV).flatMap((names) => Object.values(names)), ...Object.values(THRESHOLD_SETTINGS).map((s) => s.env), MFA_FOR_EVERY_USER.env];
    expect(variables.filter((name) => !settings.includes(`\`${name}\``))).to.deep.equal([]);
  });

  it("links only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of MARKDOWN) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target)) continue;
        const [path, anchor] = target.split("#");
        const linked = path ? relative(ROOT, join(ROOT, dirname(file), path)) : file;
        let text: string;
        try {
          text = statSync(join(ROOT, linked)).isDirectory() ? "" : read(linked);
        } catch {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor && !headings(text).map(slug).includes(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("points only to sections that exist (README \"...\", docs/x.md \"...\")", () => {
    const pointers = TEXTS.flatMap((file) => [...read(file).matchAll(/(README|docs\/[a-z]+\.md),?\s+"([^"]+)"/g)].map((m) => ({ file, target: m[1] === "README" ? "README.md" : m[1], section: m[2].replace(/\s+/g, " ") })));
    expect(pointers.length).to.be.greaterThan(2);
    for (const { file, target, section } of pointers) expect(headings(read(target)), `${file}: ${target} "${section}"`).to.include(section);
  });

  it("gives the release tag of package.json's version wherever an example installs a tag", () => {
    const tags = filesUnder("examples").flatMap((file) => [...read(file).matchAll(/org-credential-reports[@#](v[\w.]+)/g)].map((m) => m[1]));
    expect(tags.length).to.be.greaterThan(2);
    expect([...new Set(tags)]).to.deep.equal([`v${PACKAGE.version}`]);
  });

  it("gives in docs/findings.md every check with its severity and CIS control, and its Security Hub control and Prowler check as the code has them", () => {
    const text = read("docs/findings.md");
    const rows = (header: string) => {
      const lines = text.slice(text.indexOf(header)).split("\n").slice(2);
      return lines.slice(0, lines.findIndex((line) => !line.startsWith("|"))).map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    };
    const ids = Object.keys(CHECKS) as CheckId[];
    const checks = rows("| check | severity | CIS v3.0.0 |").map(([check, severity, cis]) => [check.replace(/`/g, ""), severity, cis]);
    expect(checks).to.deep.equal(ids.map((id) => [id, CHECKS[id].severity, CHECKS[id].cisControl ?? "-"]));
    const peers = new Map(
      rows("| check | CIS v3.0.0 | Security Hub | Prowler |").flatMap(([names, cis, hub, prowler]) =>
        [...names.matchAll(/`([^`]+)`/g)].map((m) => [m[1], { cis, hub: hub.replace(/ \(.*\)$/, ""), prowler }] as const),
      ),
    );
    expect([...peers.keys()].sort()).to.deep.equal([...ids].sort());
    for (const id of ids) {
      const peer = peers.get(id)!;
      expect(peer.cis, id).to.equal(CHECKS[id].cisControl ?? "-");
      expect(peer.hub, id).to.equal(CHECKS[id].securityHub ?? "-");
      if (CHECKS[id].prowler) expect(peer.prowler, id).to.contain(`\`${CHECKS[id].prowler}\``);
      else expect(peer.prowler, id).to.equal("-");
    }
  });
});
