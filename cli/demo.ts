import { join, resolve } from "node:path";
import { DEFAULT_THRESHOLDS } from "../functions/analysis/findings";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { KeyAction } from "../functions/analysis/fixes/key-remediation";
import { ANALYSIS_FILES, HISTORY_PREFIX } from "../functions/run/report-keys";
import { changeDemoOrganization, DEMO_CHANGES } from "../emulator/demo-changes";
import { deployStack } from "../emulator/deploy";
import { DEMO_SPEC, seedDemoOrganization } from "../emulator/demo-organization";
import { startEmulator } from "../emulator/server";
import { type AwsClients, awsClients } from "../local/aws-clients";
import { runLocally } from "../local/runner";
import { UsageError } from "./exit-status";
import { wholeNumberFlag } from "./options/flag-checks";
import { type Command, parseOptions } from "./options/option-table";
import { downloadPrefix } from "./output/download";
import { reportRefused, runAndReport } from "./output/report-run";

const OPTIONS = [
  { flag: "--out", type: "string", value: "DIR", help: "where the run's reports and manifest are written [./out]" },
  {
    flag: "--runs",
    type: "string",
    value: "N",
    help: `runs in a row, 1-${DEMO_CHANGES.length + 1}, the organization's people fixing some findings and making one new between them; the last run's page draws the trend [1]`,
  },
  { flag: "--verbose", type: "boolean", help: "print every pipeline event as a JSON line (no progress line)" },
] as const;

/**
 * The demo's stack config. IAM reuses a report for four hours, so a report older than a day is
 * rare: the demo draws the stale-report line at 2 hours, where the report IAM made three hours
 * before the run shows; and it reports every user without MFA.
 */
const DEMO_CONFIG = {
  securityHub: "true",
  acceptedRisksFile: join(__dirname, "..", "examples", "accepted-risks.yaml"),
  maxReportAgeHours: "2",
  mfaForEveryUser: "true",
  // Its runs are minutes apart: remediation acts with no notice, a dry run first (below), on keys
  // unused CIS 1.12's 45 days (90 by default), which the demo's intern has.
  remediation: "on",
  remediationNoticeDays: "0",
  remediationUnusedDays: "45",
  ownerSources: "file",
  ownersFile: join(__dirname, "..", "examples", "owners.yaml"),
};
const DEMO_NOTE =
  `The demo counts a report made more than ${DEMO_CONFIG.maxReportAgeHours} hours before the run as stale (maxReportAgeHours; ${DEFAULT_THRESHOLDS.maxReportAgeHours} by default), ` +
  "reports every user without MFA (mfaForEveryUser; off by default), and deactivates keys unused 45 days (remediationUnusedDays; 90 by default) with no notice period " +
  "(remediationNoticeDays 0; 7 by default), the first run a dry run.";

/** The whole pipeline on a local emulated organization: seeded, run (once or a few times), downloaded and printed. */
export const demoCommand: Command = {
  name: "demo",
  usage: "npm run demo [-- options]",
  summary: "run the whole pipeline on a local AWS emulator (moto)",
  options: OPTIONS,
  notes: "The demo applies examples/accepted-risks.yaml and imports the findings into each emulated account's Security Hub.",
  run: demo,
};

async function demo(args: string[]): Promise<number> {
  const values = parseOptions(OPTIONS, args);
  const runs = wholeNumberFlag("--runs", values.runs, 1, 1, DEMO_CHANGES.length + 1);
  if (runs.problem) throw new UsageError(runs.problem);
  const outDir = resolve(values.out ?? "out");
  console.log("Starting the AWS emulator (moto) on loopback ...");
  const emulator = await startEmulator();
  try {
    const target = { region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "demo", secretAccessKey: "demo" } };
    const clients = awsClients(target);
    const org = await seedDemoOrganization(clients, DEMO_SPEC);
    console.log(
      `Seeded organization: management account ${org.managementAccountId}, ${org.members.length} member accounts in ` +
        `${org.ous.map((ou) => ou.name).join(", ")}; ${org.members.filter((m) => m.suspended).length} suspended.`,
    );
    // The stack as `pulumi up` would deploy it, with the demo's settings: every request of the run is
    // judged by its policies. moto finishes a report on the second request: one short wait per
    // account shows the polling.
    const deployment = await deployStack(emulator, org, DEMO_CONFIG);
    console.log(`Deployed the stack into the emulator: every request is judged by the policies the Pulumi program deploys.`);
    const stack = await deployment.runOptions();
    // Remediation as a team turns it on: the first run a dry run, the next ones for real.
    const options = (n: number) => ({ ...stack, settings: { ...stack.settings, pollIntervalSeconds: 1 }, remediation: { ...stack.remediation!, dryRun: n === 1 } });
    // Earlier runs, each followed by what the organization's people change before the next: the last run's page draws the trend.
    for (let n = 1; n < runs.value; n++) {
      const earlier = await runLocally(options(n));
      if (earlier.status === "failed") throw new Error(`run ${n} of ${runs.value} failed: ${earlier.error}`);
      const { counts, findings } = earlier.summary;
      console.log(`Run ${n} of ${runs.value} (${earlier.runId}): ${counts.collected} collected, ${findings ? Object.values(findings.bySeverity).reduce((a, b) => a + b, 0) : 0} open findings.`);
      for (const line of await actionLines(clients, org.bucket, earlier.summary.manifestKey)) console.log(`  ${line}`);
      for (const change of await changeDemoOrganization(clients, org, n)) console.log(`  then ${change}`);
    }
    const status = await runAndReport(clients, { ...options(runs.value), outDir, verbose: values.verbose ?? false, findingsNote: DEMO_NOTE });
    // What Athena's history tables read, for a local SQL engine (docs/findings.md, "History across runs").
    const { refused } = await downloadPrefix(clients.s3, org.bucket, HISTORY_PREFIX, outDir);
    reportRefused(org.bucket, refused);
    console.log(`The runs' history (what Athena's history tables read) downloaded to ${resolve(outDir, HISTORY_PREFIX)}`);
    return status;
  } finally {
    await emulator.stop();
    console.log("Stopped the AWS emulator.");
  }
}

/** What remediation did in a run, a line an action, from its actions.jsonl beside its manifest. */
async function actionLines(clients: AwsClients, bucket: string, manifestKey: string): Promise<string[]> {
  const key = manifestKey.replace(/manifest\.json$/, ANALYSIS_FILES.actions);
  const text = await (await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as KeyAction)
    .map((a) => `${a.outcome === "would-deactivate" ? "would deactivate (dry run)" : a.outcome}: ${a.user}'s key ${a.accessKeyId ?? a.credential} in ${a.accountId}, unused ${a.daysUnused} days${a.undo ? ` (undo: ${a.undo})` : ""}`);
}
