import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { CONFIG_KEYS, InvalidConfig, managementAccountRole, parseConfig, storageAccountRole } from "../../components/config/config";
import { failureOf } from "../helpers/pulumi/mock-cloud";
import { scheduleExpressionProblem } from "../../components/config/config-rules";

/** The problems parseConfig reports for the given raw values; none when it accepts them. */
function problemsOf(raw: Record<string, string>): readonly string[] {
  try {
    parseConfig(raw, { region: "eu-west-1" });
    return [];
  } catch (error) {
    if (error instanceof InvalidConfig) return error.problems;
    throw error;
  }
}

const SCHEDULE = 'scheduleExpression must be an EventBridge Scheduler expression such as "cron(0 8 * * ? *)" or "rate(1 day)",';
const BUCKET_RULES = "an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const RETENTIONS = "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

describe("stack config", () => {
  it("applies the documented defaults when nothing is set", () => {
    const config = parseConfig({});
    expect(config).to.deep.equal({
      bucketName: undefined,
      existingBucket: false,
      kmsKey: { kind: "none" },
      retainBucketOnDestroy: true,
      evidenceAdministrators: [],
      reportRetentionDays: undefined,
      notificationEmails: [],
      memberRoleName: "iam-credential-report-generation-role",
      organizationId: undefined,
      organizationRootId: undefined,
      organizationalUnitIds: [],
      excludeAccountIds: [],
      logRetentionDays: 90,
      scheduleExpression: "cron(0 8 * * ? *)",
      scheduleTimezone: "UTC",
      tags: {},
      settings: { maxConcurrency: 10, accountsPerBatch: 25, maxPollAttempts: 15, pollIntervalSeconds: 10, runTimeoutMinutes: 360 },
      findingThresholds: { maxKeyAgeDays: 90, unusedDays: 45, rootUseWindowDays: 30, maxReportAgeHours: 24, minPasswordLength: 14, passwordReusePrevention: 24, mfaForEveryUser: false },
      acceptedRisks: [],
      securityHub: false,
      remediation: { enabled: false, dryRun: true, unusedDays: 90, noticeDays: 7 },
      owners: { sources: [], rules: [] },
      storageAccountRoleArn: undefined,
      managementAccountRoleArn: undefined,
      glueDatabaseName: "credential_reports",
      athenaWorkgroup: "primary",
      stackSet: { callAs: "SELF", failureTolerancePercentage: 10, maxConcurrentPercentage: 25 },
    });
  });

  it("turns remediation on in two steps, never below CIS 1.12's 45 days nor before a key's finding is open", () => {
    expect(parseConfig({ remediation: "dry-run" }).remediation).to.deep.equal({ enabled: true, dryRun: true, unusedDays: 90, noticeDays: 7 });
    expect(parseConfig({ remediation: "on", remediationUnusedDays: "120", remediationNoticeDays: "0" }).remediation).to.deep.equal({ enabled: true, dryRun: false, unusedDays: 120, noticeDays: 0 });
    expect(() => parseConfig({ remediation: "yes" })).to.throw(/remediation must be one of off, dry-run, on, got "yes"/);
    expect(() => parseConfig({ remediation: "on", remediationUnusedDays: "30" })).to.throw(/remediationUnusedDays .*45.*got "30"/);
    expect(() => parseConfig({ remediation: "on", unusedDays: "100", remediationUnusedDays: "90" })).to.throw(/remediationUnusedDays must be at least unusedDays \(100\), got 90/);
  });

  it("reads the owners' sources in order, each with what it needs, and the owners file's rules", () => {
    const owners = parseConfig({
      ownerSources: "tag,file",
      ownerTagKey: "security-contact",
      owners: 'owners:\n  - account: "111122223333"\n    to: [a@example.com]\n  - ou: /Workloads/Payments/\n    to: [b@example.com]\n    digest: true\n',
    }).owners;
    expect(owners).to.deep.equal({
      sources: ["tag", "file"],
      tagKey: "security-contact",
      rules: [
        { account: "111122223333", to: ["a@example.com"] },
        { ou: "Workloads/Payments", to: ["b@example.com"], digest: true },
      ],
    });
    const problems = (config: Record<string, string>) => {
      try {
        parseConfig(config);
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ ownerSources: "tag,phone" })).to.include('ownerSources must be a list of file, tag, contact, each once, in the order they are asked, got "tag,phone"');
    expect(problems({ ownerSources: "tag" })).to.include('ownerTagKey must be set when ownerSources has "tag"');
    expect(problems({ ownerSources: "file" })).to.include('ownersFile (or owners) must be set when ownerSources has "file"');
    expect(problems({ owners: "owners:\n  - account: 1234\n    to: [not-an-address]\n" })).to.include("owners: owners[0].account must be a 12-digit account id").and.include('owners[0].to holds "not-an-address"');
    expect(problems({ ownersFile: "owners.yaml" }).replace(/\(.*\)/, "")).to.include('ownersFile must name a readable YAML or JSON file, got "owners.yaml"');
  });

  it("declares every key in Pulumi.yaml with a type, a description and the same default as the code", () => {
    const project = parse(readFileSync(join(__dirname, "../../Pulumi.yaml"), "utf8"));
    expect(Object.keys(project.config)).to.have.members([...CONFIG_KEYS]);
    const declaredDefaults: Record<string, string> = {};
    for (const [key, declaration] of Object.entries<{ type: string; description: string; default: unknown }>(project.config)) {
      expect(declaration.type, key).to.be.oneOf(["string", "integer", "boolean", "array"]);
      expect(declaration.description, key).to.be.a("string").with.length.greaterThan(20);
      // Pulumi hands the program each declared default as text (arrays as JSON), as it does set values.
      declaredDefaults[key] = typeof declaration.default === "string" ? declaration.default : JSON.stringify(declaration.default);
    }
    expect(parseConfig(declaredDefaults)).to.deep.equal(parseConfig({}));
  });

  it("names every key in the README's table and in docs/configuration.md", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    const reference = readFileSync(join(__dirname, "../../docs/configuration.md"), "utf8");
    // The README's table may name two keys in one row: "| `a`, `b` |".
    const readmeKeys = [...readme.matchAll(/^\| ((?:`\w+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`(\w+)`/g)].map((k) => k[1]));
    expect(CONFIG_KEYS.filter((key) => !readmeKeys.includes(key))).to.deep.equal([]);
    expect(CONFIG_KEYS.filter((key) => !reference.includes(`| \`${key}\` |`))).to.deep.equal([]);
  });

  it("keeps the example stack valid", () => {
    const stack = parse(readFileSync(join(__dirname, "../../Pulumi.dev.yaml"), "utf8")).config as Record<string, unknown>;
    const raw = Object.fromEntries(
      Object.entries(stack)
        .filter(([key]) => key.startsWith("org-credential-reports:"))
        .map(([key, value]) => [key.split(":")[1], typeof value === "string" ? value : JSON.stringify(value)]),
    );
    const config = parseConfig(raw);
    expect(config.kmsKey).to.deep.equal({ kind: "new" });
    expect(config.scheduleExpression).to.equal("cron(0 6 * * ? *)");
  });

  it("reads lists as JSON arrays or as comma-separated text, and tags as a JSON object", () => {
    const config = parseConfig({
      notificationEmails: '["a@example.com", "b@example.com"]',
      organizationalUnitIds: "ou-ab12-cdefgh12, r-ab12",
      tags: '{"team":"security"}',
      reportRetentionDays: "400",
      kmsKey: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    expect(config.notificationEmails).to.deep.equal(["a@example.com", "b@example.com"]);
    expect(config.organizationalUnitIds).to.deep.equal(["ou-ab12-cdefgh12", "r-ab12"]);
    expect(config.tags).to.deep.equal({ team: "security" });
    expect(config.reportRetentionDays).to.equal(400);
    expect(config.kmsKey).to.deep.equal({ kind: "existing", arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" });
  });

  it("lets scheduleExpression replace the daily hour", () => {
    expect(parseConfig({ scheduleHour: "8", scheduleExpression: "rate(12 hours)" }).scheduleExpression).to.equal("rate(12 hours)");
    expect(parseConfig({ scheduleHour: "0" }).scheduleExpression).to.equal("cron(0 0 * * ? *)");
  });

  const BAD_VALUES: [string, Record<string, string>, string][] = [
    ["an hour past 23", { scheduleHour: "24" }, 'scheduleHour must be a whole number from 0 to 23, got "24"'],
    ["a fractional hour", { scheduleHour: "7.5" }, 'scheduleHour must be a whole number from 0 to 23, got "7.5"'],
    [
      "a retention CloudWatch does not offer",
      { logRetentionDays: "45" },
      `logRetentionDays must be one of CloudWatch Logs' retention periods (${RETENTIONS}), got "45"`,
    ],
    ["an address without a domain", { notificationEmails: '["security-team"]' }, 'notificationEmails must be a list of email addresses, got "security-team"'],
    [
      "the same address twice in other letter cases",
      { notificationEmails: "Security@Example.com, audit@example.com, security@example.com" },
      'notificationEmails must list each address once (letter case aside), got "Security@Example.com" and "security@example.com"',
    ],
    ["emails that are not a list", { notificationEmails: '["a@example.com"' }, 'notificationEmails must be a list of strings (a JSON array or comma-separated text), got "[\\"a@example.com\\""'],
    ["a role name with a space", { memberRoleName: "credential report" }, 'memberRoleName must be an IAM role name (1-64 letters, digits and +=,.@_-), got "credential report"'],
    ["a role name over 64 characters", { memberRoleName: "r".repeat(65) }, `memberRoleName must be an IAM role name (1-64 letters, digits and +=,.@_-), got "${"r".repeat(65)}"`],
    ["an organization id of the wrong shape", { organizationId: "o-12" }, 'organizationId must be an organization id (o- and 10-32 lowercase letters or digits), got "o-12"'],
    ["an OU id given as root id", { organizationRootId: "ou-ab12-cdefgh12" }, 'organizationRootId must be an organization root id (r- and 4-32 lowercase letters or digits), got "ou-ab12-cdefgh12"'],
    ["an OU id of the wrong shape", { organizationalUnitIds: "ou-12" }, 'organizationalUnitIds: "ou-12" is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)'],
    ["an account id of 11 digits", { excludeAccountIds: "12345678901" }, 'excludeAccountIds: "12345678901" is not a 12-digit account id'],
    ["an unknown kmsKey", { kmsKey: "alias/reports" }, 'kmsKey must be "none", "new" or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got "alias/reports"'],
    [
      "a new key for an existing bucket",
      { existingBucket: "true", bucketName: "acme-evidence", kmsKey: "new" },
      'kmsKey must be "none" or the existing bucket\'s key ARN when existingBucket is true, got "new" (a new key is only made with a new bucket)',
    ],
    ["an existing bucket without a name", { existingBucket: "true" }, "bucketName must be set when existingBucket is true (the name of the bucket to use)"],
    [
      "an upper-case bucket name",
      { bucketName: "Acme-Evidence" },
      'bucketName must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit), got "Acme-Evidence"',
    ],
    ["a bucket name with a reserved prefix", { bucketName: "xn--reports" }, 'bucketName must be a bucket name that does not start with "xn--" (S3 reserves it), got "xn--reports"'],
    ["a bucket name with sthree-", { bucketName: "sthree-reports" }, 'bucketName must be a bucket name that does not start with "sthree-" (S3 reserves it), got "sthree-reports"'],
    ["a bucket name ending in -s3alias", { bucketName: "reports-s3alias" }, 'bucketName must be a bucket name that does not end with "-s3alias" (S3 reserves it), got "reports-s3alias"'],
    ["a bucket name ending in --ol-s3", { bucketName: "reports--ol-s3" }, 'bucketName must be a bucket name that does not end with "--ol-s3" (S3 reserves it), got "reports--ol-s3"'],
    ["a bucket name with a dot next to a hyphen", { bucketName: "acme.-reports" }, `bucketName must be ${BUCKET_RULES} with no dot next to a hyphen, got "acme.-reports"`],
    [
      "a KMS key in another region than the stack",
      { kmsKey: KEY_ARN.replace("eu-west-1", "us-east-2") },
      `kmsKey must be a key in the stack's region eu-west-1 (S3 uses only keys of the bucket's own region), got "${KEY_ARN.replace("eu-west-1", "us-east-2")}"`,
    ],
    [
      "a KMS key ARN of an unknown partition",
      { kmsKey: KEY_ARN.replace("arn:aws:", "arn:aws-mars:") },
      `kmsKey must be "none", "new" or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got "${KEY_ARN.replace("arn:aws:", "arn:aws-mars:")}"`,
    ],
    [
      "a KMS key ARN whose key id is not a key id",
      { kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/reports" },
      'kmsKey must be "none", "new" or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got "arn:aws:kms:eu-west-1:123456789012:key/reports"',
    ],
    [
      "more than 50 tags",
      { tags: JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"]))) },
      "tags must hold at most 50 tags (AWS's limit per resource), got 51",
    ],
    ["a tag value with a character AWS refuses", { tags: '{"team":"security!"}' }, 'tags must be tags of letters, digits, spaces and _ . : / = + - @ only, got {"team":"security!"}'],
    [
      "a Glue database name over 255 characters",
      { glueDatabaseName: "d".repeat(256) },
      `glueDatabaseName must be a Glue database name: 1-255 lowercase letters, digits and _, got "${"d".repeat(256)}"`,
    ],
    ["existingBucket that is not a boolean", { existingBucket: "yes" }, 'existingBucket must be true or false, got "yes"'],
    ["concurrency beyond Lambda's default 1,000", { maxConcurrency: "1001" }, "maxConcurrency must be a whole number from 1 to 1000, got 1001"],
    ["a batch of more than 100 accounts", { accountsPerBatch: "101" }, "accountsPerBatch must be a whole number from 1 to 100, got 101"],
    ["zero poll attempts", { maxPollAttempts: "0" }, "maxPollAttempts must be a whole number from 1 to 100, got 0"],
    ["a key age of zero days", { maxKeyAgeDays: "0" }, "maxKeyAgeDays must be a whole number from 1 to 3650, got 0"],
    ["a report age beyond a month", { maxReportAgeHours: "1000" }, "maxReportAgeHours must be a whole number from 1 to 720, got 1000"],
    ["a password length IAM would refuse", { minPasswordLength: "5" }, "minPasswordLength must be a whole number from 6 to 128, got 5"],
    ["a reuse prevention past IAM's 24", { passwordReusePrevention: "25" }, "passwordReusePrevention must be a whole number from 1 to 24, got 25"],
    ["mfaForEveryUser that is not a boolean", { mfaForEveryUser: "on" }, 'mfaForEveryUser must be true or false, got "on"'],
    ["a poll interval that is not a number", { pollIntervalSeconds: "ten" }, 'pollIntervalSeconds must be a whole number, got "ten"'],
    [
      "an evidence administrator that is a session, not a role",
      { evidenceAdministrators: '["arn:aws:sts::123456789012:assumed-role/admin/alice"]' },
      'evidenceAdministrators must be a list of IAM role or user ARNs (arn:aws:iam::<account>:role/<name>), got "arn:aws:sts::123456789012:assumed-role/admin/alice"',
    ],
    ["a storage account that is a user", { storageAccount: "arn:aws:iam::210987654321:user/deployer" }, 'storageAccount must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "arn:aws:iam::210987654321:user/deployer"'],
    [
      "a storage account with an existing bucket",
      { storageAccount: "arn:aws:iam::210987654321:role/deployer", existingBucket: "true", bucketName: "acme-evidence" },
      'storageAccount must be unset when existingBucket is true, got "arn:aws:iam::210987654321:role/deployer" (it is the account to create the bucket in; grant the collector role in the existing bucket\'s policy instead)',
    ],
    [
      "accepted risks given twice",
      { acceptedRisksFile: "tests/fixtures/accepted-risks.yaml", acceptedRisks: "acceptedRisks: []" },
      "acceptedRisks must be unset when acceptedRisksFile is set, got both (give the rules once: the file's path, or its text)",
    ],
    [
      "accepted risks text that is not valid",
      { acceptedRisks: "acceptedRisks:\n  - { check: nope, account: '111111111111', user: x, reason: r, owner: o, expires: 2027-06-30 }\n" },
      'acceptedRisks: line 2: acceptedRisks[0].check must be one of root-mfa-off, root-hardware-mfa-off, root-access-key-active, root-recently-used, console-without-mfa, user-without-mfa, access-key-old, credential-unused, both-keys-active, key-created-with-user-unused, password-policy-short, password-policy-reuse, break-glass-used, break-glass-without-mfa, report-stale, got "nope"',
    ],
    [
      "a report retention on an existing bucket",
      { reportRetentionDays: "365", existingBucket: "true", bucketName: "acme-evidence" },
      "reportRetentionDays must be 0 (unset) when existingBucket is true, got 365 (nothing of an existing bucket is changed: give it a lifecycle rule of its own on credential-reports/)",
    ],
    ["a one-off schedule", { scheduleExpression: "at(2026-12-01T08:00:00)" }, `${SCHEDULE} got "at(2026-12-01T08:00:00)" (it must be rate(...) or cron(...); at(...) would run only once)`],
    ["an hour past 23 in cron", { scheduleExpression: "cron(0 25 * * ? *)" }, `${SCHEDULE} got "cron(0 25 * * ? *)" (hours must be 0-23, got "25")`],
    ["a rate of zero", { scheduleExpression: "rate(0 days)" }, `${SCHEDULE} got "rate(0 days)" (a rate must be 1 or more)`],
    ["a rate of one in the plural", { scheduleExpression: "rate(1 days)" }, `${SCHEDULE} got "rate(1 days)" (rate(1 ...) takes minute, hour, day)`],
    ["one minute in the plural", { scheduleExpression: "rate(1 minutes)" }, `${SCHEDULE} got "rate(1 minutes)" (rate(1 ...) takes minute, hour, day)`],
    ["six fields that are not cron", { scheduleExpression: "cron(a b c d e f)" }, `${SCHEDULE} got "cron(a b c d e f)" (minutes must be 0-59, got "a")`],
    ["a month past December", { scheduleExpression: "cron(0 8 1 13 ? *)" }, `${SCHEDULE} got "cron(0 8 1 13 ? *)" (month must be 1-12 or JAN-DEC, got "13")`],
    ["both day fields given", { scheduleExpression: "cron(0 8 1 * MON *)" }, `${SCHEDULE} got "cron(0 8 1 * MON *)" (exactly one of day-of-month and day-of-week must be ?)`],
    ["five cron fields", { scheduleExpression: "cron(0 8 * * ?)" }, `${SCHEDULE} got "cron(0 8 * * ?)" (cron takes six fields: minutes hours day-of-month month day-of-week year)`],
    ["an unknown time zone", { scheduleTimezone: "Mars/Olympus" }, 'scheduleTimezone must be an IANA time zone such as "UTC" or "Europe/Paris", got "Mars/Olympus"'],
    ["tags as a list", { tags: '["team"]' }, 'tags must be a map of tag names to values, got "[\\"team\\"]"'],
    [
      "a tag in AWS's namespace",
      { tags: '{"aws:team":"x"}' },
      'tags must be tags with names of 1-128 characters not starting with "aws:" and text values up to 256 characters, got {"aws:team":"x"}',
    ],
    ["a Glue database name with a hyphen", { glueDatabaseName: "credential-reports" }, 'glueDatabaseName must be a Glue database name: 1-255 lowercase letters, digits and _, got "credential-reports"'],
    [
      "a management account role without a delegated administrator",
      { managementAccountRole: "arn:aws:iam::111122223333:role/deployer" },
      'managementAccountRole must be unset unless stackSetCallAs is DELEGATED_ADMIN, got "arn:aws:iam::111122223333:role/deployer" (deployed from the management account, the collector reads its report with its own credentials)',
    ],
    [
      "a management account role that is not a role",
      { managementAccountRole: "111122223333", stackSetCallAs: "DELEGATED_ADMIN" },
      'managementAccountRole must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "111122223333"',
    ],
    ["a securityHub that is not a boolean", { securityHub: "yes" }, 'securityHub must be true or false, got "yes"'],
    ["an unknown callAs", { stackSetCallAs: "ADMIN" }, 'stackSetCallAs must be "SELF" or "DELEGATED_ADMIN", got "ADMIN"'],
    ["a tolerance over 100%", { stackSetFailureTolerancePercentage: "150" }, 'stackSetFailureTolerancePercentage must be a whole number from 0 to 100, got "150"'],
    ["a negative report retention", { reportRetentionDays: "-1" }, 'reportRetentionDays must be a whole number from 0 to 36500, got "-1"'],
    ["an Object Lock mode S3 lacks", { objectLockMode: "legal-hold" }, 'objectLockMode must be one of none, governance, compliance, got "legal-hold"'],
    ["an Object Lock without its days", { objectLockMode: "compliance" }, "objectLockDays must be from 1 to 36500 when objectLockMode is compliance, got 0 (how many days each stored file stays locked)"],
    ["Object Lock days without a mode", { objectLockDays: "30" }, "objectLockDays must be 0 (unset) when objectLockMode is none, got 30 (set objectLockMode to governance or compliance to lock the files)"],
    [
      "an Object Lock on an existing bucket",
      { objectLockMode: "governance", objectLockDays: "30", existingBucket: "true", bucketName: "acme-evidence" },
      "objectLockMode must be none when existingBucket is true, got governance (nothing of an existing bucket is changed: turn on its Object Lock yourself)",
    ],
    [
      "a retention shorter than the lock",
      { objectLockMode: "governance", objectLockDays: "400", reportRetentionDays: "365" },
      "reportRetentionDays must be 0 or at least objectLockDays (400), got 365 (a lifecycle rule cannot delete a file that is still locked)",
    ],
    [
      "a misspelt key",
      { scheduleHours: "6" },
      `scheduleHours is not a config key of this project; known keys: ${CONFIG_KEYS.join(", ")}`,
    ],
  ];

  for (const [what, raw, message] of BAD_VALUES) {
    it(`rejects ${what}, naming the key, the value and what is allowed`, () => {
      expect(problemsOf(raw)).to.deep.equal([message]);
    });
  }

  it("takes every schedule form EventBridge Scheduler does", () => {
    for (const expression of ["rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 8 L * ? *)", "cron(0 8 ? * 6L 2026-2030)", "cron(30 2 ? * 2#1 *)", "cron(0 8 15W JAN,JUL ? *)"]) {
      expect(scheduleExpressionProblem("scheduleExpression", expression), expression).to.equal(undefined);
    }
    for (const expression of ["rate(10 minutes)", "rate(1 day)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 8 L * ? *)", "cron(0 8 ? * 6L 2026-2030)", "cron(30 2 ? * 2#1 *)", "cron(0 8 15W JAN,JUL ? *)"]) {
      expect(problemsOf({ scheduleExpression: expression, runTimeoutMinutes: "10" }), expression).to.deep.equal([]);
    }
  });

  it("refuses a schedule that would start a run while the one before may still go, naming both keys", () => {
    expect(problemsOf({ scheduleExpression: "rate(1 minute)" })).to.deep.equal([
      'scheduleExpression must leave runTimeoutMinutes (360) or more between two starts, got "rate(1 minute)", which starts runs 1 minutes apart (two runs would overlap: schedule runs less often, or lower runTimeoutMinutes)',
    ]);
    // Every weekday at 08:00 and 12:00: four hours apart, though most gaps are longer.
    expect(problemsOf({ scheduleExpression: "cron(0 8,12 ? * MON-FRI *)", scheduleTimezone: "Europe/Paris" })[0]).to.contain("which starts runs 240 minutes apart");
    expect(problemsOf({ scheduleExpression: "cron(0 8,12 ? * MON-FRI *)", runTimeoutMinutes: "240" })).to.deep.equal([]);
  });

  it("takes a key in the stack's region, and any region when the stack names none", () => {
    expect(parseConfig({ kmsKey: KEY_ARN }, { region: "eu-west-1" }).kmsKey).to.deep.equal({ kind: "existing", arn: KEY_ARN });
    expect(parseConfig({ kmsKey: KEY_ARN.replace("eu-west-1", "us-east-2") }).kmsKey.kind).to.equal("existing");
  });

  it("refuses a storage account role in the pipeline's own account, at preview", async () => {
    const elsewhere = "arn:aws:iam::210987654321:role/deployer";
    expect(await failureOf(storageAccountRole(elsewhere, "123456789012"))).to.equal("no error");
    expect(await failureOf(storageAccountRole("arn:aws:iam::123456789012:role/deployer", "123456789012"))).to.contain(
      'storageAccount must be a role in another account than the pipeline\'s own (123456789012); leave it unset to keep the bucket in this account, got "arn:aws:iam::123456789012:role/deployer"',
    );
  });

  it("refuses a management account role in the pipeline's own account, at preview", async () => {
    expect(await failureOf(managementAccountRole("arn:aws:iam::111122223333:role/deployer", "123456789012"))).to.equal("no error");
    expect(await failureOf(managementAccountRole("arn:aws:iam::123456789012:role/deployer", "123456789012"))).to.contain(
      'managementAccountRole must be a role in another account than the pipeline\'s own (123456789012); leave it unset when deploying from the management account, got "arn:aws:iam::123456789012:role/deployer"',
    );
  });

  it("reads the accepted risks file acceptedRisksFile names, and names the file and the place of each problem", () => {
    const files: Record<string, string> = {
      "risks.yaml": "acceptedRisks:\n  - { kind: break-glass, account: '111111111111', user: breakglass, reason: emergency access, owner: sec@example.com, expires: 2027-06-30 }\n",
      "broken.yaml": "acceptedRisks:\n  - { check: access-key-old, account: '1', user: x, reason: r, owner: o, expires: 2027-06-30 }\n",
    };
    const readFile = (path: string) => {
      if (!(path in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return files[path];
    };
    const problems = (raw: Record<string, string>) => {
      try {
        parseConfig(raw, { readFile });
        return [];
      } catch (error) {
        return (error as InvalidConfig).problems;
      }
    };

    expect(parseConfig({ acceptedRisksFile: "risks.yaml" }, { readFile }).acceptedRisks).to.deep.equal([
      { kind: "break-glass", account: "111111111111", user: "breakglass", reason: "emergency access", owner: "sec@example.com", expires: "2027-06-30" },
    ]);
    expect(problems({ acceptedRisksFile: "broken.yaml" })).to.deep.equal(['acceptedRisksFile "broken.yaml": line 2: acceptedRisks[0].account must be a 12-digit account id or "*", got "1"']);
    expect(problems({ acceptedRisksFile: "missing.yaml" })).to.deep.equal([
      `acceptedRisksFile must name a readable YAML or JSON file, got "missing.yaml" (ENOENT: no such file or directory, open 'missing.yaml')`,
    ]);
  });

  it("reports several problems together, in one error", () => {
    const problems = problemsOf({ scheduleHour: "25", logRetentionDays: "2", memberRoleName: "a b", maxConcurrency: "0" });
    expect(problems).to.have.length(4);
    expect(problems.map((p) => p.split(" ")[0])).to.have.members(["scheduleHour", "logRetentionDays", "memberRoleName", "maxConcurrency"]);
  });
});
