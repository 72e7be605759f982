import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { type ComponentPlugin, startComponentPlugin } from "../../scripts/component-plugin";
import { PACKAGE_DIR, SCHEMA_FILE } from "../../scripts/write-schema";
import { CONFIG_KEYS, organizationScope, parseConfig } from "../../components/config/config";
import { parseAcceptedRisks } from "../../functions/analysis/accepted-risks-file";
import { ARG_KINDS, argsFromConfigText } from "../../components/config/stack-config";
import { type MockEngine, startMockEngine } from "../helpers/pulumi/pulumi-engine";
import { cloudMocks, failureOf, mockCloud, newCloud, one, REGION, valueOf } from "../helpers/pulumi/mock-cloud";
import { OrgCredentialReports } from "../../components/org-credential-reports";
import { resourceShapes, runOwnProgram, runStack } from "../helpers/pulumi/program";
import { STACKS } from "../helpers/pulumi/stacks";

const PACKAGE_JSON = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
const EXAMPLES = join(PACKAGE_DIR, "examples");

/** The schema type each kind of config value has. */
const SCHEMA_TYPES = {
  text: { type: "string" },
  number: { type: "number" },
  boolean: { type: "boolean" },
  list: { type: "array", items: { type: "string", plain: true } },
  map: { type: "object", additionalProperties: { type: "string", plain: true } },
};

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

