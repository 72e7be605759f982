import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { iamAsReported } from "../../helpers/iam-as-reported";
import { type Browser, chromium, type Page } from "playwright-core";
import { analyzeReports } from "../../helpers/analyze-reports";
import { parseCredentialReport } from "../../../functions/analysis/credential-report";
import { userFindings } from "../../../functions/analysis/findings";

// Debian's chromium; .ci/run installs it. Playwright's own browser download cannot run here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HOSTILE_USER = "<img src=x onerror=alert(1)>";
const HOSTILE_ACCOUNT = '"><script>alert(2)</script>';
const FIXTURES = join(__dirname, "../../fixtures/credential-reports");
const NOW = new Date("2026-11-25T08:00:00Z");

describe("HTML report in a real browser (headless chromium)", function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const requests: string[] = [];
  const out = mkdtempSync(join(tmpdir(), "credreport-html-"));

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    const workloads = readFileSync(join(FIXTURES, "workloads-111111111111.csv"), "utf8");
    // A tampered report: a user name no IAM user can have, written the way a CSV quotes it.
    const hostile = workloads.replace(/^alice,arn:aws:iam::111111111111:user\/alice,/m, `"${HOSTILE_USER}","arn:aws:iam::111111111111:user/${HOSTILE_USER}",`);
    const sandbox = readFileSync(join(FIXTURES, "sandbox-222222222222.csv"), "utf8");
    const previous = userFindings(parseCredentialReport("111111111111", workloads), NOW).filter((f) => f.user === "bob");
    const analysis = await analyzeReports({
      run: { id: "browser-run", startedAt: NOW.toISOString() },
      reports: [
        { id: "111111111111", name: HOSTILE_ACCOUNT, csv: hostile, iam: iamAsReported("111111111111", hostile) },
        { id: "222222222222", name: "sandbox", csv: sandbox, iam: iamAsReported("222222222222", sandbox) },
      ],
      known: (accountId) => (accountId === "111111111111" ? { runId: "yesterday", findings: previous, notRechecked: [] } : undefined),
    });
    const file = join(out, "report.html");
    writeFileSync(file, analysis.files.html!);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
  });

  after(async () => {
    await browser?.close();
  });

  it("shows hostile names as text and runs none of them", async () => {
    expect(dialogs).to.deep.equal([]);
    expect(await page.locator("img").count()).to.equal(0);
    expect(await page.locator("script").count()).to.equal(1);
    expect(await page.locator("table.sortable td", { hasText: HOSTILE_USER }).first().textContent()).to.equal(HOSTILE_USER);
    expect(await page.locator("svg text title", { hasText: "<script>" }).first().textContent()).to.equal(`${HOSTILE_ACCOUNT} (111111111111)`);
  });

  it("needs no network: the page is its only request", () => {
    expect(requests).to.deep.equal([`file://${join(out, "report.html")}`]);
  });

  it("shows each check's id beside its title, as an accepted-risk rule names it", async () => {
    expect(await page.locator("#checks code.check-id").allTextContents()).to.include.members(["root-mfa-off", "console-without-mfa"]);
    expect(await page.locator("h3", { hasText: "Root user without hardware MFA" }).locator("code.check-id").textContent()).to.equal("root-hardware-mfa-off");
  });

  it("shows the totals, both charts, and in each check's table the new findings first", async () => {
    expect(await page.locator(".total").allTextContents()).to.include.members(["12open findings", "2critical (open)", "10new (open)", "0resolved"]);
    expect(await page.locator("svg[aria-label='Findings by account and check'] rect").count()).to.be.greaterThan(3);
    expect(await page.locator("svg[aria-label='Age of active access keys'] rect").count()).to.equal(5);
    const newColumns = await Promise.all((await page.locator("table.sortable").all()).map((table) => table.locator("tbody tr td:first-child").allTextContents()));
    expect(newColumns.flat().filter((cell) => cell === "new")).to.have.length(10);
    for (const column of newColumns) expect(column).to.deep.equal([...column].sort().reverse());
  });

  it("sorts a table by the column clicked, and back", async () => {
    const table = page.locator("#check-credential-unused");
    const users = () => table.locator("tbody tr td:nth-child(3)").allTextContents();
    expect((await users()).length).to.be.greaterThan(1);
    await table.locator("th", { hasText: "user" }).click();
    const ascending = await users();
    expect(ascending).to.deep.equal([...ascending].sort((a, b) => a.localeCompare(b)));
    await table.locator("th", { hasText: "user" }).click();
    expect(await users()).to.deep.equal([...ascending].reverse());
  });

  it("lays the page out for a reader: no sideways scroll, readable text, every row and chart on screen", async () => {
    // Expressions evaluated in the page (this project compiles without the DOM's types).
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).to.be.at.most(1100);
    expect(await page.evaluate<number>("parseFloat(getComputedStyle(document.body).fontSize)")).to.be.at.least(12);
    expect(await page.locator("h1").textContent()).to.equal("IAM credential report findings");
    for (const total of await page.locator(".total").all()) expect(await total.isVisible()).to.equal(true);
    const rows = page.locator("table.sortable tbody tr");
    expect(await rows.count()).to.equal(12);
    for (const row of await rows.all()) {
      const box = await row.boundingBox();
      expect(box && box.height >= 12 && box.width > 500, "a row of readable size").to.equal(true);
      expect((await row.locator("td").last().textContent())?.trim()).to.not.equal("");
    }
    for (const chart of await page.locator("svg[aria-label]").all()) {
      const box = await chart.boundingBox();
      expect(box && box.width > 150 && box.height >= 20, `a chart of visible size: ${JSON.stringify(box)}`).to.equal(true);
    }
  });
});
