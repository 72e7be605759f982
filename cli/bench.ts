import { parseArgs } from "node:util";
import { EVERY_ACCOUNT } from "../functions/list-accounts/list-accounts";
import { silentLog } from "../functions/log";
import { DEFAULT_SETTINGS } from "../functions/settings";
import { awsClients } from "./aws-clients";
import { seedDemoOrganization } from "./demo-organization";
import { startEmulator } from "./emulator";
import { runLocally } from "./local-runner";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * Benchmark: one local run over an emulated organization of N accounts, waits set to zero, so
 * what is measured is the pipeline and the emulator, not the poll interval.
 * Prints wall time, time per account and this process's peak memory.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { accounts: { type: "string" }, concurrency: { type: "string" } } });
  const members = Number(values.accounts ?? 200) - 1;
  const concurrency = Number(values.concurrency ?? DEFAULT_SETTINGS.maxConcurrency);
  const emulator = await startEmulator();
  try {
    const clients = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
    const seeded = Date.now();
    const org = await seedDemoOrganization(clients, { memberAccounts: members, ouNames: ["A", "B", "C"], suspended: 0, bucket: "bench-reports", topicName: "bench-alerts" });
    console.log(`seeded ${members + 1} accounts in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

    const started = process.hrtime.bigint();
    const result = await runLocally({
      clients,
      region: "us-east-1",
      bucket: org.bucket,
      topicArn: org.topicArn,
      memberRoleName: "iam-credential-report-generation-role",
      scope: EVERY_ACCOUNT,
      settings: { ...DEFAULT_SETTINGS, maxConcurrency: concurrency },
      pauseMs: 0,
      log: silentLog,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== "succeeded") throw new Error(`run failed: ${result.error}`);
    const { collected, failed } = result.summary.counts;
    console.log(
      `run: ${collected} collected, ${failed} failed, concurrency ${concurrency}: ${seconds.toFixed(1)} s, ` +
        `${((seconds * 1000) / (members + 1)).toFixed(0)} ms per account, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await emulator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
