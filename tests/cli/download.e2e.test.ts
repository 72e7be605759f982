import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { awsClients } from "../../local/aws-clients";
import { downloadPrefix } from "../../cli/output/download";
import { type Emulator, startEmulator } from "../../emulator/server";
import { pathUnder } from "../../cli/output/private-files";
import { emulatorTarget } from "../helpers/emulator-data";

describe("downloading a run", function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let sandbox: string;
  before(async () => {
    emulator = await startEmulator();
    sandbox = mkdtempSync(join(tmpdir(), "credreport-download-"));
  });
  after(async () => {
    await emulator.stop();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it("writes each key under the folder, owner-only, and refuses keys that climb out of it, naming each", async () => {
    const { s3 } = awsClients(emulatorTarget(emulator.endpoint));
    const bucket = "hostile-keys";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const run = "credential-reports/date=2026-12-06/run=r1/";
    const keys = {
      report: `${run}account=111111111111.csv`,
      climbs: `${run}../../../../escaped.txt`,
      climbsThroughFolder: `${run}x/../../../../../escaped-too.txt`,
      folder: `${run}folder/`,
      doubleSlash: `${run}/still-inside.csv`,
    };
    for (const key of Object.values(keys)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    const out = join(sandbox, "out");

    const { files, refused } = await downloadPrefix(s3, bucket, run, out);

    expect(refused).to.have.deep.members([
      { key: keys.climbs, why: "resolves outside the output folder" },
      { key: keys.climbsThroughFolder, why: "resolves outside the output folder" },
      { key: keys.folder, why: "names a folder, not a file" },
    ]);
    expect([...files.keys()]).to.have.members([keys.report, keys.doubleSlash]);
    expect(readdirSync(sandbox)).to.deep.equal(["out"]);
    const report = files.get(keys.report)!;
    expect(readFileSync(report, "utf8")).to.equal(`body of ${keys.report}`);
    expect(statSync(report).mode & 0o777).to.equal(0o600);
    for (let folder = resolve(report, ".."); folder !== resolve(sandbox); folder = resolve(folder, "..")) {
      expect(statSync(folder).mode & 0o777, folder).to.equal(0o700);
    }
  });

  it("tightens the folders and the report an earlier download left readable by everyone (0755, 0644)", async () => {
    const { s3 } = awsClients(emulatorTarget(emulator.endpoint));
    const bucket = "download-again";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const run = "credential-reports/date=2026-12-06/run=r1/";
    const key = `${run}account=111111111111.csv`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "this run's report" }));
    const out = join(sandbox, "again");
    const runFolder = join(out, run);
    mkdirSync(runFolder, { recursive: true });
    const report = join(runFolder, "account=111111111111.csv");
    writeFileSync(report, "last run's report");
    chmodSync(report, 0o644);
    for (let folder = runFolder; folder !== resolve(sandbox); folder = resolve(folder, "..")) chmodSync(folder, 0o755);

    await downloadPrefix(s3, bucket, run, out);

    expect(readFileSync(report, "utf8")).to.equal("this run's report");
    expect(statSync(report).mode & 0o777).to.equal(0o600);
    for (let folder = runFolder; folder !== resolve(sandbox); folder = resolve(folder, "..")) {
      expect(statSync(folder).mode & 0o777, folder).to.equal(0o700);
    }
  });

  it("refuses absolute keys and keys that are the folder itself, whatever the endpoint lists", () => {
    const out = join(sandbox, "out");
    for (const key of ["/etc/passwd", "\\\\server\\share", "C:\\Users\\x", "C:/x"]) expect(pathUnder(out, key), key).to.deep.equal({ refused: "is an absolute path" });
    for (const key of ["..", "../x", "a/../..", "a/../../b", "."]) expect(pathUnder(out, key), key).to.deep.equal({ refused: "resolves outside the output folder" });
    for (const key of ["", "run/"]) expect(pathUnder(out, key), key).to.deep.equal({ refused: "names a folder, not a file" });
    expect(pathUnder(out, "run/..hidden/a=1.csv")).to.deep.equal({ path: join(resolve(out), "run/..hidden/a=1.csv") });
  });
});