// The package as `pulumi package add <folder>` runs it: the SDK's cmd/run-plugin on this folder,
// started from a consumer's folder, asked over gRPC.
describe("component package, served by cmd/run-plugin", function () {
  this.timeout(120_000);
  let consumer: string;
  let engine: MockEngine;
  // What the engine records: each construct starts a new record.
  let cloud = newCloud({});
  let plugin: ComponentPlugin;
  let schema: Record<string, any>;
  let token: string;
  let component: { inputProperties: Record<string, any>; requiredInputs: string[]; properties: Record<string, any>; required: string[] };
  before(async () => {
    consumer = mkdtempSync(join(tmpdir(), "credreport-consumer-"));
    engine = await startMockEngine({ newResource: (args) => cloudMocks(cloud).newResource(args), call: (args) => cloudMocks(cloud).call(args) }, "security-account", "test");
    plugin = await startComponentPlugin(PACKAGE_DIR, { cwd: consumer, engineAddress: engine.engineAddress });
    schema = await plugin.schema();
    token = Object.keys(schema.resources)[0];
    component = schema.resources[token];
  });
  after(async () => {
    plugin?.stop();
    await engine?.stop();
    rmSync(consumer, { recursive: true, force: true });
  });

  it("serves the schema that is committed (after changing the arguments or outputs, run npm run schema)", () => {
    expect(schema, `${SCHEMA_FILE} is out of date: npm run schema`).to.deep.equal(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
  });

  it("serves one component under one package name: package.json's, the component's own type token", async () => {
    const { resources } = await runStack("new bucket, new key, email");

    expect(schema.name).to.equal("credreport");
    expect(PACKAGE_JSON.name).to.equal(schema.name);
    expect(Object.keys(schema.resources)).to.deep.equal(["credreport:index:OrgCredentialReports"]);
    expect(resources.filter((r) => r.type === token)).to.have.length(1);
  });

  it("takes every stack config key as an optional, plain, described input of the config value's type", () => {
    expect(Object.keys(component.inputProperties).sort()).to.deep.equal([...CONFIG_KEYS].sort());
    expect(component.requiredInputs).to.deep.equal([]);
    for (const key of CONFIG_KEYS) {
      const { description, optional, plain, ...type } = component.inputProperties[key];
      expect(type, key).to.deep.equal(SCHEMA_TYPES[ARG_KINDS[key]]);
      expect([optional, plain], key).to.deep.equal([true, true]);
      expect(description, key).to.be.a("string").and.have.length.above(20);
    }
  });

  it("has the program's stack outputs as its outputs, each a described string", async () => {
    const { outputs } = await runStack("new bucket, new key, email");

    expect(Object.keys(component.properties).sort()).to.deep.equal(Object.keys(outputs).sort());
    expect([...component.required].sort()).to.deep.equal(Object.keys(outputs).sort());
    for (const [name, property] of Object.entries(component.properties)) {
      expect(property.type, name).to.equal("string");
      expect(property.description, name).to.be.a("string").and.have.length.above(10);
    }
  });

  describe("constructed for a program in another language", () => {
    // What the engine asks for when a YAML program declares the component.
    const constructArgs = {
      get monitorAddress() {
        return engine.monitorAddress;
      },
      project: "security-account",
      stack: "test",
      parent: "urn:pulumi:test::security-account::pulumi:pulumi:Stack::security-account-test",
      get type() {
        return token;
      },
      name: "credreport",
      config: { "aws:region": REGION },
    };
    beforeEach(() => (cloud = newCloud({})));

    for (const stack of ["new bucket, new key, email", "OU-scoped"]) {
      it(`makes the same resources as the TypeScript program for the same settings: ${stack}`, async () => {
        const fromProgram = await runStack(stack);
        const { urn, state } = await plugin.construct({ ...constructArgs, inputs: { ...argsFromConfigText(STACKS[stack]) } });

        expect(urn).to.equal(`urn:pulumi:test::security-account::${token}::credreport`);
        expect(Object.keys(state).sort()).to.deep.equal(Object.keys(fromProgram.outputs).sort());
        expect(resourceShapes(cloud.resources)).to.deep.equal(resourceShapes(fromProgram.resources));
      });
    }

    it("packages the accepted risks given as text (a program's own file, read where the program is) with Summarize", async () => {
      const text = readFileSync(join(PACKAGE_DIR, "tests", "fixtures", "accepted-risks.yaml"), "utf8");
      await plugin.construct({ ...constructArgs, inputs: { acceptedRisks: text } });

      const summarize = cloud.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === "credreport-summarize")!;
      const assets = await summarize.inputs.code.assets;
      expect(JSON.parse(await assets["accepted-risks.json"].text)).to.deep.equal({ acceptedRisks: parseAcceptedRisks(text, "acceptedRisks") });
    });
  });

  describe("examples", () => {
    it("TypeScript: imports the package by its name and runs beside the program's own resources, wired to its outputs", async () => {
      const source = readFileSync(join(EXAMPLES, "typescript", "index.ts"), "utf8");
      expect(source).to.include(`import { OrgCredentialReports } from "${PACKAGE_JSON.name}";`);
      let program: Record<string, any> = {};
      const cloud = await runOwnProgram(() => (program = require(join(EXAMPLES, "typescript", "index.ts"))), {}, "security-account");
      const byName = (name: string) => cloud.resources.find((r) => r.name === name);

      expect(byName("org-credential-reports")?.type).to.equal(token);
      expect(byName("security-team-alerts")?.type).to.equal("aws:sns/topic:Topic");
      const pattern = JSON.parse(byName("credential-report-run-failed")!.inputs.eventPattern);
      expect(pattern.detail.stateMachineArn).to.deep.equal(["arn:aws:states:eu-west-1:123456789012:stateMachine:org-credential-reports-state-machine"]);
      expect(await valueOf(program.reportBucket)).to.match(/^credential-reports-/);
    });

    it("YAML: declares the served token, sets only inputs the schema has, of their types, and reads only its outputs", () => {
      const program = parse(readFileSync(join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8"));
      const components = Object.entries<any>(program.resources).filter(([, r]) => r.type.startsWith(`${schema.name}:`));
      expect(components.map(([, r]) => r.type)).to.deep.equal([token]);
      const [name, resource] = components[0];

      for (const [key, value] of Object.entries(resource.properties)) {
        const type = component.inputProperties[key]?.type;
        expect(type, key).to.be.a("string");
        expect(Array.isArray(value) ? "array" : typeof value, key).to.equal(type);
      }
      const used = Object.values<string>(program.outputs).map((ref) => new RegExp(`^\\$\\{${name}\\.(\\w+)\\}$`).exec(ref)?.[1]);
      expect(used).to.have.length.above(0);
      for (const output of used) expect(component.properties, String(output)).to.have.property(String(output));
    });

    it("deploys each example's settings from the security account, a delegated administrator and not the management account", async () => {
      const yamlArgs = parse(readFileSync(join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8")).resources.reports.properties;
      // Each keyword argument on a line of its own, its value a literal JSON reads the same (strings, numbers, lists, dicts).
      const pythonSource = readFileSync(join(EXAMPLES, "python", "__main__.py"), "utf8");
      const pythonArgs = Object.fromEntries([...pythonSource.matchAll(/^\s+(\w+)=(.+?),?(\s+#.*)?$/gm)].map((m) => [camel(m[1]), JSON.parse(m[2])]));
      const typescript = join(EXAMPLES, "typescript", "index.ts");
      const programs: [string, () => unknown][] = [
        ["TypeScript", () => {
          delete require.cache[require.resolve(typescript)];
          return require(typescript);
        }],
        ["YAML", () => new OrgCredentialReports("org-credential-reports", yamlArgs)],
        ["Python", () => new OrgCredentialReports("org-credential-reports", pythonArgs)],
      ];
      for (const [example, program] of programs) {
        const cloud = await runOwnProgram(program, {}, "security-account", true);
        expect(one(cloud, "aws:cloudformation/stackSet:StackSet").inputs.callAs, example).to.equal("DELEGATED_ADMIN");
        expect(one(cloud, "aws:cloudformation/stackSetInstance:StackSetInstance").inputs.deploymentTargets.organizationalUnitIds, example).to.deep.equal(["r-ab12"]);
        const management = one(cloud, "pulumi:providers:aws", "management-account");
        expect(JSON.parse(management.inputs.assumeRoles)[0].roleArn, example).to.equal("arn:aws:iam::111111111111:role/credreport-deployer");
        // The member role of the management account is made there, through that role.
        expect(cloud.resources.filter((r) => r.type === "aws:iam/role:Role" && r.provider?.includes("management-account")), example).to.have.length(1);
      }
      // Without those settings, the preview stops there: the root is not listed to it.
      await mockCloud({}, "security-account", true);
      expect(await failureOf(organizationScope(parseConfig({ kmsKey: "new" })))).to.contain("organizationRootId must be set");
    });

    it("Python: imports the module pulumi package add generates, passes only inputs the schema has and reads only its outputs", () => {
      const source = readFileSync(join(EXAMPLES, "python", "__main__.py"), "utf8");
      // The Python SDK's module: pulumi_<package name>, dashes as underscores.
      const module = schema.language?.python?.packageName ?? `pulumi_${schema.name.replace(/-/g, "_")}`;
      const imported = new RegExp(`^import ${module} as (\\w+)$`, "m").exec(source);
      expect(imported, `import ${module}`).to.not.equal(null);
      const call = new RegExp(`(\\w+) = ${imported![1]}\\.OrgCredentialReports\\(\\s*"[^"]+",([^)]*)\\)`, "s").exec(source);
      expect(call, "the component's constructor call").to.not.equal(null);
      const [, variable, kwargs] = call!;

      const inputs = [...kwargs.matchAll(/^\s*(\w+)=/gm)].map((m) => camel(m[1]));
      expect(inputs).to.have.length.above(0);
      for (const input of inputs) expect(component.inputProperties, input).to.have.property(input);
      const outputs = [...source.matchAll(new RegExp(`\\b${variable}\\.(\\w+)`, "g"))].map((m) => camel(m[1]));
      expect(outputs).to.have.length.above(0);
      for (const output of outputs) expect(component.properties, output).to.have.property(output);
    });
  });
});
