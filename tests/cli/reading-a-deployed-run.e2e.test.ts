import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Ended, runProcess } from "../helpers/child-process";
import { emulatorTarget, identityKey, stackRunOptions } from "../helpers/emulator-data";
import { awsClients } from "../../local/aws-clients";
import { runLocally } from "../../local/runner";
import { DEMO_SPEC, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { ANALYSIS_FILES } from "../../functions/run/report-keys";
import type { PolicyDocument } from "../../policies/document";

const TSX = join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
const MAIN = join(__dirname, "..", "..", "cli", "main.ts");

// Accepted risks that cover some of the demo's findings, and a break-glass user, as a stack sets them.
const ACCEPTED_RISKS = `acceptedRisks:
  - check: access-key-old
    account: "*"
    user: legacy-backup
    reason: The backup appliance rotates its key once a year
    owner: platform@example.com
    expires: 2099-06-30
  - kind: break-glass
    account: "*"
    user: breakglass-admin
    reason: Emergency console access, credentials in the safe
    owner: security@example.com
    expires: 2099-12-31
`;

// A security lead holding only the stack's readReportsPolicy output reads a deployed run: the
// newest run's page and files, a link to its page, and its analysis made again, the same.
describe("reading a deployed run (the stack's reader policy, the CLI, moto behind the layer)", function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let deployment: Deployment;
  let reader: NodeJS.ProcessEnv;
  let runFolder: string;
  const out = mkdtempSync(join(tmpdir(), "credreport-reading-"));
  const cli = (args: string[]): Promise<Ended> =>
    runProcess(TSX, [MAIN, ...args, "--endpoint", emulator.endpoint], { env: { ...process.env, ...reader, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });

  before(async () => {
    emulator = await startEmulator();
    const org = await seedDemoOrganization(awsClients(emulatorTarget(emulator.endpoint)), DEMO_SPEC);
    deployment = await deployStack(emulator, org, { kmsKey: "new", acceptedRisks: ACCEPTED_RISKS, mfaForEveryUser: "true", maxKeyAgeDays: "60" });
    const result = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId: "stored-run" }));
    if (result.status !== "succeeded") throw new Error(result.error);
    runFolder = result.summary.manifestKey.replace("manifest.json", "");
    const key = identityKey(emulator, "security-lead", [JSON.parse(deployment.stack.outputs.readReportsPolicy) as PolicyDocument]);
    reader = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
  });

  after(async () => {
    await emulator?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it("fetches the newest run's page and the files it links to, not the accounts' reports", async () => {
    const fetched = await cli(["fetch", "--bucket", deployment.stack.outputs.bucketName, "--out", join(out, "fetched")]);

    expect(fetched.status, fetched.stderr).to.equal(0);
    expect(fetched.stdout).to.contain("Fetched run stored-run: ");
    expect(fetched.stdout).to.contain(`Open ${join(out, "fetched", runFolder, "report.html")}`);
    expect(readdirSync(join(out, "fetched", runFolder)).sort()).to.deep.equal([...Object.values(ANALYSIS_FILES), "manifest.json"].sort());
    expect(emulator.authorizer!.refusals.filter((r) => r.principal.includes("security-lead"))).to.deep.equal([]);
  });

  it("prints a link that opens the page, signed as the reader", async () => {
    const link = await cli(["fetch", "--bucket", deployment.stack.outputs.bucketName, "--presign", "300"]);

    expect(link.status, link.stderr).to.equal(0);
    const url = link.stdout.trim();
    expect(url).to.match(/X-Amz-Expires=300/);
    const page = await fetch(url);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.equal(readFileSync(join(out, "fetched", runFolder, "report.html"), "utf8"));
  });

  it("analyses a stored run again with the settings it was analysed with: the same files, byte for byte", async () => {
    const again = await cli(["summarize", "--bucket", deployment.stack.outputs.bucketName, "--run", runFolder, "--out", join(out, "again"), "--quiet"]);

    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.contain("Analysed with the stored run's thresholds and the stored run's accepted risks (2 rule(s)).");
    const stored = (file: string) => readFileSync(join(out, "fetched", runFolder, file), "utf8");
    const made = (file: string) => readFileSync(join(out, "again", file), "utf8");
    expect(JSON.parse(stored(ANALYSIS_FILES.summary)).acceptedRisks.findings, "the rules cover findings").to.be.greaterThan(0);
    for (const file of Object.values(ANALYSIS_FILES)) expect(made(file), file).to.equal(stored(file));

    // Told otherwise, it says so and analyses otherwise.
    const other = await cli(["summarize", "--bucket", deployment.stack.outputs.bucketName, "--run", runFolder, "--out", join(out, "other"), "--quiet", "--max-key-age-days", "90"]);
    expect(other.stdout).to.contain("Analysed with the command line's thresholds and the stored run's accepted risks (2 rule(s)).");
    expect(JSON.parse(readFileSync(join(out, "other", "findings.json"), "utf8")).thresholds.maxKeyAgeDays).to.equal(90);
  });
});
