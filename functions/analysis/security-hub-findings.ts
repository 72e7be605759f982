import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import type { AcceptedRisk } from "./accepted-risks";
import { ruleSubject } from "./accepted-risks";
import type { AccountAnalysis } from "./account-analysis";
import { CHECKS, type Finding, type FindingThresholds, type Severity } from "./findings";
import { ASFF_RECOMMENDATION_MAX, remediationOf, remediationText } from "./remediation";

/** What every imported finding says about where it comes from. */
export interface ImportContext {
  readonly partition: string;
  /** The Security Hub region: the pipeline's own. */
  readonly region: string;
  readonly runId: string;
  readonly runStartedAt: string;
  /** When the import is made (UpdatedAt). */
  readonly now: string;
  /** The run's report page: where a reader of the finding goes for the whole picture. */
  readonly pageUrl: string;
  /** The thresholds the remediation's commands use. @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
}

/** A change of the customer-side workflow of findings already in Security Hub (BatchUpdateFindings). */
export interface WorkflowChange {
  readonly status: "SUPPRESSED" | "NEW";
  readonly note: string;
  readonly ids: readonly string[];
}

/** What one member account's Security Hub is sent in one run. */
export interface AccountImport {
  readonly accountId: string;
  /** Current findings (ACTIVE) and resolved ones (ARCHIVED), at most one per id. */
  readonly findings: readonly AwsSecurityFinding[];
  /** Known findings whose accepted risk began or ended: BatchImportFindings sets Workflow only when a finding is created. */
  readonly workflow: readonly WorkflowChange[];
}

export const GENERATOR_PREFIX = "org-credential-reports";
const LABELS: Record<Severity, "CRITICAL" | "HIGH" | "MEDIUM" | "LOW"> = { critical: "CRITICAL", high: "HIGH", medium: "MEDIUM", low: "LOW" };
const CIS = "CIS AWS Foundations Benchmark v3.0.0";
// ASFF's limits: Description 1024 characters, Note.Text 512.
const DESCRIPTION_MAX = 1024;
const NOTE_MAX = 512;

/** The account's default product, the one any account may import its own findings into. */
export function defaultProductArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/**
 * What to send one member account: every finding of an account re-checked this run (ACTIVE, with
 * Workflow SUPPRESSED and the rule's reason when an accepted risk covers it) and every finding
 * resolved in it (ARCHIVED). An account not re-checked is sent nothing, so nothing of its is
 * archived. Pure.
 */
export function accountImport(account: AccountAnalysis, context: ImportContext): AccountImport | undefined {
  if (!account.rechecked) return undefined;
  const isNew = new Set(account.newIds);
  const acceptedBefore = new Set(account.acceptedBeforeIds);
  const changes = new Map<string, { status: WorkflowChange["status"]; note: string; ids: string[] }>();
  const findings: AwsSecurityFinding[] = [];
  for (const finding of account.findings) {
    const rule = finding.acceptedRisk;
    findings.push(asffFinding(finding, context, { firstSeenAt: finding.firstSeenAt ?? context.runStartedAt, rule, archived: false }));
    // A finding new this run gets its workflow with it; a known one whose rule began or ended needs an update.
    if (!isNew.has(finding.id) && Boolean(rule) !== acceptedBefore.has(finding.id)) {
      const status = rule ? "SUPPRESSED" : "NEW";
      const note = rule ? acceptedNote(rule) : "No accepted risk covers this finding any more (expired or removed).";
      const change = changes.get(`${status}\n${note}`) ?? { status, note, ids: [] };
      change.ids.push(finding.id);
      changes.set(`${status}\n${note}`, change);
    }
  }
  for (const finding of account.resolved) {
    findings.push(asffFinding(finding, context, { firstSeenAt: finding.firstSeenAt ?? context.runStartedAt, archived: true }));
  }
  if (findings.length === 0 && changes.size === 0) return undefined;
  return { accountId: account.accountId, findings, workflow: [...changes.values()] };
}

/** One finding in the AWS Security Finding Format, in its member account's default product. Pure. */
export function asffFinding(finding: Finding, context: ImportContext, state: { firstSeenAt: string; rule?: AcceptedRisk; archived: boolean }): AwsSecurityFinding {
  const check = CHECKS[finding.checkId];
  const cis = check.cisControl ? `${CIS}/${check.cisControl}` : undefined;
  return {
    SchemaVersion: "2018-10-08",
    Id: finding.id,
    ProductArn: defaultProductArn(context.partition, context.region, finding.accountId),
    GeneratorId: `${GENERATOR_PREFIX}/${finding.checkId}`,
    AwsAccountId: finding.accountId,
    Types: [cis ? "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark" : "Software and Configuration Checks/AWS Security Best Practices"],
    FirstObservedAt: state.firstSeenAt,
    LastObservedAt: context.runStartedAt,
    CreatedAt: state.firstSeenAt,
    UpdatedAt: context.now,
    Severity: { Label: LABELS[finding.severity] },
    Title: check.title,
    Description: finding.message.slice(0, DESCRIPTION_MAX),
    SourceUrl: context.pageUrl,
    ProductFields: {
      "org-credential-reports/RunId": context.runId,
      "org-credential-reports/CheckId": finding.checkId,
      // The Security Hub control that decides the same, for correlating with Security Hub's own findings.
      ...(check.securityHub ? { "org-credential-reports/SecurityHubControl": check.securityHub } : {}),
    },
    Compliance: { Status: state.archived ? "PASSED" : "FAILED", ...(cis ? { RelatedRequirements: [cis] } : {}) },
    Remediation: { Recommendation: recommendationOf(finding, context) },
    Resources: [resourceOf(finding, context)],
    RecordState: state.archived ? "ARCHIVED" : "ACTIVE",
    // Honoured when the finding is created; later changes go through BatchUpdateFindings.
    Workflow: { Status: state.rule ? "SUPPRESSED" : "NEW" },
    ...(state.rule ? { Note: { Text: acceptedNote(state.rule), UpdatedBy: GENERATOR_PREFIX, UpdatedAt: context.now } } : {}),
  };
}

/** What Security Hub shows under Remediation: the fix in at most 512 characters, and AWS's page. */
function recommendationOf(finding: Finding, context: ImportContext): { Text: string; Url: string } {
  const remediation = remediationOf(finding, context.thresholds);
  return { Text: remediationText(remediation, ASFF_RECOMMENDATION_MAX), Url: remediation.url };
}

/** The accepted risk's reason, owner and last day, as Security Hub shows it in the finding's note. */
export function acceptedNote(rule: AcceptedRisk): string {
  return `Accepted risk (${ruleSubject(rule)}): ${rule.reason}. Owner ${rule.owner}, until ${rule.expires}.`.slice(0, NOTE_MAX);
}

function resourceOf(finding: Finding, context: ImportContext): NonNullable<AwsSecurityFinding["Resources"]>[number] {
  // The root user and a stale report are about the account itself.
  if (finding.user === "" || finding.user === "<root_account>") {
    return { Type: "AwsAccount", Id: `AWS::::Account:${finding.accountId}`, Partition: context.partition as "aws", Region: context.region };
  }
  return {
    Type: "AwsIamUser",
    // The report names users, not their paths: the ARN of a user with a path has it between user/ and the name.
    Id: `arn:${context.partition}:iam::${finding.accountId}:user/${finding.user}`,
    Partition: context.partition as "aws",
    Region: context.region,
    Details: { AwsIamUser: { UserName: finding.user } },
  };
}
