import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { DEFAULT_REMEDIATION, MIN_UNUSED_DAYS, type RemediationSettings } from "../../functions/analysis/fixes/key-remediation";
import { InvalidOwners, OWNER_SOURCES, type OwnerRule, type OwnerSettings, type OwnerSource, ownerRulesOf } from "../../functions/run/owners";
import { REMEDIATION_MODES } from "../../policies/pipeline-policies";
import { DEFAULT_MEMBER_ROLE_NAME } from "../../functions/aws/member-credentials";
import { readWholeNumber } from "../../functions/whole-number";
import type { StackSetCallAs } from "../cross-account-role-stack-set";
import type { KmsKeyChoice, ObjectLock } from "../report-bucket";
import { type AcceptedRisk, InvalidAcceptedRisks } from "../../functions/analysis/accepted-risks";
import { parseAcceptedRisks } from "../../functions/analysis/accepted-risks-file";
import { scopeProblems } from "../../functions/run/account-scope";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../../functions/analysis/findings";
import { thresholdProblems } from "../../functions/analysis/thresholds";
import { DEFAULT_SETTINGS, type PipelineSettings, settingsProblems } from "../../functions/run/settings";
import {
  booleanValue,
  bucketNameProblem,
  dailyAt,
  GLUE_DATABASE_NAME_MAX,
  emailProblems,
  KMS_KEY_ARN,
  LOG_RETENTION_DAYS,
  ORGANIZATION_ID,
  overlapProblem,
  principalArnProblems,
  problem,
  ROLE_ARN,
  ROLE_NAME,
  ROOT_ID,
  scheduleExpressionProblem,
  stringList,
  tagMap,
  timezoneProblem,
  wholeNumber,
} from "./config-rules";


/** The stack's configuration, validated. Loaded once in index.ts and passed to the components. */
export interface CredReportConfig {
  /** Name of the report bucket. New bucket: generated when unset. */
  readonly bucketName?: string;
  /** Use a bucket that already exists; nothing of it is changed. @default false */
  readonly existingBucket: boolean;
  /** @default none */
  readonly kmsKey: KmsKeyChoice;
  /** Keep the bucket (and a new key) on `pulumi destroy`. @default true */
  readonly retainBucketOnDestroy: boolean;
  /** Expire reports after this many days. @default undefined (config 0: keep forever) */
  readonly reportRetentionDays?: number;
  /** S3 Object Lock on a new bucket: every stored file locked for `days`. @default undefined (config objectLockMode none) */
  readonly objectLock?: ObjectLock;
  /** @default [] */
  readonly notificationEmails: readonly string[];
  /** @default "iam-credential-report-generation-role" */
  readonly memberRoleName: string;
  /** Looked up from AWS Organizations when unset. */
  readonly organizationId?: string;
  /** Looked up from AWS Organizations when unset. */
  readonly organizationRootId?: string;
  /** OUs that get the member role and are collected. @default [] (the whole organization) */
  readonly organizationalUnitIds: readonly string[];
  /** @default [] */
  readonly excludeAccountIds: readonly string[];
  /** @default 90 */
  readonly logRetentionDays: number;
  /** EventBridge Scheduler expression. @default daily at scheduleHour (8) */
  readonly scheduleExpression: string;
  /** @default "UTC" */
  readonly scheduleTimezone: string;
  /** @default {} */
  readonly tags: Readonly<Record<string, string>>;
  readonly settings: PipelineSettings;
  /** Where the findings draw their lines. @default DEFAULT_THRESHOLDS (90, 45, 30 days; 24 hours) */
  readonly findingThresholds: FindingThresholds;
  /** Known exceptions and break-glass users, read from acceptedRisksFile or acceptedRisks. @default [] */
  readonly acceptedRisks: readonly AcceptedRisk[];
  /** Import the findings into each member account's Security Hub. @default false */
  readonly securityHub: boolean;
  /** Deactivate unused access keys: off, a dry run, or on. @default off (unusedDays 90, noticeDays 7) */
  readonly remediation: RemediationSettings;
  /** Where each account's owners come from, in order; none, owners hear nothing of their own. @default none */
  readonly owners: OwnerSettings;
  /** Role in a separate account in which the bucket and key are created. */
  readonly storageAccountRoleArn?: string;
  /** Besides the deploying role, who may change the bucket's protections and the key's life. @default [] */
  readonly evidenceAdministrators: readonly string[];
  /** Role in the management account through which its member role is created (delegated administrator layout). */
  readonly managementAccountRoleArn?: string;
  /** Glue database of the Athena tables. @default "credential_reports" */
  readonly glueDatabaseName: string;
  /** Athena workgroup of the named queries. @default "primary" */
  readonly athenaWorkgroup: string;
  readonly stackSet: {
    /** @default "SELF" */
    readonly callAs: StackSetCallAs;
    /** @default 10 */
    readonly failureTolerancePercentage: number;
    /** @default 25 */
    readonly maxConcurrentPercentage: number;
  };
}

