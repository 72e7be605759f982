import { createHash } from "node:crypto";
import { type AcceptedRisk, ruleSubject } from "../analysis/accepted-risks";
import { CHECKS, type CheckId, type Finding, type FindingThresholds, SEVERITIES } from "../analysis/findings";
import { remediationOf } from "../analysis/fixes/fix-guidance";
import type { NotEvaluatedSummary } from "../analysis/iam-account";
import type { Excerpt, KeyAgeBucket, PageModel, RunCoverage, UncollectedAccount } from "./page-model";
import type { RunRecord } from "./run-history";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

const SEVERITY_COLOR = { critical: "#8b0000", high: "#d9480f", medium: "#e8a317", low: "#5c7cfa" } as const;
const CHECK_IDS = Object.keys(CHECKS) as CheckId[];
/**
 * Each check's own colour in the charts and their legend: a record, so a new check cannot go
 * without one. Kenneth Kelly's colours of maximum contrast, 15 of his 20 (the five nearest to
 * another left out), so that no two checks read alike.
 */
export const CHECK_COLORS: Readonly<Record<CheckId, string>> = {
  "root-mfa-off": "#be0032",
  "root-hardware-mfa-off": "#b3446c",
  "root-access-key-active": "#654522",
  "root-recently-used": "#e25822",
  "console-without-mfa": "#f38400",
  "user-without-mfa": "#dcd300",
  "access-key-old": "#c2b280",
  "credential-unused": "#008856",
  "both-keys-active": "#8db600",
  "key-created-with-user-unused": "#0067a5",
  "password-policy-short": "#604e97",
  "password-policy-reuse": "#a1caf1",
  "break-glass-used": "#e68fac",
  "break-glass-without-mfa": "#2b3d26",
  "report-stale": "#848482",
};

// Sorts a table by the clicked column; a cell's data-sort (severity rank) wins over its text.
const SORT_SCRIPT = `for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {
    const body = table.tBodies[0];
    const ascending = th.dataset.order !== "asc";
    table.querySelectorAll("th").forEach((h) => delete h.dataset.order);
    th.dataset.order = ascending ? "asc" : "desc";
    const key = (row) => row.cells[column].dataset.sort ?? row.cells[column].textContent;
    const rows = [...body.rows].sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * (ascending ? 1 : -1));
    body.append(...rows);
  }));
}`;

/** "Showing the first n of m" under a list cut short, pointing at the file with them all. */
const moreIn = (excerpt: Excerpt<unknown>, file: string) =>
  excerpt.total > excerpt.shown.length ? `<p>Showing the first ${excerpt.shown.length} of ${excerpt.total}; all are in <a href="${file}">${file}</a>.</p>` : "";

/**
 * One self-contained page: no network needed to open it, every value escaped, and a policy that
 * lets only its own sorting script run, so even an escaping mistake could not run injected code.
 * Its size depends on the lists' caps, not on the number of findings.
 */
