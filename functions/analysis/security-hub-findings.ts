import type { KeyAction } from "./fixes/key-remediation";
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import type { AcceptedRisk } from "./accepted-risks";
import { ruleSubject } from "./accepted-risks";
import type { AccountAnalysis } from "./account-analysis";
import { CHECKS, type Finding, type FindingThresholds, type Severity } from "./findings";
import { ASFF_RECOMMENDATION_MAX, remediationOf, remediationText } from "./fixes/fix-guidance";

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

/** What one member account's Security Hub is sent in one run. */
export interface AccountImport {
  readonly accountId: string;
  /** Current findings (ACTIVE) and resolved ones (ARCHIVED), each under its id of the moment (securityHubId). */
  readonly findings: readonly AwsSecurityFinding[];
  /** The same findings under their other id, archived: the one they left when their accepted risk began or ended. */
  readonly twins: readonly AwsSecurityFinding[];
  /** Known findings whose accepted risk began or ended this run. */
  readonly stateChanges: number;
}

export const GENERATOR_PREFIX = "org-credential-reports";
const LABELS: Record<Severity, "CRITICAL" | "HIGH" | "MEDIUM" | "LOW"> = { critical: "CRITICAL", high: "HIGH", medium: "MEDIUM", low: "LOW" };
const CIS = "CIS AWS Foundations Benchmark v3.0.0";
// ASFF's limits: Description 1024 characters, Note.Text 512.
const DESCRIPTION_MAX = 1024;
const NOTE_MAX = 512;
/** A ProductFields value: at most 2,048 characters (AwsSecurityFinding, ProductFields). */
const PRODUCT_FIELD_MAX = 2048;
/** What a finding's Security Hub id ends with while an accepted risk covers it. */
export const ACCEPTED_ID_SUFFIX = "/accepted";

/** The account's default product, the one any account may import its own findings into. */
export function defaultProductArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/**
 * A finding's id in Security Hub: its own id while open, with ACCEPTED_ID_SUFFIX while accepted.
 * Security Hub takes a finding's Workflow from BatchImportFindings only when it creates the finding,
 * so each id is only ever created in its own state (NEW, or SUPPRESSED with the rule's note), and a
 * rule that begins or ends moves the finding to its other id: no BatchUpdateFindings, a right that
 * would reach every finding of the hub, other products' included.
 */
export function securityHubId(findingId: string, accepted: boolean): string {
  return accepted ? `${findingId}${ACCEPTED_ID_SUFFIX}` : findingId;
}

/**
 * What to send one member account: every finding of an account re-checked this run (ACTIVE, under
 * its accepted id with the rule's reason when an accepted risk covers it) and every finding
 * resolved in it (ARCHIVED, under the id it had). A known finding whose rule began or ended has
 * its other id archived, and so has a known accepted finding every run: versions before 0.5.0 kept
 * an accepted finding under its own id, and this archives it once they are upgraded. An account
 * not re-checked is sent nothing, so nothing of its is archived. Pure.
 */
export function accountImport(account: AccountAnalysis, context: ImportContext): AccountImport | undefined {
  if (!account.rechecked) return undefined;
  const isNew = new Set(account.newIds);
  const acceptedBefore = new Set(account.acceptedBeforeIds);
  const findings: AwsSecurityFinding[] = [];
  const twins: AwsSecurityFinding[] = [];
  let stateChanges = 0;
  const actionOf = new Map((account.remediation?.actions ?? []).filter((a) => a.outcome !== "left").map((a) => [a.findingId, a]));
  const add = (finding: Finding & { firstSeenAt?: string }, rule: AcceptedRisk | undefined, state: { archived: boolean; known: boolean; changed: boolean }) => {
    const firstSeenAt = finding.firstSeenAt ?? context.runStartedAt;
    const action = actionOf.get(finding.id);
    findings.push(asffFinding(finding, context, { firstSeenAt, rule, archived: state.archived, ...(action ? { action } : {}) }));
    if (state.changed || (rule && state.known)) twins.push(asffFinding(finding, context, { firstSeenAt, rule, archived: true, twin: true }));
  };
  for (const finding of account.findings) {
    const known = !isNew.has(finding.id);
    const changed = known && Boolean(finding.acceptedRisk) !== acceptedBefore.has(finding.id);
    if (changed) stateChanges++;
    add(finding, finding.acceptedRisk, { archived: false, known, changed });
  }
  // A resolved finding is archived under the id it had when last seen.
  for (const finding of account.resolved) add(finding, finding.acceptedRisk, { archived: true, known: true, changed: false });
  if (findings.length === 0) return undefined;
  return { accountId: account.accountId, findings, twins, stateChanges };
}

/** One finding in the AWS Security Finding Format, in its member account's default product. Pure. */
export function asffFinding(finding: Finding, context: ImportContext, state: FindingState): AwsSecurityFinding {
  const check = CHECKS[finding.checkId];
  const cis = check.cisControl ? `${CIS}/${check.cisControl}` : undefined;
  // A twin is the finding under the id of its other state: what is created there must be that state.
  const accepted = Boolean(state.rule) !== Boolean(state.twin);
  const note = accepted && state.rule ? acceptedNote(state.rule) : undefined;
  return {
    SchemaVersion: "2018-10-08",
    Id: securityHubId(finding.id, accepted),
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
      // What the pipeline did about it (remediation): a product field, which every import may update.
      ...(state.action ? { "org-credential-reports/PipelineAction": actionNote(state.action) } : {}),
    },
    // A twin moved, it was not fixed: only a resolved finding passes.
    Compliance: { Status: state.archived && !state.twin ? "PASSED" : "FAILED", ...(cis ? { RelatedRequirements: [cis] } : {}) },
    Remediation: { Recommendation: recommendationOf(finding, context) },
    Resources: [resourceOf(finding, context)],
    RecordState: state.archived ? "ARCHIVED" : "ACTIVE",
    // Workflow and Note are honoured only when Security Hub creates the finding (securityHubId).
    Workflow: { Status: accepted ? "SUPPRESSED" : "NEW" },
    ...(note ? { Note: { Text: note, UpdatedBy: GENERATOR_PREFIX, UpdatedAt: context.now } } : {}),
  };
}

/** Which finding of Security Hub asffFinding makes: when first seen, its accepted risk, whether it is archived. */
export interface FindingState {
  readonly firstSeenAt: string;
  readonly rule?: AcceptedRisk;
  readonly archived: boolean;
  /** The finding under the id of the state it is not in (securityHubId), to archive. */
  readonly twin?: boolean;
  /** What the pipeline did about the key this run. */
  readonly action?: KeyAction;
}

/** What the pipeline did about a key, and how to undo it, as the finding's product field says it. */
export function actionNote(action: KeyAction): string {
  const what = action.outcome === "deactivated" ? "Deactivated by the credential report pipeline" : "Due for deactivation by the credential report pipeline (dry run: nothing changed)";
  return `${what} on ${action.at} (key ${action.accessKeyId}, unused ${action.daysUnused} days, open since ${action.openSince}). Undo: ${action.undo}`.slice(0, PRODUCT_FIELD_MAX);
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
