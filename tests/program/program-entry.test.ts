import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PACKAGE_DIR } from "../../scripts/write-schema";
import { type MockEngine, startMockEngine } from "../helpers/pulumi/pulumi-engine";
import { programEntry, runAsLanguageHost } from "../helpers/pulumi/pulumi-host";
import { cloudMocks, newCloud, REGION } from "../helpers/pulumi/mock-cloud";
import { resourceShapes, runStack } from "../helpers/pulumi/program";
import { STACKS } from "../helpers/pulumi/stacks";

const PROJECT = "org-credential-reports";
const STACK = "new bucket, new key, email";

// `pulumi preview`/`up` as the Node.js language host runs the program: the SDK's cmd/run, started
// where the CLI starts it, registering through gRPC with an engine on loopback.
describe("the program, as Pulumi's Node.js host runs it", function () {
  this.timeout(120_000);
  const scratch = mkdtempSync(join(tmpdir(), "credreport-host-"));
  // Pulumi.yaml's `tsconfig` runtime option hands the host another tsconfig; this one says noCheck.
  const noCheckTsconfig = join(scratch, "tsconfig.json");
  writeFileSync(noCheckTsconfig, JSON.stringify({ extends: join(PACKAGE_DIR, "tsconfig.json"), compilerOptions: { noCheck: true } }));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("starts index.ts, the program, even though package.json's main (the library, built by npm ci's prepare) exists", () => {
    const packageJson = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
    expect(existsSync(join(PACKAGE_DIR, packageJson.main)), `${packageJson.main}: npm ci runs prepare`).to.equal(true);

    expect(programEntry(PACKAGE_DIR)).to.deep.equal({ pwd: PACKAGE_DIR, entry: "index.ts" });
  });

  const loaders: Record<string, Record<string, string>> = {
    "type-checked (ts-node's default)": {},
    "transpile-only (PULUMI_NODEJS_TRANSPILE_ONLY=true)": { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
    "with a tsconfig that says noCheck": { PULUMI_NODEJS_TSCONFIG_PATH: noCheckTsconfig },
  };
  for (const [loader, env] of Object.entries(loaders)) {
    it(`makes the whole pipeline, as the tests' stacks do, ${loader}`, async () => {
      const cloud = newCloud(STACKS[STACK]);
      const engine: MockEngine = await startMockEngine(cloudMocks(cloud), PROJECT, "test");
      const config = { "aws:region": REGION, ...Object.fromEntries(Object.entries(STACKS[STACK]).map(([key, value]) => [`${PROJECT}:${key}`, value])) };
      try {
        const { code, stderr } = await runAsLanguageHost({ projectDir: PACKAGE_DIR, engine, project: PROJECT, stack: "test", config, env });

        expect(engine.logs.filter((log) => log.severity === "error"), stderr).to.deep.equal([]);
        expect(code, stderr).to.equal(0);
        expect(resourceShapes(cloud.resources)).to.deep.equal(resourceShapes((await runStack(STACK)).resources));
      } finally {
        await engine.stop();
      }
    });
  }
});