export function renderHtmlReport(model: PageModel): string {
  const { summary } = model;
  const scriptHash = createHash("sha256").update(SORT_SCRIPT).digest("base64");
  const accountLabel = (id: string) => (model.accountNames.get(id) ? `${model.accountNames.get(id)} (${id})` : id);
  const e = escapeHtml;
  const checks = CHECK_IDS.filter((c) => model.rowsByCheck.has(c)).sort(
    (a, b) => SEVERITIES.indexOf(CHECKS[a].severity) - SEVERITIES.indexOf(CHECKS[b].severity) || model.checks.get(b)!.findings - model.checks.get(a)!.findings,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IAM credential report findings - run ${e(model.runId)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 15px; margin-top: 20px; }
.totals { display: flex; gap: 12px; flex-wrap: wrap; }
.total { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 90px; }
.total b { display: block; font-size: 22px; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { cursor: pointer; background: #f5f5f5; user-select: none; }
th[data-order="asc"]::after { content: " \\25B2"; } th[data-order="desc"]::after { content: " \\25BC"; }
.sev { color: #fff; border-radius: 4px; padding: 0 6px; }
.new { font-weight: 600; color: #c92a2a; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.fix { background: #f8f9fa; border-left: 3px solid #adb5bd; padding: 2px 12px; }
.fix p { margin: 4px 0; }
code { overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>IAM credential report findings</h1>
<p>Run <code>${e(model.runId)}</code>, started ${e(model.runStartedAt.toISOString())}.
${model.previousRunId === null ? "No earlier run to compare with: every finding is new." : `Compared with run <code>${e(model.previousRunId)}</code>.`}
Every finding is in <a href="findings.json">findings.json</a> (one per line in <a href="findings.jsonl">findings.jsonl</a>, with its fix in <a href="findings.csv">findings.csv</a>), every user in <a href="users.csv">users.csv</a>, what changed in <a href="changes.json">changes.json</a>.</p>
<div class="totals">
${[
  ["accounts", summary.totals.accounts],
  ["failed accounts", model.coverage.counts.failed],
  ["skipped accounts", model.coverage.counts.skipped],
  ["users", summary.totals.users],
  ["open findings", summary.totals.findings],
  ...SEVERITIES.map((s) => [`${s} (open)`, summary.bySeverity[s]] as const),
  ["new (open)", model.counts.new],
  ["resolved", model.counts.resolved],
  ["carried, not re-checked", model.counts.notRechecked],
  ["accepted (not open)", model.counts.accepted],
]
  .map(([label, n]) => `<div class="total"><b>${n}</b>${e(String(label))}</div>`)
  .join("\n")}
</div>
<p id="how-counts-relate">${cardsExplained(model)}</p>
${uncollectedSection(model.coverage)}
${
  summary.unreadableReports.length > 0
    ? `<h2>Reports that could not be read</h2>\n<ul>${summary.unreadableReports.map((r) => `<li>${e(accountLabel(r.accountId))}: ${e(r.error)}</li>`).join("")}</ul>`
    : ""
}${notEvaluatedSection(model.notEvaluated, accountLabel)}
${trendSection(model.trend)}
<h2>Findings by check</h2>
${checkOverview(checks, model)}
<h2>Accounts with the most findings</h2>
${findingsChart(model.topAccounts)}
<h2>Age of active access keys</h2>
${keyAgeChart(model.keyAges)}
<h2>Findings by check, new first</h2>
${checks.map((c) => checkTable(c, model.rowsByCheck.get(c)!, accountLabel, model.thresholds)).join("\n")}
${
  model.resolved.total > 0
    ? `<h2>Resolved since the previous run</h2>\n<ul>${model.resolved.shown
        .map((f) => `<li>${e(f.message)}${f.fixedByPipelineAt ? ` <strong>(fixed by the pipeline: key deactivated ${e(f.fixedByPipelineAt)})</strong>` : ""}</li>`)
        .join("")}</ul>${moreIn(model.resolved, "changes.json")}`
    : ""
}
${
  model.actions.total > 0
    ? `<h2>Access keys the pipeline acted on</h2>\n<p>Unused access keys past the remediation threshold and notice: deactivated (never deleted), or in a dry run only named. Each action and the command that undoes it: actions.jsonl.</p>\n<table><thead><tr><th>account</th><th>user</th><th>key</th><th>unused</th><th>what</th><th>when</th><th>undo</th></tr></thead><tbody>${model.actions.shown
        .map(
          (a) =>
            `<tr><td>${e(accountLabel(a.accountId))}</td><td>${e(a.user)}</td><td>${e(a.accessKeyId ?? a.credential)}</td><td>${a.daysUnused} days</td><td>${e(a.outcome === "left" ? `left: ${a.reason ?? ""}` : a.outcome)}</td><td>${e(a.at)}</td><td><code>${e(a.undo ?? "")}</code></td></tr>`,
        )
        .join("")}</tbody></table>${moreIn(model.actions, "actions.jsonl")}`
    : ""
}
${
  model.notRechecked.total > 0
    ? `<h2>Not re-checked this run</h2>\n<p>These accounts' reports were not read this run; their earlier findings stand, neither new nor resolved.</p>\n<ul>${model.notRechecked.shown
        .map((f) => `<li>${e(f.message)} (last seen in run <code>${e(f.lastSeenRunId)}</code>)</li>`)
        .join("")}</ul>${moreIn(model.notRechecked, "changes.json")}`
    : ""
}
${acceptedRisksSection(model, accountLabel)}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

/** The accounts the run did not collect, named with their error or why they were skipped. */
function uncollectedSection(coverage: RunCoverage): string {
  const e = escapeHtml;
  const { failed, skipped } = coverage.counts;
  if (failed + skipped === 0) return "";
  const list = (accounts: readonly UncollectedAccount[], total: number) =>
    `<ul>${accounts.map((a) => `<li>${e(`${a.name} (${a.accountId})`)}: ${e(a.why)}</li>`).join("")}</ul>${total > accounts.length ? `<p>... and ${total - accounts.length} more in <a href="manifest.json">manifest.json</a>.</p>` : ""}`;
  return [
    `<h2 id="not-collected">Accounts not collected this run</h2>`,
    failed > 0
      ? `<p>${failed} account(s) failed: their reports were not read, so their earlier findings are carried, neither re-checked nor resolved, and the open counts leave them out.</p>\n${list(coverage.failed, failed)}`
      : "",
    skipped > 0 ? `<p>${skipped} account(s) skipped, by their status in the organization or the stack's scope.</p>\n${list(coverage.skipped, skipped)}` : "",
  ].join("\n");
}

/** How the cards add up: the open findings, which of them are new, and what is counted apart. */
function cardsExplained(model: PageModel): string {
  const { summary, counts } = model;
  // "1 more finding is an accepted risk", "2 more findings are accepted risks".
  const noun = (n: number) => (n === 1 ? "finding" : "findings");
  const are = (n: number) => (n === 1 ? "is" : "are");
  const accepted = counts.newAccepted > 0 ? ` (${counts.newAccepted} of this run's new findings among them)` : "";
  return (
    `${summary.totals.findings} open ${noun(summary.totals.findings)}: no accepted risk covers them, and ${counts.new} of them ${are(counts.new)} new this run. ` +
    `${counts.accepted} more ${noun(counts.accepted)} ${counts.accepted === 1 ? "is an accepted risk" : "are accepted risks"}${accepted}, counted apart and never alerted on; ` +
    `${counts.notRechecked} earlier ${noun(counts.notRechecked)} of accounts not re-checked this run ${are(counts.notRechecked)} carried, apart from both; ` +
    `${counts.resolved} ${noun(counts.resolved)} of the run before ${are(counts.resolved)} resolved.`
  );
}

/** Accounts a run did not re-check: failed ones, and collected ones whose report could not be read. */
const notRechecked = (r: RunRecord) => r.accounts_failed + r.unreadable_reports;

/** The last runs: open findings by severity per run, drawn, and each run's counts in a table. */

function trendSection(trend: readonly RunRecord[]): string {
  const e = escapeHtml;
  if (trend.length === 0) return "";
  const barWidth = 24;
  const gap = 8;
  const height = 160;
  const max = Math.max(1, ...trend.map((r) => r.open_findings));
  const bars = trend.map((r, i) => {
    let y = height - 20;
    const x = i * (barWidth + gap) + 30;
    const segments = SEVERITIES.map((s) => {
      const h = (r[s] / max) * (height - 40);
      y -= h;
      return h > 0 ? `<rect x="${x}" y="${y.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${SEVERITY_COLOR[s]}"><title>${e(`${r.run_date} ${r.run_id}: ${r[s]} ${s}`)}</title></rect>` : "";
    });
    // A run that could not re-check some accounts counts fewer open findings without anything being fixed: marked.
    const mark = notRechecked(r) > 0 ? "*" : "";
    return `${segments.join("")}<text x="${x + barWidth / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${r.open_findings}${mark}</text><text x="${x + barWidth / 2}" y="${height - 6}" text-anchor="middle">${i + 1}</text>`;
  });
  const marked = trend.some((r) => notRechecked(r) > 0)
    ? `<p id="trend-not-rechecked">* Some accounts were not re-checked in that run (failed, or their report unreadable): their earlier findings are carried apart, not in its open count, so a lower count there is no progress.</p>`
    : "";
  const legend = SEVERITIES.map((s) => `<span><i style="background:${SEVERITY_COLOR[s]}"></i>${s}</span>`).join("");
  const rows = trend
    .map(
      (r, i) =>
        `<tr${notRechecked(r) > 0 ? ' class="not-rechecked"' : ""}><td>${i + 1}</td><td>${e(r.run_date)}</td><td><code>${e(r.run_id)}</code></td><td>${r.accounts_collected}</td><td>${r.accounts_failed}</td><td>${notRechecked(r)}</td>` +
        `<td>${r.open_findings}</td>${SEVERITIES.map((s) => `<td>${r[s]}</td>`).join("")}<td>${r.new_findings}</td><td>${r.resolved_findings}</td><td>${r.accepted_findings}</td></tr>`,
    )
    .join("\n");
  return `<h2>Trend over the last ${trend.length} run(s)</h2>
<svg role="img" aria-label="Open findings by severity, run by run" id="trend-chart" width="${Math.max(240, trend.length * (barWidth + gap) + 40)}" height="${height}" font-size="11">${bars.join("\n")}</svg>
<div class="legend">${legend}</div>
${marked}
<table id="trend"><thead><tr><th>#</th><th>day</th><th>run</th><th>accounts collected</th><th>failed</th><th>not re-checked</th><th>open</th>${SEVERITIES.map((s) => `<th>${s}</th>`).join("")}<th>new</th><th>resolved</th><th>accepted</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** One check: what it means and how to fix it, then its first rows, new first, sortable, each with its own command. */
function checkTable(check: CheckId, rows: Excerpt<Finding & { readonly isNew: boolean }>, accountLabel: (id: string) => string, thresholds: FindingThresholds): string {
  const e = escapeHtml;
  const { severity, title } = CHECKS[check];
  const fix = remediationOf({ checkId: check, accountId: "", user: "" }, thresholds);
  // The check's id beside its title: what an accepted-risk rule names.
  return `<h3><span class="sev" style="background:${SEVERITY_COLOR[severity]}">${e(severity)}</span> ${e(title)} <code class="check-id">${e(check)}</code> (${rows.total})</h3>
<div class="fix" id="fix-${check}"><p>${e(fix.means)}</p><p><b>Console:</b> ${e(fix.console)}</p><p><b>AWS CLI:</b> <code>${e(fix.cli)}</code></p><p><a href="${e(fix.url)}">${e(fix.url)}</a></p></div>
<table class="sortable" id="check-${check}">
<thead><tr><th>new</th><th>account</th><th>user</th><th>credential</th><th>finding</th><th>fix (AWS CLI)</th></tr></thead>
<tbody>
${rows.shown
  .map(
    (f) =>
      `<tr><td data-sort="${f.isNew ? 0 : 1}" class="new">${f.isNew ? "new" : ""}</td>` +
      `<td>${e(accountLabel(f.accountId))}</td><td>${e(f.user)}</td><td>${e(f.credential ?? "")}</td><td>${e(f.message)}</td><td><code>${e(remediationOf(f, thresholds).cli)}</code></td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
${moreIn(rows, "findings.csv")}`;
}

/** The accounts where IAM's answers left checks undecided: neither passing nor failing. */
function notEvaluatedSection(notEvaluated: NotEvaluatedSummary, accountLabel: (id: string) => string): string {
  if (notEvaluated.accounts === 0) return "";
  const e = escapeHtml;
  const more = notEvaluated.accounts - notEvaluated.listed.length;
  return [
    "<h2>Checks not evaluated</h2>",
    `<p>In ${notEvaluated.accounts} account(s) these checks could not be decided (IAM refused a call they need, or its answers were not there): they neither pass nor fail there, and earlier findings of theirs are carried.</p>`,
    `<ul>${notEvaluated.listed.map((a) => `<li>${e(accountLabel(a.accountId))}: ${a.checks.map((c) => `${e(CHECKS[c].title)} <code class="check-id">${e(c)}</code>`).join(", ")} (${e(a.reason)})</li>`).join("")}</ul>`,
    more > 0 ? `<p>And ${more} more account(s): each account's analysis (account=&lt;id&gt;.analysis.json) names its own.</p>` : "",
  ].join("\n");
}

/** The findings accepted risks cover, with each rule's reason, owner and day; then the rules to look at. */
function acceptedRisksSection(model: PageModel, accountLabel: (id: string) => string): string {
  if (model.accepted.total + model.expiredRules.length + model.staleRules.length === 0) return "";
  const e = escapeHtml;
  const rule = (r: AcceptedRisk) => `${e(ruleSubject(r))} in ${e(r.account === "*" ? "every account" : accountLabel(r.account))} for ${e(r.user)}: ${e(r.reason)} (${e(r.owner)}, until ${e(r.expires)})`;
  const list = (items: readonly string[]) => `<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;
  return [
    "<h2>Accepted risks</h2>",
    model.accepted.total > 0
      ? list(model.accepted.shown.map((f) => `${e(f.message)}: ${e(f.acceptedRisk.reason)} (${e(f.acceptedRisk.owner)}, until ${e(f.acceptedRisk.expires)})`)) + moreIn(model.accepted, "findings.json")
      : "<p>No finding was covered by an accepted risk this run.</p>",
    model.expiredRules.length > 0 ? `<h3>Expired rules (no longer applied)</h3>${list(model.expiredRules.map(rule))}` : "",
    model.staleRules.length > 0 ? `<h3>Rules that matched nothing this run</h3>${list(model.staleRules.map(rule))}` : "",
  ].join("\n");
}

/** Every check that found something: how often, in how many accounts, most severe first. */
function checkOverview(checks: readonly CheckId[], model: PageModel): string {
  if (checks.length === 0) return "<p>No findings.</p>";
  const rows = checks.map((c) => {
    const { findings: n, accounts } = model.checks.get(c)!;
    const check = CHECKS[c];
    return `<tr><td><span class="sev" style="background:${SEVERITY_COLOR[check.severity]}">${escapeHtml(check.severity)}</span></td><td>${escapeHtml(check.title)} <code class="check-id">${escapeHtml(c)}</code></td><td>${escapeHtml(check.cisControl ?? "")}</td><td>${n}</td><td>${accounts}</td></tr>`;
  });
  return `<table id="checks"><thead><tr><th>severity</th><th>check</th><th>CIS</th><th>findings</th><th>accounts</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

/**
 * Horizontal stacked bars, a segment per check: the MAX_CHART_ACCOUNTS accounts with the most
 * findings, one bar each, then one bar that sums up all the others.
 */
function findingsChart(rows: PageModel["topAccounts"]): string {
  if (rows.length === 0) return "<p>No findings.</p>";
  const total = (m: ReadonlyMap<CheckId, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const max = Math.max(...rows.map(({ byCheck }) => total(byCheck)));
  const labelWidth = 260;
  const barWidth = 480;
  const rowHeight = 22;
  const bars = rows.map(({ label, byCheck }, i) => {
    let x = labelWidth;
    const y = i * rowHeight;
    const segments = CHECK_IDS.filter((c) => byCheck.has(c)).map((c) => {
      const width = ((byCheck.get(c) as number) / max) * barWidth;
      const rect = `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${CHECK_COLORS[c]}"><title>${escapeHtml(`${CHECKS[c].title}: ${byCheck.get(c)}`)}</title></rect>`;
      x += width;
      return rect;
    });
    // Long names are cut to fit the label column; the full one shows on hover.
    const shown = label.length > 40 ? `${label.slice(0, 39)}\u2026` : label;
    return `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end"><title>${escapeHtml(label)}</title>${escapeHtml(shown)}</text>${segments.join("")}<text x="${(x + 4).toFixed(1)}" y="${y + 15}">${total(byCheck)}</text>`;
  });
  const legend = CHECK_IDS.map((c) => `<span data-check="${c}"><i style="background:${CHECK_COLORS[c]}"></i>${escapeHtml(CHECKS[c].title)} <code class="check-id">${c}</code></span>`).join("");
  return `<svg role="img" aria-label="Findings by account and check" width="${labelWidth + barWidth + 40}" height="${rows.length * rowHeight}" font-size="12">${bars.join("\n")}</svg>\n<div class="legend">${legend}</div>`;
}

function keyAgeChart(buckets: readonly KeyAgeBucket[]): string {
  const max = Math.max(1, ...buckets.map((b) => b.keys));
  const width = 90;
  const height = 140;
  const bars = buckets.map((b, i) => {
    const h = (b.keys / max) * (height - 40);
    const x = i * width + 10;
    return `<rect x="${x}" y="${height - 20 - h}" width="${width - 20}" height="${h}" fill="${b.label.startsWith("0-") || b.label.startsWith("31-") ? "#2f9e44" : "#d9480f"}"></rect><text x="${x + (width - 20) / 2}" y="${height - 24 - h}" text-anchor="middle">${b.keys}</text><text x="${x + (width - 20) / 2}" y="${height - 5}" text-anchor="middle">${escapeHtml(b.label)}</text>`;
  });
  return `<svg role="img" aria-label="Age of active access keys" width="${buckets.length * width + 20}" height="${height}" font-size="12">${bars.join("")}</svg>`;
}
