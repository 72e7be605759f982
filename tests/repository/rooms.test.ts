import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { expect } from "chai";
import ts from "typescript";

const ROOT = join(__dirname, "..", "..");

/**
 * The rooms of the house, from the top floor down (docs/layout.md says what each holds). A file
 * may import from its own room and from any room on a lower floor; never from a room on its own
 * floor or above. A room is a folder (ending in /) or a file; a file belongs to the longest room
 * that holds it.
 */
const FLOORS: readonly (readonly string[])[] = [
  ["cli/", "bench/", "scripts/"],
  ["emulator/"],
  ["local/", "index.ts", "package.ts"],
  ["components/"],
  ["functions/list-accounts/", "functions/collect-report/", "functions/summarize/"],
  ["functions/analysis-step.ts", "functions/pipeline/"],
  ["functions/aws/", "functions/storage/"],
  ["functions/org-report/"],
  ["functions/analysis/"],
  ["functions/run/"],
  ["functions/log.ts", "functions/whole-number.ts"],
  ["policies/"],
];

/** Folders that hold no room: tests and examples may import anything, nothing imports them. */
const NOT_ROOMS = new Set(["node_modules", "lib", "tests", "examples", ".git", ".ci", "out", "dist"]);

const floorOf = new Map(FLOORS.flatMap((rooms, index) => rooms.map((room) => [room, FLOORS.length - index] as const)));

function roomOf(file: string): string | undefined {
  return [...floorOf.keys()].filter((room) => (room.endsWith("/") ? file.startsWith(room) : file === room)).sort((a, b) => b.length - a.length)[0];
}

/** Every TypeScript source of the house, as paths from the root. */
function sources(folder = ""): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = folder ? `${folder}/${name}` : name;
    if (statSync(join(ROOT, path)).isDirectory()) return NOT_ROOMS.has(name) || name.startsWith(".") ? [] : sources(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every file under tests/, as paths from the root. */
function testFiles(folder = "tests"): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = `${folder}/${name}`;
    return statSync(join(ROOT, path)).isDirectory() ? testFiles(path) : [path];
  });
}

/** tests/ folders that mirror no room: whole runs, the repository's rules, what the tests share, the program's entries. */
const TEST_ONLY = ["tests/pipeline", "tests/repository", "tests/helpers", "tests/fixtures", "tests/types", "tests/program"];

/** The files of the house a file imports: static, dynamic and require(), as TypeScript reads them. */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => {
      const base = posix.normalize(posix.join(posix.dirname(file), spec));
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => known.has(candidate));
      if (!found) throw new Error(`${file} imports ${spec}, which is no source of the house`);
      return found;
    });
}

/** Every import from a room to one on its own floor or above, as "file -> file". */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const floor = (file: string) => floorOf.get(roomOf(file)!)!;
  return [...graph].flatMap(([file, targets]) => targets.filter((target) => roomOf(target) !== roomOf(file) && floor(target) >= floor(file)).map((target) => `${file} -> ${target}`)).sort();
}

/** The files that import each other in a loop, each loop once (Tarjan's strongly connected components). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const loop: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        loop.push(member);
      } while (member !== file);
      if (loop.length > 1 || graph.get(file)?.includes(file)) found.push(loop.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe("the rooms of the house (docs/layout.md)", () => {
  const files = sources();
  const known = new Set(files);
  const graph = new Map(files.map((file) => [file, importsOf(file, known)]));

  it("places every source file in a room", () => {
    expect(files.length).to.be.greaterThan(100);
    expect(files.filter((file) => !roomOf(file))).to.deep.equal([]);
  });

  it("has no import from a room to one on its own floor or above", () => {
    expect(upwardImports(graph)).to.deep.equal([]);
  });

  it("has no circle of files", () => {
    expect(circles(graph)).to.deep.equal([]);
  });

  it("would catch an import that runs up, one between rooms of a floor, and a circle", () => {
    const changed = new Map(graph);
    // The contracts taking a type from Security Hub's sender again (the circle 0.4.0 had), and the CLI from the benchmarks.
    changed.set("functions/run/contracts.ts", [...graph.get("functions/run/contracts.ts")!, "functions/aws/security-hub.ts"]);
    changed.set("cli/run.ts", [...graph.get("cli/run.ts")!, "bench/pipeline.ts"]);
    expect(upwardImports(changed)).to.deep.equal(["cli/run.ts -> bench/pipeline.ts", "functions/run/contracts.ts -> functions/aws/security-hub.ts"]);
    expect(circles(changed).flat()).to.include.members(["functions/run/contracts.ts", "functions/aws/security-hub.ts"]);
  });

  it("keeps at most a dozen files or so at the root of any folder, the tests' included", () => {
    const perFolder = new Map<string, number>();
    const tests = testFiles().filter((file) => file.endsWith(".ts") && !file.startsWith("tests/fixtures/"));
    for (const file of [...files, ...tests]) perFolder.set(posix.dirname(file), (perFolder.get(posix.dirname(file)) ?? 0) + 1);
    expect([...perFolder].filter(([, count]) => count > 13)).to.deep.equal([]);
  });

  it("mirrors the rooms in tests/: each test folder is a room's folder, or one of the tests' own", () => {
    const folders = [...new Set(testFiles().filter((file) => file.endsWith(".test.ts")).map((file) => posix.dirname(file)))];
    const mirrorsNothing = folders.filter((folder) => !TEST_ONLY.some((own) => folder === own || folder.startsWith(`${own}/`)) && !existsSync(join(ROOT, folder.slice("tests/".length))));
    expect(mirrorsNothing).to.deep.equal([]);
    // A Lambda's tests sit in its folder: none loose beside the three.
    expect(testFiles().filter((file) => posix.dirname(file) === "tests/functions")).to.deep.equal([]);
  });

  it("is described room by room in docs/layout.md, each folder of a room named", () => {
    const layout = readFileSync(join(ROOT, "docs", "layout.md"), "utf8");
    expect([...floorOf.keys()].filter((room) => !layout.includes(`\`${room}\``))).to.deep.equal([]);
    const subfolders = [...new Set(files.map((file) => posix.dirname(file)))].filter((folder) => folder !== "." && !floorOf.has(`${folder}/`) && ![...floorOf.keys()].some((room) => room.startsWith(`${folder}/`)));
    expect(subfolders.filter((folder) => !layout.includes(`\`${posix.basename(folder)}/\``))).to.deep.equal([]);
  });
});