/** Every config key of the project, as written in `pulumi config set <key>`. */
export const CONFIG_KEYS = [
  "bucketName",
  "existingBucket",
  "kmsKey",
  "retainBucketOnDestroy",
  "evidenceAdministrators",
  "reportRetentionDays",
  "objectLockMode",
  "objectLockDays",
  "notificationEmails",
  "memberRoleName",
  "organizationId",
  "organizationRootId",
  "organizationalUnitIds",
  "excludeAccountIds",
  "logRetentionDays",
  "scheduleHour",
  "scheduleExpression",
  "scheduleTimezone",
  "tags",
  "maxConcurrency",
  "accountsPerBatch",
  "maxPollAttempts",
  "pollIntervalSeconds",
  "runTimeoutMinutes",
  "maxKeyAgeDays",
  "unusedDays",
  "rootUseWindowDays",
  "maxReportAgeHours",
  "minPasswordLength",
  "passwordReusePrevention",
  "mfaForEveryUser",
  "acceptedRisksFile",
  "acceptedRisks",
  "securityHub",
  "remediation",
  "remediationUnusedDays",
  "remediationNoticeDays",
  "ownerSources",
  "ownerTagKey",
  "ownersFile",
  "owners",
  "storageAccount",
  "managementAccountRole",
  "glueDatabaseName",
  "athenaWorkgroup",
  "stackSetCallAs",
  "stackSetFailureTolerancePercentage",
  "stackSetMaxConcurrentPercentage",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export const DEFAULT_SCHEDULE_HOUR = 8;

export const FIX_WITH_CONFIG = "Fix with `pulumi config set <key> <value>` (or `pulumi config rm <key>` for the default).";

/** A configuration with problems; the message lists every one, so a single preview shows them all. */
export class InvalidConfig extends pulumi.RunError {
  constructor(
    readonly problems: readonly string[],
    fix = FIX_WITH_CONFIG,
  ) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n") + `\n${fix}`);
  }
}

/** What the stack knows beyond its own keys. */
export interface StackContext {
  /** The stack's `aws:region`, when set. */
  readonly region?: string;
  /** How to fix a problem, last line of the error. @default FIX_WITH_CONFIG */
  readonly fix?: string;
  /** Reads a file the config names (acceptedRisksFile). @default the file system, relative to the working directory (the project's folder, where Pulumi runs the program) */
  readonly readFile?: (path: string) => string;
}

/**
 * Validates raw config values (as `pulumi config` stores them: text) and applies the defaults.
 * Pure; throws {@link InvalidConfig} naming every problem.
 */
