import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type AwsSecurityFinding, paginateGetFindings } from "@aws-sdk/client-securityhub";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";
import { FINDINGS_COLUMNS, FINDINGS_HISTORY_JSON_TABLE, FINDINGS_HISTORY_TABLE, historyProjectionParameters, historyQueries, RUNS_COLUMNS, RUNS_TABLE } from "../../components/queries/athena-queries";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { changeDemoOrganization } from "../../emulator/demo-changes";
import { assumeInto, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { downloadPrefix } from "../../cli/output/download";
import { type Emulator, startEmulator } from "../../emulator/server";
import { formatTrend } from "../../cli/output/trend";
import { runLocally } from "../../local/runner";
import { CHECKS } from "../../functions/analysis/findings";
import type { RunRecord } from "../../functions/org-report/run-history";
import { ANALYSIS_FILES, HISTORY_FILES, HISTORY_PREFIX, LEGACY_HISTORY_FINDINGS, REPORTS_PREFIX } from "../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";
import { emulatorTarget, stackRunOptions } from "../helpers/emulator-data";
import { runProcess } from "../helpers/child-process";
import { deployStack } from "../../emulator/deploy";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TSX = join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
const MAIN = join(__dirname, "..", "..", "cli", "main.ts");

/** A findings.jsonl line, as Athena's history table reads it. */
interface Line {
  readonly finding_id: string;
  readonly check_id: string;
  readonly account_id: string;
  readonly user_name: string;
  readonly credential: string | null;
  readonly accepted: boolean;
  readonly run_id: string;
}

// Three runs of the demo organization against moto, its people fixing findings and making one
// between them (emulator/demo-changes.ts); then the bucket's files, downloaded, read by DuckDB through
// views laid out as the Glue tables are, and the saved cross-run queries run as written.
describe("history across runs: Athena's tables and queries (DuckDB), the trend, the fixes", function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let clients: AwsClients;
  let org: DemoOrganization;
  let dir: string;
  let duck: DuckDBConnection;
  const runIds: string[] = [];
  const runFolder = (runId: string) => {
    const day = readdirSync(join(dir, REPORTS_PREFIX)).find((d) => d.startsWith("date=") && readdirSync(join(dir, REPORTS_PREFIX, d)).includes(`run=${runId}`))!;
    return join(dir, REPORTS_PREFIX, day, `run=${runId}`);
  };
  /** Each run's findings, as its findings.jsonl holds them. */
  const linesOf = (runId: string): Line[] =>
    readFileSync(join(runFolder(runId), ANALYSIS_FILES.findingsLines), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);
  /** Where a run's findings are kept across runs: Parquet since 0.5.0, JSON lines before. */
  const historyFile = (runId: string, folder: string, extension: string) => {
    const day = runFolder(runId).split("/").find((part) => part.startsWith("date="))!;
    return join(dir, HISTORY_PREFIX, folder, day, `${runId}.${extension}`);
  };
  const trendOf3 = () => JSON.parse(readFileSync(join(runFolder(runIds[2]), ANALYSIS_FILES.trend), "utf8")).runs as RunRecord[];
  const query = async (name: string) => {
    const sql = historyQueries().find((q) => q.name === name)!.query;
    const rows = (await duck.runAndReadAll(sql)).getRowObjects();
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
  };

  before(async () => {
    emulator = await startEmulator();
    clients = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(clients, { memberAccounts: 4, ouNames: ["Workloads"], suspended: 0, bucket: "history-reports", topicName: "history-alerts" });
    const deployment = await deployStack(emulator, org, { securityHub: "true" });
    for (let n = 1; n <= 3; n++) {
      const result = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 4 }, securityHub: n === 3 }));
      if (result.status !== "succeeded") throw new Error(`run ${n} failed: ${result.error}`);
      runIds.push(result.runId);
      if (n < 3) await changeDemoOrganization(clients, org, n);
    }
    dir = mkdtempSync(join(tmpdir(), "credreport-history-"));
    await downloadPrefix(clients.s3, org.bucket, REPORTS_PREFIX, dir);
    // Run 1 as 0.4.0 kept it, JSON lines where the Parquet file is now: the queries read both kinds.
    mkdirSync(dirname(historyFile(runIds[0], LEGACY_HISTORY_FINDINGS, "jsonl")), { recursive: true });
    copyFileSync(join(runFolder(runIds[0]), ANALYSIS_FILES.findingsLines), historyFile(runIds[0], LEGACY_HISTORY_FINDINGS, "jsonl"));
    renameSync(historyFile(runIds[0], HISTORY_FILES.historyFindings, "parquet"), join(dir, "run-1-as-parquet"));
    // Each Glue table as a view: the files its storage.location.template names, its columns with their types.
    duck = await (await DuckDBInstance.create(":memory:")).connect();
    const duckType = (type: string) => ({ string: "VARCHAR", int: "INTEGER", boolean: "BOOLEAN", "map<string,string>": "MAP(VARCHAR, VARCHAR)" })[type]!;
    const filesOf = (folder: string) => `${historyProjectionParameters(org.bucket, folder)["storage.location.template"].replace(`s3://${org.bucket}/`, `${dir}/`).replace("${date}", "*")}*`;
    const view = async (table: string, folder: string, columns: readonly { name: string; type: string }[]) => {
      const types = columns.map((c) => `'${c.name}': '${duckType(c.type)}'`).join(", ");
      await duck.run(
        `CREATE VIEW ${table} AS SELECT * FROM read_json('${filesOf(folder)}', format = 'newline_delimited', hive_partitioning = true, hive_types = {'date': 'VARCHAR'}, columns = {${types}})`,
      );
    };
    await view(RUNS_TABLE, HISTORY_FILES.historyRun, RUNS_COLUMNS);
    await view(FINDINGS_HISTORY_JSON_TABLE, LEGACY_HISTORY_FINDINGS, FINDINGS_COLUMNS);
    // The Parquet table: its columns and their types are the file's own.
    await duck.run(`CREATE VIEW ${FINDINGS_HISTORY_TABLE} AS SELECT * FROM read_parquet('${filesOf(HISTORY_FILES.historyFindings)}', hive_partitioning = true, hive_types = {'date': 'VARCHAR'})`);
  });
  after(async () => {
    duck?.closeSync();
    await emulator.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps each run's record and findings across runs, and the newest run's trend of all three", async () => {
    const trend = JSON.parse(readFileSync(join(runFolder(runIds[2]), ANALYSIS_FILES.trend), "utf8")).runs as RunRecord[];
    expect(trend.map((r) => r.run_id)).to.deep.equal(runIds);
    for (const [i, runId] of runIds.entries()) {
      const open = linesOf(runId).filter((l) => !l.accepted).length;
      const summary = JSON.parse(readFileSync(join(runFolder(runId), ANALYSIS_FILES.summary), "utf8"));
      expect(trend[i], runId).to.deep.include({ open_findings: open, accounts_collected: 5, accounts_failed: 0 });
      expect(summary.totals.findings, runId).to.equal(open);
    }
    // What the people did: 2 findings fixed and 1 made before run 2; 2 fixed before run 3.
    expect(trend.map((r) => r.open_findings)).to.deep.equal([trend[0].open_findings, trend[0].open_findings - 1, trend[0].open_findings - 3]);
    expect(trend.map((r) => [r.new_findings, r.resolved_findings])).to.deep.equal([[trend[0].open_findings, 0], [1, 2], [0, 2]]);
    expect(Number((await duck.runAndReadAll(`SELECT count(*) FROM ${RUNS_TABLE}`)).getRows()[0][0])).to.equal(3);
  });

  it("keeps each run's findings across runs as Parquet, row for row the run's findings.jsonl, evidence as a map", async () => {
    const fields = ["finding_id", "check_id", "account_id", "user_name", "credential", "accepted", "run_id"] as const;
    for (const runId of runIds.slice(1)) {
      const rows = (await duck.runAndReadAll(`SELECT ${fields.join(", ")} FROM ${FINDINGS_HISTORY_TABLE} WHERE run_id = '${runId}' ORDER BY finding_id`)).getRowObjects();
      const lines = linesOf(runId).sort((a, b) => a.finding_id.localeCompare(b.finding_id));
      expect(rows, runId).to.deep.equal(lines.map((l) => Object.fromEntries(fields.map((f) => [f, l[f]]))));
    }
    const ages = await duck.runAndReadAll(`SELECT evidence['age_days'] FROM ${FINDINGS_HISTORY_TABLE} WHERE check_id = 'access-key-old' AND run_id = '${runIds[2]}'`);
    expect(ages.getRows().length).to.be.greaterThan(0);
    expect(ages.getRows().every(([age]) => Number(age) > 90)).to.equal(true);
  });

  it("answers open findings per check per day: the day's last run", async () => {
    // The runs share a day, unless the test runs across midnight (UTC).
    const lastOfDay = new Map(trendOf3().map((r) => [r.run_date, r.run_id]));
    const expected: [string, string, number][] = [];
    for (const [day, runId] of lastOfDay) {
      const counts = new Map<string, number>();
      for (const l of linesOf(runId).filter((l) => !l.accepted)) counts.set(l.check_id, (counts.get(l.check_id) ?? 0) + 1);
      expected.push(...[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([check, n]): [string, string, number] => [day, check, n]));
    }
    const rows = await query("open-findings-by-check-per-day");
    expect(rows.map((r) => [r.day, r.check_id, r.open_findings])).to.deep.equal(expected);
  });

  it("answers which accounts' open findings grew between the first and the last run", async () => {
    const perAccount = (runId: string) => {
      const counts = new Map<string, number>();
      for (const l of linesOf(runId).filter((l) => !l.accepted)) counts.set(l.account_id, (counts.get(l.account_id) ?? 0) + 1);
      return counts;
    };
    const [then, now] = [perAccount(runIds[0]), perAccount(runIds[2])];
    const grown = [...now].filter(([account, n]) => n > (then.get(account) ?? 0)).map(([account, n]) => ({ account_id: account, findings_then: then.get(account) ?? 0, findings_now: n }));
    const rows = await query("accounts-whose-findings-grew");
    expect(rows.map(({ account_id, findings_then, findings_now }) => ({ account_id, findings_then, findings_now }))).to.deep.equal(grown);
    // The vendor's login without MFA, in the second member account.
    expect(grown.map((g) => g.account_id)).to.deep.equal([org.members[1].id]);
  });

  it("answers which keys stayed older than the threshold in each of the last 3 runs", async () => {
    const keysOf = (runId: string) => new Set(linesOf(runId).filter((l) => l.check_id === "access-key-old").map((l) => `${l.account_id}/${l.user_name}/${l.credential}`));
    const [a, b, c] = runIds.map(keysOf);
    const inEach = [...c].filter((key) => a.has(key) && b.has(key)).sort();
    const rows = await query("keys-old-in-each-of-the-last-3-runs");
    expect(rows.map((r) => `${r.account_id}/${r.user_name}/${r.credential}`).sort()).to.deep.equal(inEach);
    expect(rows.every((r) => r.runs === 3 && (r.age_days as number) > 90)).to.equal(true);
    // The contractor's key was deleted after run 1: old in run 1 only.
    expect([...a].some((key) => key.includes("contractor-etl")) && !inEach.some((key) => key.includes("contractor-etl"))).to.equal(true);
  });

  it("answers how long findings took to resolve, per check", async () => {
    const ids = runIds.map((runId) => new Map(linesOf(runId).map((l) => [l.finding_id, l.check_id])));
    const resolved = new Map<string, number>();
    for (const [id, check] of new Map([...ids[0], ...ids[1]])) if (!ids[2].has(id)) resolved.set(check, (resolved.get(check) ?? 0) + 1);
    const rows = await query("time-to-resolve-by-check");
    expect(Object.fromEntries(rows.map((r) => [r.check_id, r.resolved_findings]))).to.deep.equal(Object.fromEntries(resolved));
    // The three runs share a day (unless across midnight): resolved within the days between the first run and the last.
    const span = (Date.parse(trendOf3()[2].run_date) - Date.parse(trendOf3()[0].run_date)) / 86_400_000;
    expect(rows.every((r) => (r.longest_days as number) <= span && (r.average_days as number) <= span)).to.equal(true);
  });

  it("prints the newest run's trend with history, as a table and as JSON", async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };
    const trend = JSON.parse(readFileSync(join(runFolder(runIds[2]), ANALYSIS_FILES.trend), "utf8")).runs as RunRecord[];
    const json = await runProcess(TSX, [MAIN, "history", "--bucket", org.bucket, "--endpoint", emulator.endpoint, "--json"], { env });
    expect(json.status, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout).runs).to.deep.equal(trend);
    const table = await runProcess(TSX, [MAIN, "history", "--bucket", org.bucket, "--endpoint", emulator.endpoint], { env });
    expect(table.stdout.trim()).to.equal(formatTrend(trend));
    expect(table.stdout.trim().split("\n")).to.have.length(4);
  });

  it("shows the trend and each finding's fix in the page, every check with its swatch, and needs no network", async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      const file = join(runFolder(runIds[2]), ANALYSIS_FILES.html);
      await page.goto(`file://${file}`);
      expect(requests).to.deep.equal([`file://${file}`]);
      expect(await page.locator("#trend tbody tr").count()).to.equal(3);
      expect(await page.locator("#trend-chart rect").count()).to.be.greaterThan(3);
      expect(await page.locator("h2", { hasText: "Trend over the last 3 run(s)" }).count()).to.equal(1);
      // A finding shows its own command: the user's name filled in.
      const bob = page.locator("#check-console-without-mfa tr", { hasText: "vendor-support" });
      const command = await bob.locator("td code").textContent();
      expect(command).to.match(/^aws iam create-virtual-mfa-device --virtual-mfa-device-name 'vendor-support' .* --serial-number arn:aws:iam::\d{12}:mfa\/'vendor-support' /);
      expect(command).to.match(/Only for a user who needs no console: aws iam delete-login-profile --user-name 'vendor-support'$/);
      expect(await page.locator("#fix-console-without-mfa a").getAttribute("href")).to.match(/^https:\/\/docs\.aws\.amazon\.com\//);
      // Every check has a swatch in the legend, each its own colour.
      const swatches = await page.locator(".legend span[data-check] i").evaluateAll((items) => items.map((i) => i.getAttribute("style")));
      expect(swatches).to.have.length(Object.keys(CHECKS).length);
      expect(new Set(swatches).size).to.equal(swatches.length);
    } finally {
      await browser?.close();
    }
  });

  it("sends each finding's fix to Security Hub: a text of at most 512 characters and AWS's page", async () => {
    const member = org.members[1].id;
    const client = clients.securityHubClient(await assumeInto(clients, member));
    const held: AwsSecurityFinding[] = [];
    for await (const page of paginateGetFindings({ client }, {})) held.push(...(page.Findings ?? []));
    expect(held.length).to.be.greaterThan(0);
    for (const f of held) {
      const { Text, Url } = f.Remediation?.Recommendation ?? {};
      expect(Text?.length, f.Id).to.be.within(20, 512);
      expect(Url, f.Id).to.match(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
    expect(held.find((f) => f.Id === `${member}/vendor-support/console-without-mfa`)?.Remediation?.Recommendation?.Text).to.contain("--user-name 'vendor-support'");
  });
});
