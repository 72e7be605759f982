import { GetObjectCommand } from "@aws-sdk/client-s3";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { awsClients } from "../../../local/aws-clients";
import { seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { buildBundle, bundleFunction, FUNCTION_NAMES } from "../../../functions/pipeline/bundle";
import { deployStack } from "../../../emulator/deploy";
import { runProcess } from "../../helpers/child-process";

// The bundles are what Lambda runs: load them in a fresh Node process, as the runtime does.
describe("Lambda bundles", function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), "credreport-bundles-"));
  const bundles = new Map<string, string>();
  let emulator: Emulator;

  before(async () => {
    for (const name of FUNCTION_NAMES) {
      const path = join(dir, `${name}.js`);
      writeFileSync(path, await bundleFunction(name));
      bundles.set(name, path);
    }
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_ENDPOINT_URL: "http://127.0.0.1:9", ...extra });
  const load = (name: string, extra: Record<string, string>) =>
    // The error's message, not Node's report of it: that quotes the minified source line, cut short.
    spawnSync(
      process.execPath,
      ["-e", `try { const m = require(${JSON.stringify(bundles.get(name))}); console.log(typeof m.handler) } catch (e) { console.error(e.message); process.exit(1) }`],
      { env: env(extra), encoding: "utf8" },
    );

  it("gives the same bytes for the same sources", async () => {
    expect(await buildBundle("collect-report")).to.equal(await buildBundle("collect-report"));
  });

  it("carries no YAML parser: the accepted risks reach the Lambdas as JSON made at deploy time", () => {
    for (const name of FUNCTION_NAMES) {
      // The yaml package's error class, named in a string that minifying keeps.
      expect(readFileSync(bundles.get(name)!, "utf8"), name).not.to.contain("YAMLParseError");
    }
  });

  it("exports a handler from every bundle, with its settings in the environment", () => {
    const settings = { REPORT_BUCKET: "reports", MAP_BUCKET: "map-files", MEMBER_ROLE_NAME: "reader", TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:t" };
    for (const name of FUNCTION_NAMES) {
      const loaded = load(name, settings);
      expect(loaded.stderr, name).to.equal("");
      expect(loaded.stdout.trim(), name).to.equal("function");
    }
  });

  it("bundles every handler from the installed package (lib/, as npm's prepare builds it), whatever the working directory", () => {
    const root = join(__dirname, "..", "..", "..");
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.package.json")], { cwd: root });
    const script = [
      `const { OrgCredentialReports } = require(${JSON.stringify(join(root, "lib", "package.js"))});`,
      `const { bundleFunction, FUNCTION_NAMES } = require(${JSON.stringify(join(root, "lib", "functions", "pipeline", "bundle.js"))});`,
      `const fs = require("node:fs");`,
      `Promise.all(FUNCTION_NAMES.map(async (name) => { fs.writeFileSync(name + ".js", await bundleFunction(name)); return name; }))`,
      `  .then((names) => console.log(JSON.stringify({ component: typeof OrgCredentialReports, names })));`,
    ].join("\n");
    const elsewhere = mkdtempSync(join(tmpdir(), "credreport-consumer-"));

    const made = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: elsewhere, encoding: "utf8" }));

    expect(made).to.deep.equal({ component: "function", names: [...FUNCTION_NAMES] });
    for (const name of FUNCTION_NAMES) {
      const loaded = spawnSync(process.execPath, ["-e", `console.log(typeof require(${JSON.stringify(join(elsewhere, `${name}.js`))}).handler)`], {
        env: env({ REPORT_BUCKET: "reports", MAP_BUCKET: "map-files", MEMBER_ROLE_NAME: "reader", TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:t" }),
        encoding: "utf8",
      });
      expect(loaded.stdout.trim(), `${name}: ${loaded.stderr}`).to.equal("function");
    }
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("refuses to start without a required setting, naming it", () => {
    const loaded = load("collect-report", { MEMBER_ROLE_NAME: "reader" });
    expect(loaded.status).to.not.equal(0);
    expect(loaded.stderr).to.contain("environment variable REPORT_BUCKET is required and is not set");
  });

  it("reads the accepted risks packaged with Summarize, and names the problem of a broken file", () => {
    const task = mkdtempSync(join(tmpdir(), "credreport-task-"));
    const settings = { REPORT_BUCKET: "reports", MAP_BUCKET: "map-files", TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:t", LAMBDA_TASK_ROOT: task, ACCEPTED_RISKS_FILE: "accepted-risks.json" };
    const rule = { check: "access-key-old", account: "*", user: "svc-*", reason: "vendor rotates yearly", owner: "platform@example.com", expires: "2027-01-31" };

    writeFileSync(join(task, "accepted-risks.json"), JSON.stringify({ acceptedRisks: [rule] }));
    const good = load("summarize", settings);
    writeFileSync(join(task, "accepted-risks.json"), JSON.stringify({ acceptedRisks: [{ ...rule, expires: "someday" }] }));
    const bad = load("summarize", settings);
    rmSync(task, { recursive: true, force: true });

    expect(good.stderr).to.equal("");
    expect(good.stdout.trim()).to.equal("function");
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.contain('accepted-risks.json: 1 problem in the accepted risks:\n  - acceptedRisks[0].expires must be a day of the calendar (YYYY-MM-DD), got "someday"');
  });

  it("lists the organization through the bundled ListAccounts handler, scope from the environment", async () => {
    const org = await seedDemoOrganization(awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } }), {
      memberAccounts: 4,
      ouNames: ["A", "B"],
      // The last two of A, B, A, B: one suspended account in each OU.
      suspended: 2,
      bucket: "bundle-reports",
      topicName: "bundle-alerts",
    });
    const deployment = await deployStack(emulator, org);
    const role = await deployment.credentials("listAccounts");
    const mapBucket = deployment.stack.outputs.mapBucketName;
    const ouA = org.ous[0].id;
    const run = { id: "bundle-run", startedAt: "2026-11-25T08:00:00.000Z" };
    // With the context Lambda hands every invocation: the function's ARN names its account.
    const context = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${org.managementAccountId}:function:list-accounts` };
    const script = `require(${JSON.stringify(bundles.get("list-accounts"))}).handler({ run: ${JSON.stringify(run)} }, ${JSON.stringify(context)}).then((r) => console.log(JSON.stringify(r)))`;

    // As Lambda runs it: the ListAccounts role's credentials in its environment, the stack's buckets.
    const lambda = await runProcess(process.execPath, ["-e", script], {
      env: env({ AWS_ENDPOINT_URL: emulator.endpoint, AWS_ACCESS_KEY_ID: role.accessKeyId, AWS_SECRET_ACCESS_KEY: role.secretAccessKey, AWS_SESSION_TOKEN: role.sessionToken!, INCLUDE_OU_IDS: ouA, REPORT_BUCKET: org.bucket, MAP_BUCKET: mapBucket }),
    });
    expect(lambda.status, lambda.stderr).to.equal(0);
    const out = lambda.stdout;

    // Only where the lists are, and how long: the lists stay in S3.
    const listed = JSON.parse(out.trim().split("\n").pop()!);
    const accountList = "credential-reports/date=2026-11-25/run=bundle-run/accounts.json";
    const toCollect = "map-runs/run=bundle-run/accounts-to-collect.json";
    const inA = org.members.filter((m) => m.ouId === ouA);
    const expectedIds = [org.managementAccountId, ...inA.filter((m) => !m.suspended).map((m) => m.id)].sort();
    expect(listed).to.deep.equal({
      accountList: { bucket: org.bucket, key: accountList },
      toCollect: { bucket: mapBucket, key: toCollect },
      counts: { accounts: expectedIds.length, skipped: 1 },
      previousRun: null,
    });
    const s3 = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } }).s3;
    const read = async (key: string, bucket = org.bucket) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
    const record = await read(accountList);
    expect(record.run).to.deep.equal(run);
    expect(record.accounts.map((a: { id: string }) => a.id)).to.deep.equal(expectedIds);
    expect(record.skipped).to.deep.equal(inA.filter((m) => m.suspended).map((m) => ({ id: m.id, name: m.name, status: "SUSPENDED" })));
    // The Distributed Map's items: exactly the accounts to collect.
    expect(await read(toCollect, mapBucket)).to.deep.equal(record.accounts);
  });
});