export function parseConfig(raw: Readonly<Record<string, string>>, context: StackContext = {}): CredReportConfig {
  const problems: string[] = [];
  const known = new Set<string>(CONFIG_KEYS);
  for (const key of Object.keys(raw).filter((k) => !known.has(k))) {
    problems.push(`${key} is not a config key of this project; known keys: ${CONFIG_KEYS.join(", ")}`);
  }
  const text = (key: ConfigKey): string | undefined => {
    const value = raw[key]?.trim();
    return value ? value : undefined;
  };
  const take = <T>(key: ConfigKey, parse: (key: string, raw: string) => { value?: T; problem?: string }, fallback: T): T => {
    const value = text(key);
    if (value === undefined) return fallback;
    const result = parse(key, value);
    if (result.problem) problems.push(result.problem);
    return result.value ?? fallback;
  };
  const number = (min: number, max: number) => (key: string, value: string) => wholeNumber(key, value, min, max);
  const matching = (pattern: RegExp, allowed: string) => (key: string, value: string) =>
    pattern.test(value) ? { value } : { problem: problem(key, allowed, value) };

  const bucketName = text("bucketName");
  const existingBucket = take("existingBucket", booleanValue, false);
  if (bucketName !== undefined) {
    const bad = bucketNameProblem("bucketName", bucketName);
    if (bad) problems.push(bad);
  }
  if (existingBucket && bucketName === undefined) {
    problems.push("bucketName must be set when existingBucket is true (the name of the bucket to use)");
  }

  const kmsKey = parseKmsKey(text("kmsKey"), problems);
  const keyRegion = kmsKey.kind === "existing" ? KMS_KEY_ARN.exec(kmsKey.arn)?.[2] : undefined;
  if (keyRegion && context.region && keyRegion !== context.region) {
    problems.push(
      problem("kmsKey", `a key in the stack's region ${context.region} (S3 uses only keys of the bucket's own region)`, kmsKey.kind === "existing" ? kmsKey.arn : ""),
    );
  }
  if (existingBucket && kmsKey.kind === "new") {
    problems.push(
      'kmsKey must be "none" or the existing bucket\'s key ARN when existingBucket is true, got "new" (a new key is only made with a new bucket)',
    );
  }

  const storageAccountRoleArn = take("storageAccount", matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)"), undefined);
  if (storageAccountRoleArn && existingBucket) {
    problems.push(
      "storageAccount must be unset when existingBucket is true, got " +
        JSON.stringify(storageAccountRoleArn) +
        " (it is the account to create the bucket in; grant the collector role in the existing bucket's policy instead)",
    );
  }

  const callAs = take("stackSetCallAs", matching(/^(SELF|DELEGATED_ADMIN)$/, '"SELF" or "DELEGATED_ADMIN"'), "SELF") as StackSetCallAs;
  const managementAccountRoleArn = take("managementAccountRole", matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)"), undefined);
  if (managementAccountRoleArn && callAs !== "DELEGATED_ADMIN") {
    problems.push(
      "managementAccountRole must be unset unless stackSetCallAs is DELEGATED_ADMIN, got " +
        JSON.stringify(managementAccountRoleArn) +
        " (deployed from the management account, the collector reads its report with its own credentials)",
    );
  }

  const notificationEmails = take("notificationEmails", stringList, []);
  problems.push(...emailProblems("notificationEmails", notificationEmails));
  const evidenceAdministrators = take("evidenceAdministrators", stringList, []);
  problems.push(...principalArnProblems("evidenceAdministrators", evidenceAdministrators));

  const organizationalUnitIds = take("organizationalUnitIds", stringList, []);
  const excludeAccountIds = take("excludeAccountIds", stringList, []);
  problems.push(
    ...scopeProblems(
      { includeOuIds: organizationalUnitIds, excludeAccountIds },
      { ou: "organizationalUnitIds", account: "excludeAccountIds" },
    ),
  );

  const scheduleHour = take("scheduleHour", number(0, 23), DEFAULT_SCHEDULE_HOUR);
  // The expression wins: Pulumi hands the program scheduleHour's declared default, so "both set"
  // cannot be told from "only the expression set".
  const scheduleExpression = text("scheduleExpression");
  if (scheduleExpression !== undefined) {
    const bad = scheduleExpressionProblem("scheduleExpression", scheduleExpression);
    if (bad) problems.push(bad);
  }
  const scheduleTimezone = text("scheduleTimezone") ?? "UTC";
  const badTimezone = timezoneProblem("scheduleTimezone", scheduleTimezone);
  if (badTimezone) problems.push(badTimezone);

  const logRetentionDays = take(
    "logRetentionDays",
    (key, value) =>
      (LOG_RETENTION_DAYS as readonly number[]).includes(Number(value)) && /^\d+$/.test(value)
        ? { value: Number(value) }
        : { problem: problem(key, `one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")})`, value) },
    90,
  );

  const settings: PipelineSettings = {
    maxConcurrency: take("maxConcurrency", anyWholeNumber, DEFAULT_SETTINGS.maxConcurrency),
    accountsPerBatch: take("accountsPerBatch", anyWholeNumber, DEFAULT_SETTINGS.accountsPerBatch),
    maxPollAttempts: take("maxPollAttempts", anyWholeNumber, DEFAULT_SETTINGS.maxPollAttempts),
    pollIntervalSeconds: take("pollIntervalSeconds", anyWholeNumber, DEFAULT_SETTINGS.pollIntervalSeconds),
    runTimeoutMinutes: take("runTimeoutMinutes", anyWholeNumber, DEFAULT_SETTINGS.runTimeoutMinutes),
  };
  problems.push(...settingsProblems(settings));
  const schedule = scheduleExpression ?? dailyAt(scheduleHour);
  if (!scheduleExpressionProblem("scheduleExpression", schedule) && !badTimezone) {
    const overlap = overlapProblem(schedule, scheduleTimezone, settings.runTimeoutMinutes);
    if (overlap) problems.push(overlap);
  }

  // The config keys are the thresholds' own names.
  const findingThresholds: FindingThresholds = {
    maxKeyAgeDays: take("maxKeyAgeDays", anyWholeNumber, DEFAULT_THRESHOLDS.maxKeyAgeDays),
    unusedDays: take("unusedDays", anyWholeNumber, DEFAULT_THRESHOLDS.unusedDays),
    rootUseWindowDays: take("rootUseWindowDays", anyWholeNumber, DEFAULT_THRESHOLDS.rootUseWindowDays),
    maxReportAgeHours: take("maxReportAgeHours", anyWholeNumber, DEFAULT_THRESHOLDS.maxReportAgeHours),
    minPasswordLength: take("minPasswordLength", anyWholeNumber, DEFAULT_THRESHOLDS.minPasswordLength),
    passwordReusePrevention: take("passwordReusePrevention", anyWholeNumber, DEFAULT_THRESHOLDS.passwordReusePrevention),
    mfaForEveryUser: take("mfaForEveryUser", booleanValue, DEFAULT_THRESHOLDS.mfaForEveryUser),
  };
  problems.push(...thresholdProblems(findingThresholds));

  const acceptedRisksFile = text("acceptedRisksFile");
  const acceptedRisksText = text("acceptedRisks");
  if (acceptedRisksFile && acceptedRisksText) {
    problems.push("acceptedRisks must be unset when acceptedRisksFile is set, got both (give the rules once: the file's path, or its text)");
  }
  const acceptedRisks = acceptedRisksFile
    ? readAcceptedRisks(acceptedRisksFile, context.readFile ?? ((path) => readFileSync(path, "utf8")), problems)
    : acceptedRisksText
      ? parseRisks(acceptedRisksText, "acceptedRisks", "acceptedRisks", problems)
      : [];

  const remediationMode = take("remediation", oneOf(REMEDIATION_MODES), "off");
  const remediation: RemediationSettings = {
    enabled: remediationMode !== "off",
    dryRun: remediationMode !== "on",
    unusedDays: take("remediationUnusedDays", number(MIN_UNUSED_DAYS, 3650), DEFAULT_REMEDIATION.unusedDays),
    noticeDays: take("remediationNoticeDays", number(0, 365), DEFAULT_REMEDIATION.noticeDays),
  };
  if (remediation.enabled && remediation.unusedDays < findingThresholds.unusedDays) {
    problems.push(
      `remediationUnusedDays must be at least unusedDays (${findingThresholds.unusedDays}), got ${remediation.unusedDays} (a key is deactivated only once its credential-unused finding is open)`,
    );
  }
  const owners = parseOwners(text, context.readFile ?? ((path) => readFileSync(path, "utf8")), problems);

  // 0, the declared default, keeps reports forever.
  const reportRetentionDays = take("reportRetentionDays", number(0, 36500), 0) || undefined;
  if (existingBucket && reportRetentionDays !== undefined) {
    problems.push(
      `reportRetentionDays must be 0 (unset) when existingBucket is true, got ${reportRetentionDays} ` +
        "(nothing of an existing bucket is changed: give it a lifecycle rule of its own on credential-reports/)",
    );
  }

  const objectLock = parseObjectLock(take("objectLockMode", oneOf(OBJECT_LOCK_MODES), "none"), take("objectLockDays", number(0, 36500), 0), problems);
  if (objectLock && existingBucket) {
    problems.push(`objectLockMode must be none when existingBucket is true, got ${objectLock.mode.toLowerCase()} (nothing of an existing bucket is changed: turn on its Object Lock yourself)`);
  }
  if (objectLock && reportRetentionDays !== undefined && reportRetentionDays < objectLock.days) {
    problems.push(
      `reportRetentionDays must be 0 or at least objectLockDays (${objectLock.days}), got ${reportRetentionDays} (a lifecycle rule cannot delete a file that is still locked)`,
    );
  }

  const config: CredReportConfig = {
    bucketName,
    existingBucket,
    kmsKey,
    retainBucketOnDestroy: take("retainBucketOnDestroy", booleanValue, true),
    reportRetentionDays,
    ...(objectLock ? { objectLock } : {}),
    notificationEmails,
    memberRoleName: take("memberRoleName", matching(ROLE_NAME, "an IAM role name (1-64 letters, digits and +=,.@_-)"), DEFAULT_MEMBER_ROLE_NAME),
    organizationId: take("organizationId", matching(ORGANIZATION_ID, "an organization id (o- and 10-32 lowercase letters or digits)"), undefined),
    organizationRootId: take("organizationRootId", matching(ROOT_ID, "an organization root id (r- and 4-32 lowercase letters or digits)"), undefined),
    organizationalUnitIds,
    excludeAccountIds,
    logRetentionDays,
    scheduleExpression: schedule,
    scheduleTimezone,
    tags: take("tags", tagMap, {}),
    settings,
    findingThresholds,
    acceptedRisks,
    securityHub: take("securityHub", booleanValue, false),
    remediation,
    owners,
    storageAccountRoleArn,
    evidenceAdministrators,
    managementAccountRoleArn,
    glueDatabaseName: take(
      "glueDatabaseName",
      matching(new RegExp(`^[a-z0-9_]{1,${GLUE_DATABASE_NAME_MAX}}$`), `a Glue database name: 1-${GLUE_DATABASE_NAME_MAX} lowercase letters, digits and _`),
      "credential_reports",
    ),
    athenaWorkgroup: take("athenaWorkgroup", matching(/^[A-Za-z0-9._-]{1,128}$/, "an Athena workgroup name (1-128 letters, digits, . _ -)"), "primary"),
    stackSet: {
      callAs,
      failureTolerancePercentage: take("stackSetFailureTolerancePercentage", number(0, 100), 10),
      maxConcurrentPercentage: take("stackSetMaxConcurrentPercentage", number(1, 100), 25),
    },
  };
  if (problems.length > 0) throw new InvalidConfig(problems, context.fix);
  return config;
}

