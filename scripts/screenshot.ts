/**
 * The README's picture of the page: three demo runs (`demo --runs 3`), then the last run's
 * report.html drawn by the chromium the browser tests use, its top 1,800 pixels saved as
 * docs/report-after-three-runs.png.
 *
 *   npm run screenshot
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPORTS_PREFIX } from "../functions/run/report-keys";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = join(__dirname, "..", "docs", "report-after-three-runs.png");

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "credreport-screenshot-"));
  try {
    const demo = spawnSync(join(__dirname, "..", "node_modules", ".bin", "tsx"), [join(__dirname, "..", "cli", "main.ts"), "demo", "--runs", "3", "--out", out], { stdio: "inherit" });
    if (demo.status !== 0) throw new Error(`the demo exited with ${demo.status}`);
    const [day] = readdirSync(join(out, REPORTS_PREFIX)).filter((f) => f.startsWith("date="));
    const [run] = readdirSync(join(out, REPORTS_PREFIX, day));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
      await page.goto(`file://${join(out, REPORTS_PREFIX, day, run, "report.html")}`);
      await page.screenshot({ path: SCREENSHOT });
    } finally {
      await browser.close();
    }
    console.log(`Wrote ${SCREENSHOT}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
