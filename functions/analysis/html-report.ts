import { createHash } from "node:crypto";
import type { FindingChanges } from "./changes";
import { type ParsedReport, valueOf } from "./credential-report";
import { CHECKS, type CheckId, type Finding, SEVERITIES } from "./findings";
import type { FindingsSummary } from "./summary";
import { type AcceptedRisk, type RiskDecisions, ruleSubject } from "./accepted-risks";

/** Everything the page shows. */
export interface HtmlReportInput {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly summary: FindingsSummary;
  /** The open findings: those no accepted risk covers. */
  readonly findings: readonly Finding[];
  readonly changes: FindingChanges;
  /** Accepted risks as the run applied them, shown in their own section. @default none */
  readonly risks?: RiskDecisions;
  readonly keyAges: readonly KeyAgeBucket[];
  /** Account id to name, for labels. */
  readonly accountNames: Readonly<Record<string, string>>;
}

export interface KeyAgeBucket {
  readonly label: string;
  readonly keys: number;
}

const AGE_BUCKETS: readonly { label: string; maxDays: number }[] = [
  { label: "0-30 days", maxDays: 30 },
  { label: "31-90 days", maxDays: 90 },
  { label: "91-180 days", maxDays: 180 },
  { label: "181-365 days", maxDays: 365 },
  { label: "over a year", maxDays: Infinity },
];