/** The rules of the file acceptedRisksFile names, checked as the CLI checks them; its problems are the config's. */
function readAcceptedRisks(path: string, readFile: (path: string) => string, problems: string[]): AcceptedRisk[] {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    problems.push(`acceptedRisksFile must name a readable YAML or JSON file, got ${JSON.stringify(path)} (${(err as Error).message.split("\n")[0]})`);
    return [];
  }
  return parseRisks(text, path, `acceptedRisksFile ${JSON.stringify(path)}`, problems);
}

/** Accepted risks read from YAML or JSON text; each problem is named after `where`. */
function parseRisks(text: string, source: string, where: string, problems: string[]): AcceptedRisk[] {
  try {
    return parseAcceptedRisks(text, source);
  } catch (err) {
    if (!(err instanceof InvalidAcceptedRisks)) throw err;
    problems.push(...err.problems.map((p) => `${where}: ${p}`));
    return [];
  }
}

/** Where owners come from: the sources in order, each with what it needs (the tag's key, the file). */
function parseOwners(text: (key: ConfigKey) => string | undefined, readFile: (path: string) => string, problems: string[]): OwnerSettings {
  const raw = text("ownerSources");
  const listed = raw === undefined ? { value: [] } : stringList("ownerSources", raw);
  const sources = listed.value ?? [];
  const unknown = sources.filter((source) => !OWNER_SOURCES.includes(source as OwnerSource));
  if (raw !== undefined && (listed.problem !== undefined || unknown.length > 0 || new Set(sources).size !== sources.length)) {
    problems.push(problem("ownerSources", `a list of ${OWNER_SOURCES.join(", ")}, each once, in the order they are asked`, raw));
  }
  const tagKey = text("ownerTagKey");
  if (tagKey !== undefined && !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(tagKey)) problems.push(problem("ownerTagKey", "an Organizations tag key (1-128 letters, digits, spaces and _.:/=+-@)", tagKey));
  if (sources.includes("tag") && tagKey === undefined) problems.push('ownerTagKey must be set when ownerSources has "tag" (the tag on each account that names its owners)');
  const file = text("ownersFile");
  const inline = text("owners");
  if (file && inline) problems.push("owners must be unset when ownersFile is set, got both (give the rules once: the file's path, or its text)");
  let rules: OwnerRule[] = [];
  const source = file ? `ownersFile ${JSON.stringify(file)}` : "owners";
  let body = inline;
  if (file) {
    try {
      body = readFile(file);
    } catch (err) {
      problems.push(`ownersFile must name a readable YAML or JSON file, got ${JSON.stringify(file)} (${(err as Error).message.split("\n")[0]})`);
    }
  }
  if (body !== undefined) {
    try {
      rules = ownerRulesOf(parseYaml(body, { schema: "core" }), source);
    } catch (err) {
      if (err instanceof InvalidOwners) problems.push(...err.problems.map((p) => `${source}: ${p}`));
      else problems.push(`${source}: not YAML or JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (sources.includes("file") && body === undefined) problems.push('ownersFile (or owners) must be set when ownerSources has "file" (the rules that name each account\'s owners)');
  return { sources: sources as OwnerSource[], rules, ...(tagKey ? { tagKey } : {}) };
}

// The pipeline settings and thresholds carry their own bounds; here only "is it a number".
function anyWholeNumber(key: string, raw: string): { value?: number; problem?: string } {
  const value = readWholeNumber(raw);
  return value === undefined ? { problem: problem(key, "a whole number", raw) } : { value };
}

function parseKmsKey(raw: string | undefined, problems: string[]): KmsKeyChoice {
  if (raw === undefined || raw === "none") return { kind: "none" };
  if (raw === "new") return { kind: "new" };
  if (KMS_KEY_ARN.test(raw)) return { kind: "existing", arn: raw };
  problems.push(problem("kmsKey", '"none", "new" or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>)', raw));
  return { kind: "none" };
}

/**
 * The storage account's role, once the deploying account is known: a role in that same account
 * would put the bucket beside the pipeline while the stack believes it is apart.
 */
export function storageAccountRole(roleArn: string, pipelineAccountId: pulumi.Input<string>): pulumi.Output<string> {
  return roleInAnotherAccount("storageAccount", roleArn, pipelineAccountId, "leave it unset to keep the bucket in this account");
}

/**
 * The management account's role, once the deploying account is known: deploying from the
 * management account itself, its report is read with the collector's own credentials.
 */
export function managementAccountRole(roleArn: string, pipelineAccountId: pulumi.Input<string>): pulumi.Output<string> {
  return roleInAnotherAccount("managementAccountRole", roleArn, pipelineAccountId, "leave it unset when deploying from the management account");
}

function roleInAnotherAccount(key: ConfigKey, roleArn: string, pipelineAccountId: pulumi.Input<string>, otherwise: string): pulumi.Output<string> {
  return pulumi.output(pipelineAccountId).apply((account) => {
    if (roleArn.split(":")[4] === account) {
      throw new InvalidConfig([problem(key, `a role in another account than the pipeline's own (${account}); ${otherwise}`, roleArn)]);
    }
    return roleArn;
  });
}

