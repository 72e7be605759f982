import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { foldersBelow, makePrivateFolderSync, writePrivateFile } from "../../cli/output/private-files";
import { RunFilesInFolder } from "../../functions/summarize/run-files";

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A folder or file as an earlier run, or the user, may have left it: readable by everyone. */
function openFolder(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

function openFile(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o644);
  return path;
}

describe("owner-only output", () => {
  let sandbox: string;
  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), "credreport-private-"));
  });
  afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

  it("lists the folders below the output folder down to a file's, outermost first", () => {
    expect(foldersBelow("/out", "/out")).to.deep.equal([]);
    expect(foldersBelow("/out", "/out/a/b=1/c")).to.deep.equal(["/out/a", "/out/a/b=1", "/out/a/b=1/c"]);
    expect(foldersBelow("out/", "out/a")).to.deep.equal([join(process.cwd(), "out/a")]);
  });

  it("tightens an --out folder that was there (0755) to 0700, and leaves the parents it did not make alone", () => {
    const home = openFolder(join(sandbox, "home"));
    const out = openFolder(join(home, "out"));
    makePrivateFolderSync(out);
    expect(modeOf(out)).to.equal(0o700);
    expect(modeOf(home)).to.equal(0o755);

    makePrivateFolderSync(join(home, "new", "out"));
    expect(modeOf(join(home, "new", "out"))).to.equal(0o700);
    expect(modeOf(join(home, "new"))).to.equal(0o700);
    expect(modeOf(home)).to.equal(0o755);
  });

  it("replaces a 0644 file in 0755 folders an earlier run left with a 0600 file in 0700 folders", async () => {
    const out = openFolder(join(sandbox, "out"));
    const run = openFolder(join(out, "credential-reports", "date=2026-12-06"));
    chmodSync(join(out, "credential-reports"), 0o755);
    const report = openFile(join(run, "account=111111111111.csv"), "last run's report");

    await writePrivateFile(out, report, "this run's report");

    expect(readFileSync(report, "utf8")).to.equal("this run's report");
    expect(modeOf(report)).to.equal(0o600);
    for (const folder of [out, join(out, "credential-reports"), run]) expect(modeOf(folder), folder).to.equal(0o700);
    expect(readdirSync(run), "no part file is left").to.deep.equal(["account=111111111111.csv"]);
  });

  it("replaces a symlink planted at a file's name instead of writing through it", async () => {
    const out = openFolder(join(sandbox, "out"));
    const elsewhere = openFile(join(sandbox, "elsewhere.txt"), "not a report");
    const report = join(out, "report.html");
    symlinkSync(elsewhere, report);

    await writePrivateFile(out, report, "<html>");

    expect(lstatSync(report).isSymbolicLink()).to.equal(false);
    expect(readFileSync(report, "utf8")).to.equal("<html>");
    expect(modeOf(report)).to.equal(0o600);
    expect(readFileSync(elsewhere, "utf8")).to.equal("not a report");
    expect(modeOf(elsewhere)).to.equal(0o644);
  });

  it("refuses a symlink planted as a folder under the output folder, writing and tightening nothing through it", async () => {
    const out = openFolder(join(sandbox, "out"));
    const elsewhere = openFolder(join(sandbox, "elsewhere"));
    symlinkSync(elsewhere, join(out, "credential-reports"));

    const written = await writePrivateFile(out, join(out, "credential-reports", "date=2026-12-06", "account=111111111111.csv"), "report").catch((err: Error) => err.message);

    expect(written).to.equal(`${join(out, "credential-reports")} is a symlink: reports are written only into folders, never through links`);
    expect(readdirSync(elsewhere)).to.deep.equal([]);
    expect(modeOf(elsewhere)).to.equal(0o755);
  });

  it("writes summarize's files owner-only where an earlier summarize left them readable by all", async () => {
    const out = openFolder(join(sandbox, "analysis"));
    const page = openFile(join(out, "report.html"), "old page");
    const files = new RunFilesInFolder(out);
    await files.append("page", "new page");
    await files.assemble("html", [{ part: "page" }]);
    await files.close();
    expect([modeOf(out), modeOf(page), readFileSync(page, "utf8")]).to.deep.equal([0o700, 0o600, "new page"]);
  });
});
