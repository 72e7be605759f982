import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { analyzeRun, type ReportToAnalyse } from "../functions/analysis/analyze-run";
import { CREDENTIAL_REPORT_COLUMNS } from "../functions/analysis/credential-report";

// Times the analysis Summarize runs after each run (parse, findings, CSV, HTML) on a synthetic
// organization, so the Lambda's memory and timeout can be sized from numbers.
const { values } = parseArgs({ options: { accounts: { type: "string" }, users: { type: "string" }, browser: { type: "boolean" } } });
const accounts = Number(values.accounts ?? 2000);
const usersPerAccount = Number(values.users ?? 20);
const now = new Date("2026-11-25T08:00:00Z");

function day(offset: number): string {
  return new Date(now.getTime() - offset * 86_400_000).toISOString().replace(".000Z", "+00:00");
}

function report(accountId: string): string {
  const rows = [CREDENTIAL_REPORT_COLUMNS.join(",")];
  rows.push(`<root_account>,arn:aws:iam::${accountId}:root,${day(2000)},not_supported,${day(40)},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`);
  for (let i = 0; i < usersPerAccount; i++) {
    const age = (i * 37) % 400;
    rows.push(
      `user-${i},arn:aws:iam::${accountId}:user/user-${i},${day(age + 10)},${i % 2 === 0},${day(i % 60)},${day(age)},N/A,${i % 3 !== 0},true,${day(age)},${i % 5 === 0 ? "N/A" : day(i % 50)},us-east-1,s3,${i % 4 === 0},${day(age / 2)},N/A,N/A,N/A,false,N/A,false,N/A`,
    );
  }
  return `${rows.join("\n")}\n`;
}

const reports: ReportToAnalyse[] = Array.from({ length: accounts }, (_, i) => {
  const accountId = String(100000000000 + i);
  return { accountId, accountName: `account-${i}`, csv: report(accountId), generatedAt: now };
});
const before = process.memoryUsage().rss;
const started = performance.now();
const analysis = analyzeRun({ runId: "bench", runStartedAt: now, reports });
const seconds = (performance.now() - started) / 1000;
const peak = process.resourceUsage().maxRSS / 1024;
console.log(
  `${accounts} accounts x ${usersPerAccount + 1} users: ${analysis.findings.length} findings in ${seconds.toFixed(2)} s; ` +
    `users.csv ${(analysis.usersCsv.length / 1_048_576).toFixed(1)} MiB, report.html ${(analysis.html.length / 1_048_576).toFixed(1)} MiB; ` +
    `RSS before ${(before / 1_048_576).toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`,
);

// With --browser: how the page opens in headless chromium (Debian's; CHROMIUM_PATH to change).
if (values.browser) {
  void (async () => {
    const { chromium } = await import("playwright-core");
    const file = join(mkdtempSync(join(tmpdir(), "credreport-bench-")), "report.html");
    writeFileSync(file, analysis.html);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const opening = performance.now();
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const loadMs = performance.now() - opening;
    // Runs in the page, where the DOM is; this file is compiled without DOM types.
    const height = await page.evaluate("document.documentElement.scrollHeight");
    const chartBars = await page.locator("svg[aria-label='Findings by account and check'] > text").count();
    await browser.close();
    console.log(`report.html in headless chromium: loaded in ${loadMs.toFixed(0)} ms, page ${height} px tall, findings chart of ${chartBars / 2} bars`);
  })();
}