/** The organization's id and the OUs the StackSet targets (organizationalUnitIds, else the root): from config, or looked up. */
export interface OrganizationScope {
  readonly organizationId: string;
  readonly targetOuIds: string[];
}

/**
 * Looks up what config leaves unset. DescribeOrganization answers any account of the organization,
 * but the provider lists the roots (with the accounts and the enabled services) only to the
 * management account and AWS Organizations' delegated administrators: from any other account
 * (a StackSets delegated administrator is often only that) the roots come back empty. So the full
 * lookup is made only when the root is needed and not set, and an empty answer names the key to set.
 */
export function organizationScope(config: CredReportConfig, opts?: pulumi.InvokeOutputOptions): pulumi.Output<OrganizationScope> {
  const ous = config.organizationalUnitIds;
  const needsRoot = ous.length === 0 && !config.organizationRootId;
  const targetOuIds = (rootId: string | undefined) => (ous.length > 0 ? [...ous] : [rootId as string]);
  if (config.organizationId && !needsRoot) {
    return pulumi.output({ organizationId: config.organizationId, targetOuIds: targetOuIds(config.organizationRootId) });
  }
  return aws.organizations.getOrganizationOutput({ returnOrganizationOnly: !needsRoot }, opts).apply((org) => {
    const rootId = config.organizationRootId ?? org.roots[0]?.id;
    if (needsRoot && !rootId) {
      throw new InvalidConfig([
        "organizationRootId must be set: AWS Organizations lists the roots only to the management account and its delegated " +
          `administrators, and the deploying account is neither (organization ${org.id}, management account ${org.masterAccountId}). ` +
          "In the management account, `aws organizations list-roots --query 'Roots[0].Id' --output text` prints the root id (r-...)",
      ]);
    }
    return { organizationId: config.organizationId ?? org.id, targetOuIds: targetOuIds(rootId) };
  });
}

/** S3 Object Lock's retention modes, as the config key takes them. */
export const OBJECT_LOCK_MODES = ["none", "governance", "compliance"] as const;

function oneOf<T extends string>(allowed: readonly T[]) {
  return (key: string, value: string): { value?: T; problem?: string } =>
    (allowed as readonly string[]).includes(value) ? { value: value as T } : { problem: problem(key, `one of ${allowed.join(", ")}`, value) };
}

function parseObjectLock(mode: (typeof OBJECT_LOCK_MODES)[number], days: number, problems: string[]): ObjectLock | undefined {
  if (mode === "none") {
    if (days !== 0) problems.push(`objectLockDays must be 0 (unset) when objectLockMode is none, got ${days} (set objectLockMode to governance or compliance to lock the files)`);
    return undefined;
  }
  if (days === 0) {
    problems.push(`objectLockDays must be from 1 to 36500 when objectLockMode is ${mode}, got 0 (how many days each stored file stays locked)`);
    return undefined;
  }
  return { mode: mode === "governance" ? "GOVERNANCE" : "COMPLIANCE", days };
}
