import { resolve } from "node:path";
import { DEFAULT_MEMBER_ROLE_NAME } from "../functions/aws/member-credentials";
import { type AccountScope, scopeProblems } from "../functions/run/account-scope";
import { DEFAULT_SETTINGS, type PipelineSettings, SETTING_BOUNDS } from "../functions/run/settings";
import { awsClients } from "../local/aws-clients";
import { UsageError } from "./exit-status";
import { acceptedRisksFlag, THRESHOLD_OPTIONS, thresholdFlags } from "./options/analysis-options";
import { AWS_TARGET_OPTIONS, awsTargetProblems, regionOf } from "./options/aws-target";
import { bucketFlag, outFolderFlag, problemsOf, roleNameFlag, topicArnFlag, wholeNumberFlag } from "./options/flag-checks";
import { type Command, parseOptions } from "./options/option-table";
import { runAndReport } from "./output/report-run";
import { preflight } from "./preflight";

/** The flags of the pipeline's settings, each with its setting and bounds (the config keys' own). */
const SETTING_FLAGS = {
  "--concurrency": "maxConcurrency",
  "--batch-size": "accountsPerBatch",
  "--max-attempts": "maxPollAttempts",
  "--poll-interval": "pollIntervalSeconds",
  "--timeout-minutes": "runTimeoutMinutes",
} as const satisfies Record<string, keyof PipelineSettings>;

const bounds = (setting: keyof PipelineSettings) => `${SETTING_BOUNDS[setting].join("-")} [${DEFAULT_SETTINGS[setting]}]`;

const OPTIONS = [
  { flag: "--bucket", type: "string", value: "NAME", help: "report bucket, by S3's naming rules (required)" },
  { flag: "--topic-arn", type: "string", value: "ARN", help: "SNS topic for the run summary, arn:<partition>:sns:<region>:<account>:<name> (required)" },
  { flag: "--role-name", type: "string", value: "NAME", help: `member role to assume in each account, 1-64 of letters, digits, +=,.@_- [${DEFAULT_MEMBER_ROLE_NAME}]` },
  ...AWS_TARGET_OPTIONS,
  { flag: "--include-ou", type: "string", value: "ID", multiple: true, help: "collect only accounts under this OU or root, child OUs included (repeatable)" },
  { flag: "--exclude-account", type: "string", value: "ID", multiple: true, help: "never collect this account, 12 digits (repeatable)" },
  { flag: "--concurrency", type: "string", value: "N", help: `batches collected at once, ${bounds("maxConcurrency")}` },
  { flag: "--batch-size", type: "string", value: "N", help: `accounts per batch, ${bounds("accountsPerBatch")}` },
  { flag: "--max-attempts", type: "string", value: "N", help: `rounds per account before it fails as timed out, ${bounds("maxPollAttempts")}` },
  { flag: "--poll-interval", type: "string", value: "S", help: `first wait between rounds in seconds, doubling after, ${bounds("pollIntervalSeconds")}` },
  { flag: "--timeout-minutes", type: "string", value: "M", help: `stop a run still going after M minutes, ${bounds("runTimeoutMinutes")}` },
  { flag: "--out", type: "string", value: "DIR", help: "also download the run's reports and manifest here (made if missing)" },
  {
    flag: "--accepted-risks",
    type: "string",
    value: "FILE",
    help: 'known exceptions and break-glass users (YAML or JSON, see docs/findings.md "Accepted risks and break-glass users"), applied by the run\'s analysis as the stack\'s acceptedRisksFile',
  },
  { flag: "--security-hub", type: "boolean", help: "import the findings into each account's Security Hub through the member role, as the stack's securityHub does" },
  { flag: "--verbose", type: "boolean", help: "print every pipeline event as a JSON line (no progress line)" },
  { flag: "--quiet", type: "boolean", help: "no progress line" },
  ...THRESHOLD_OPTIONS,
] as const;

/** The pipeline once, here, against AWS or an emulator. */
export const runCommand: Command = {
  name: "run",
  usage: "npm run cli -- run [options]",
  summary: "run the pipeline once against AWS or an emulator",
  options: OPTIONS,
  run,
};

async function run(args: string[]): Promise<number> {
  const values = parseOptions(OPTIONS, args);
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  else problems.push(...problemsOf(bucketFlag("--bucket", values.bucket)));
  if (!values["topic-arn"]) problems.push("--topic-arn is required");
  else problems.push(...problemsOf(topicArnFlag("--topic-arn", values["topic-arn"])));
  if (values["role-name"] !== undefined) problems.push(...problemsOf(roleNameFlag("--role-name", values["role-name"])));
  problems.push(...awsTargetProblems(values));
  const scope: AccountScope = { includeOuIds: values["include-ou"] ?? [], excludeAccountIds: values["exclude-account"] ?? [] };
  problems.push(...scopeProblems(scope, { ou: "--include-ou", account: "--exclude-account" }));
  const settings = Object.fromEntries(
    Object.entries(SETTING_FLAGS).map(([flag, setting]) => {
      const checked = wholeNumberFlag(flag, values[flag.slice(2) as keyof typeof values] as string | undefined, DEFAULT_SETTINGS[setting], ...SETTING_BOUNDS[setting]);
      if (checked.problem) problems.push(checked.problem);
      return [setting, checked.value];
    }),
  ) as Record<keyof PipelineSettings, number>;
  if (values.out !== undefined) problems.push(...problemsOf(outFolderFlag("--out", resolve(values.out))));
  const thresholds = thresholdFlags(values, problems);
  const acceptedRisks = values["accepted-risks"] ? await acceptedRisksFlag(values["accepted-risks"], problems) : undefined;
  if (problems.length > 0) throw new UsageError(problems.join("\n"));

  const region = regionOf(values);
  const clients = awsClients({ region, endpoint: values.endpoint });
  const unusable = await preflight(clients, { bucket: values.bucket!, topicArn: values["topic-arn"], endpoint: values.endpoint, region, writes: true });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  return runAndReport(clients, {
    region,
    bucket: values.bucket!,
    topicArn: values["topic-arn"]!,
    memberRoleName: values["role-name"] ?? DEFAULT_MEMBER_ROLE_NAME,
    scope,
    settings,
    acceptedRisks,
    securityHub: values["security-hub"] ?? false,
    thresholds,
    outDir: values.out ? resolve(values.out) : undefined,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
  });
}
