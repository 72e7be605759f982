import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { expect } from "chai";
import { parse } from "yaml";
import { COMPONENT_PACKAGE } from "../../component-package";
import { SCHEMA_FILE } from "../../cli/write-schema";
import { CONFIG_KEYS } from "../../components/config";
import { ARG_KINDS, argsFromConfigText } from "../../components/stack-config";
import { valueOf } from "./mock-cloud";
import { resourceShapes, runOwnProgram, runStack } from "./program";
import { STACKS } from "./stacks";

const COMPONENT = "credreport:index:OrgCredentialReports";
const EXAMPLES = join(__dirname, "..", "..", "examples");

/** The schema type each kind of config value has. */
const SCHEMA_TYPES = {
  text: { type: "string" },
  number: { type: "number" },
  boolean: { type: "boolean" },
  list: { type: "array", items: { type: "string", plain: true } },
  map: { type: "object", additionalProperties: { type: "string", plain: true } },
};

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

// What the Pulumi CLI would ask the plugin (provider.ts) for: its schema, and construct().
describe("component package", function () {
  this.timeout(120_000);
  // One provider, as the plugin has: its schema is read once (about 15 s of TypeScript analysis).
  const provider = new ComponentProvider(COMPONENT_PACKAGE);
  let schema: Record<string, any>;
  let component: { inputProperties: Record<string, any>; requiredInputs: string[]; properties: Record<string, any>; required: string[] };
  before(async () => {
    schema = JSON.parse(await provider.getSchema());
    component = schema.resources[COMPONENT];
  });

  it("serves the schema that is committed (after changing the arguments or outputs, run npm run schema)", () => {
    expect(schema, `${SCHEMA_FILE} is out of date: npm run schema`).to.deep.equal(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
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

  for (const stack of ["new bucket, new key, email", "OU-scoped"]) {
    it(`constructs the same resources as the TypeScript program for the same settings: ${stack}`, async () => {
      const fromProgram = await runStack(stack);
      const constructed = await runOwnProgram(() => provider.construct("credreport", COMPONENT, argsFromConfigText(STACKS[stack]), {}));

      expect(resourceShapes(constructed.resources)).to.deep.equal(resourceShapes(fromProgram.resources));
    });
  }

  describe("examples", () => {
    it("TypeScript: runs beside the program's own resources, wired to the component's outputs", async () => {
      let program: Record<string, any> = {};
      const cloud = await runOwnProgram(() => (program = require(join(EXAMPLES, "typescript", "index.ts"))), {}, "security-account");
      const byName = (name: string) => cloud.resources.find((r) => r.name === name);

      expect(byName("org-credential-reports")?.type).to.equal(COMPONENT);
      expect(byName("security-team-alerts")?.type).to.equal("aws:sns/topic:Topic");
      const pattern = JSON.parse(byName("credential-report-run-failed")!.inputs.eventPattern);
      expect(pattern.detail.stateMachineArn).to.deep.equal(["arn:aws:states:eu-west-1:123456789012:stateMachine:org-credential-reports-state-machine"]);
      expect(await valueOf(program.reportBucket)).to.match(/^credential-reports-/);
    });

    it("YAML: sets only inputs the schema has, of their types, and reads only its outputs", () => {
      const program = parse(readFileSync(join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8"));
      const [name, resource] = Object.entries<any>(program.resources).find(([, r]) => r.type === COMPONENT)!;

      for (const [key, value] of Object.entries(resource.properties)) {
        const type = component.inputProperties[key]?.type;
        expect(type, key).to.be.a("string");
        expect(Array.isArray(value) ? "array" : typeof value, key).to.equal(type);
      }
      const used = Object.values<string>(program.outputs).map((ref) => new RegExp(`^\\$\\{${name}\\.(\\w+)\\}$`).exec(ref)?.[1]);
      expect(used).to.have.length.above(0);
      for (const output of used) expect(component.properties, String(output)).to.have.property(String(output));
    });

    it("Python: passes only inputs the schema has and reads only its outputs", () => {
      const source = readFileSync(join(EXAMPLES, "python", "__main__.py"), "utf8");
      const call = /(\w+) = credreport\.OrgCredentialReports\(\s*"[^"]+",([^)]*)\)/s.exec(source);
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