/** How old the active access keys are, as of `now`. Pure. */
export function keyAgeDistribution(reports: readonly ParsedReport[], now: Date): KeyAgeBucket[] {
  const counts = AGE_BUCKETS.map(() => 0);
  for (const user of reports.flatMap((r) => r.users)) {
    for (const key of user.accessKeys.filter((k) => k.active)) {
      const rotated = valueOf(key.lastRotated);
      if (!rotated) continue;
      const days = Math.floor((now.getTime() - rotated.getTime()) / 86_400_000);
      counts[AGE_BUCKETS.findIndex((b) => days <= b.maxDays)] += 1;
    }
  }
  return AGE_BUCKETS.map((b, i) => ({ label: b.label, keys: counts[i] }));
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/**
 * Rows of the findings table at most: beyond this a page gets too heavy to open and sort (a
 * table of 62,000 findings is 20 MiB). The rest are in findings.json; new and severe come first.
 */
export const MAX_TABLE_ROWS = 5000;

const SEVERITY_COLOR = { critical: "#8b0000", high: "#d9480f", medium: "#e8a317", low: "#5c7cfa" } as const;
const CHECK_IDS = Object.keys(CHECKS) as CheckId[];
const CHECK_COLORS = ["#8b0000", "#c92a2a", "#d9480f", "#e8590c", "#f08c00", "#e8a317", "#2f9e44", "#1971c2", "#7048e8"];

// Sorts the table by the clicked column; a cell's data-sort (severity rank) wins over its text.
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

/**
 * One self-contained page: no network needed to open it, every value escaped, and a policy that
 * lets only its own sorting script run, so even an escaping mistake could not run injected code.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { summary, changes } = input;
  const scriptHash = createHash("sha256").update(SORT_SCRIPT).digest("base64");
  const newIds = new Set(changes.newFindings.map((f) => f.id));
  const ordered = [...input.findings].sort(
    (a, b) => Number(newIds.has(b.id)) - Number(newIds.has(a.id)) || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.id.localeCompare(b.id),
  );
  const accountLabel = (id: string) => (input.accountNames[id] ? `${input.accountNames[id]} (${id})` : id);
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IAM credential report findings - run ${e(input.runId)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
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
</style>
</head>
<body>
<h1>IAM credential report findings</h1>
<p>Run <code>${e(input.runId)}</code>, started ${e(input.runStartedAt.toISOString())}.
${changes.previousRunId === null ? "No earlier run to compare with: every finding is new." : `Compared with run <code>${e(changes.previousRunId)}</code>.`}</p>
<div class="totals">
${[
  ["accounts", summary.totals.accounts],
  ["users", summary.totals.users],
  ["findings", summary.totals.findings],
  ...SEVERITIES.map((s) => [s, summary.bySeverity[s]] as const),
  ["new", changes.newFindings.length],
  ["resolved", changes.resolvedFindings.length],
  ["not re-checked", changes.notRechecked.length],
  ["accepted", input.risks?.accepted.length ?? 0],
]
  .map(([label, n]) => `<div class="total"><b>${n}</b>${e(String(label))}</div>`)
  .join("\n")}
</div>
${
  summary.unreadableReports.length > 0
    ? `<h2>Reports that could not be read</h2>\n<ul>${summary.unreadableReports.map((r) => `<li>${e(accountLabel(r.accountId))}: ${e(r.error)}</li>`).join("")}</ul>`
    : ""
}
<h2>Findings by check</h2>
${checkOverview(input.findings)}
<h2>Accounts with the most findings</h2>
${findingsChart(input.findings, accountLabel)}
<h2>Age of active access keys</h2>
${keyAgeChart(input.keyAges)}
<h2>Findings (new first)</h2>
${ordered.length > MAX_TABLE_ROWS ? `<p>Showing the first ${MAX_TABLE_ROWS} of ${ordered.length} findings (new first, then the most severe); every finding is in findings.json.</p>` : ""}
<table class="sortable" id="findings">
<thead><tr><th>new</th><th>severity</th><th>check</th><th>CIS</th><th>account</th><th>user</th><th>credential</th><th>finding</th></tr></thead>
<tbody>
${ordered
  .slice(0, MAX_TABLE_ROWS)
  .map(
    (f) =>
      `<tr><td data-sort="${newIds.has(f.id) ? 0 : 1}" class="new">${newIds.has(f.id) ? "new" : ""}</td>` +
      `<td data-sort="${SEVERITIES.indexOf(f.severity)}"><span class="sev" style="background:${SEVERITY_COLOR[f.severity]}">${e(f.severity)}</span></td>` +
      `<td>${e(CHECKS[f.checkId].title)}</td><td>${e(f.cisControl ?? "")}</td><td>${e(accountLabel(f.accountId))}</td>` +
      `<td>${e(f.user)}</td><td>${e(f.credential ?? "")}</td><td>${e(f.message)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
${
  changes.resolvedFindings.length > 0
    ? `<h2>Resolved since the previous run</h2>\n<ul>${changes.resolvedFindings.map((f) => `<li>${e(f.message)}</li>`).join("")}</ul>`
    : ""
}
${
  changes.notRechecked.length > 0
    ? `<h2>Not re-checked this run</h2>\n<p>These accounts' reports were not read this run; their earlier findings stand, neither new nor resolved.</p>\n<ul>${changes.notRechecked
        .map((f) => `<li>${e(f.message)} (last seen in run <code>${e(f.lastSeenRunId)}</code>)</li>`)
        .join("")}</ul>`
    : ""
}
${acceptedRisksSection(input.risks, accountLabel)}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

/** The findings accepted risks cover, with each rule's reason, owner and day; then the rules to look at. */
function acceptedRisksSection(risks: RiskDecisions | undefined, accountLabel: (id: string) => string): string {
  if (!risks || risks.accepted.length + risks.expired.length + risks.stale.length === 0) return "";
  const e = escapeHtml;
  const rule = (r: AcceptedRisk) => `${e(ruleSubject(r))} in ${e(r.account === "*" ? "every account" : accountLabel(r.account))} for ${e(r.user)}: ${e(r.reason)} (${e(r.owner)}, until ${e(r.expires)})`;
  const list = (items: readonly string[]) => `<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;
  return [
    "<h2>Accepted risks</h2>",
    risks.accepted.length > 0 ? list(risks.accepted.map(({ finding, rule: r }) => `${e(finding.message)}: ${e(r.reason)} (${e(r.owner)}, until ${e(r.expires)})`)) : "<p>No finding was covered by an accepted risk this run.</p>",
    risks.expired.length > 0 ? `<h3>Expired rules (no longer applied)</h3>${list(risks.expired.map(rule))}` : "",
    risks.stale.length > 0 ? `<h3>Rules that matched nothing this run</h3>${list(risks.stale.map(rule))}` : "",
  ].join("\n");
}

/** Accounts drawn one bar each; the others share one bar, so 10,000 accounts stay one screen. */
export const MAX_CHART_ACCOUNTS = 30;

/** Every check that found something: how often, in how many accounts, most severe first. */
function checkOverview(findings: readonly Finding[]): string {
  const byCheck = new Map<CheckId, { findings: number; accounts: Set<string> }>();
  for (const f of findings) {
    const entry = byCheck.get(f.checkId) ?? { findings: 0, accounts: new Set<string>() };
    entry.findings++;
    entry.accounts.add(f.accountId);
    byCheck.set(f.checkId, entry);
  }
  if (byCheck.size === 0) return "<p>No findings.</p>";
  const rows = CHECK_IDS.filter((c) => byCheck.has(c))
    .sort((a, b) => SEVERITIES.indexOf(CHECKS[a].severity) - SEVERITIES.indexOf(CHECKS[b].severity) || byCheck.get(b)!.findings - byCheck.get(a)!.findings)
    .map((c) => {
      const { findings: n, accounts } = byCheck.get(c)!;
      const check = CHECKS[c];
      return `<tr><td><span class="sev" style="background:${SEVERITY_COLOR[check.severity]}">${escapeHtml(check.severity)}</span></td><td>${escapeHtml(check.title)}</td><td>${escapeHtml(check.cisControl ?? "")}</td><td>${n}</td><td>${accounts.size}</td></tr>`;
    });
  return `<table id="checks"><thead><tr><th>severity</th><th>check</th><th>CIS</th><th>findings</th><th>accounts</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

/**
 * Horizontal stacked bars, a segment per check: the MAX_CHART_ACCOUNTS accounts with the most
 * findings, one bar each, then one bar that sums up all the others.
 */
function findingsChart(findings: readonly Finding[], accountLabel: (id: string) => string): string {
  const counts = new Map<string, Map<CheckId, number>>();
  for (const f of findings) {
    const byCheck = counts.get(f.accountId) ?? new Map<CheckId, number>();
    byCheck.set(f.checkId, (byCheck.get(f.checkId) ?? 0) + 1);
    counts.set(f.accountId, byCheck);
  }
  if (counts.size === 0) return "<p>No findings.</p>";
  const total = (m: Map<CheckId, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const sorted = [...counts.entries()].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
  const rows: [string, Map<CheckId, number>][] = sorted.slice(0, MAX_CHART_ACCOUNTS).map(([account, byCheck]) => [accountLabel(account), byCheck]);
  const rest = sorted.slice(MAX_CHART_ACCOUNTS);
  if (rest.length > 0) {
    const summed = new Map<CheckId, number>();
    for (const [, byCheck] of rest) for (const [c, n] of byCheck) summed.set(c, (summed.get(c) ?? 0) + n);
    rows.push([`${rest.length} other accounts`, summed]);
  }
  const max = Math.max(...rows.map(([, m]) => total(m)));
  const labelWidth = 260;
  const barWidth = 480;
  const rowHeight = 22;
  const bars = rows.map(([label, byCheck], i) => {
    let x = labelWidth;
    const y = i * rowHeight;
    const segments = CHECK_IDS.filter((c) => byCheck.has(c)).map((c) => {
      const width = ((byCheck.get(c) as number) / max) * barWidth;
      const rect = `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${CHECK_COLORS[CHECK_IDS.indexOf(c)]}"><title>${escapeHtml(`${CHECKS[c].title}: ${byCheck.get(c)}`)}</title></rect>`;
      x += width;
      return rect;
    });
    // Long names are cut to fit the label column; the full one shows on hover.
    const shown = label.length > 40 ? `${label.slice(0, 39)}\u2026` : label;
    return `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end"><title>${escapeHtml(label)}</title>${escapeHtml(shown)}</text>${segments.join("")}<text x="${(x + 4).toFixed(1)}" y="${y + 15}">${total(byCheck)}</text>`;
  });
  const legend = CHECK_IDS.map((c, i) => `<span><i style="background:${CHECK_COLORS[i]}"></i>${escapeHtml(CHECKS[c].title)}</span>`).join("");
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
