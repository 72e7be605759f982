import { CHECKS, type CheckId, DEFAULT_THRESHOLDS, type Finding, type FindingThresholds } from "../findings";

const IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/";

/** How to fix what a check finds: one table, shown in the page, the CSV, Security Hub and docs/findings.md. */
export interface Remediation {
  /** What the finding means, and why it matters. */
  readonly means: string;
  /** Where to fix it in the AWS console. */
  readonly console: string;
  /**
   * The AWS CLI command(s), run with credentials of the finding's account. `{user}`, `{account}`,
   * `{min_length}` and `{reuse}` are filled from the finding and the thresholds; `<...>` is for you.
   */
  readonly cli: string;
  /** The AWS page that says more. */
  readonly url: string;
}

/** Removing a member root's credentials from the management account, with centralized root access. */
const ASSUME_ROOT = "aws sts assume-root --target-principal {account} --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials";
/** Enrolling a virtual MFA device for a user: the QR code goes to the user's authenticator app, which then gives two codes in a row. */
const VIRTUAL_MFA =
  "aws iam create-virtual-mfa-device --virtual-mfa-device-name {user} --bootstrap-method QRCodePNG --outfile mfa.png; then aws iam enable-mfa-device --user-name {user} --serial-number arn:aws:iam::{account}:mfa/{user} --authentication-code1 <code> --authentication-code2 <next code>";
const PASSWORD_POLICY =
  "aws iam update-account-password-policy --minimum-password-length {min_length} --password-reuse-prevention {reuse} --require-symbols --require-numbers --require-uppercase-characters --require-lowercase-characters --allow-users-to-change-password";

export const REMEDIATION: Readonly<Record<CheckId, Remediation>> = {
  "root-mfa-off": {
    means: "The root user can sign in (it has a password or access keys) and nothing but the password protects it.",
    console:
      "Signed in as the root user: account menu > Security credentials > Multi-factor authentication (MFA) > Assign MFA device. Or, with centralized root access, from the management account: IAM > Root access management > the account > Delete root user credentials.",
    cli: `${ASSUME_ROOT}; then, with its credentials: aws iam delete-login-profile`,
    url: `${IAM_GUIDE}enable-mfa-for-root.html`,
  },
  "root-hardware-mfa-off": {
    means: "The root user has no hardware MFA: no MFA at all, or a virtual device (an app on a phone or a computer, which can be copied or lost with it).",
    console: "Signed in as the root user: account menu > Security credentials > Multi-factor authentication (MFA) > Assign MFA device > Hardware TOTP token or passkey/security key; then remove any virtual device.",
    cli: "None: only the root user itself can assign its MFA device.",
    url: `${IAM_GUIDE}enable-mfa-for-root.html`,
  },
  "root-access-key-active": {
    means: "The root user has an access key: a long-lived secret with every right in the account, which no policy can limit.",
    console: "Signed in as the root user: account menu > Security credentials > Access keys > Delete. Or, with centralized root access, from the management account: IAM > Root access management > the account > Delete root user credentials.",
    cli: `${ASSUME_ROOT}; then, with its credentials: aws iam list-access-keys, and aws iam delete-access-key --access-key-id <key id>`,
    url: `${IAM_GUIDE}id_root-user.html#id_root-user_manage_delete-key`,
  },
  "root-recently-used": {
    means: "The root user signed in or used a key recently. Few tasks need it: find out who used it and why.",
    console: "CloudTrail > Event history, filtered on User name root, in the account; then keep the root user's credentials in a safe or remove them (centralized root access).",
    cli: "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root --max-results 50",
    url: `${IAM_GUIDE}id_root-user.html`,
  },
  "console-without-mfa": {
    means: "The user signs in to the console with a password alone: a leaked or guessed password is enough to get in.",
    console:
      "IAM > Users > {user} > Security credentials > Multi-factor authentication (MFA) > Assign MFA device (the user can do it too, at their own Security credentials page). Only for a user who needs no console: Console access > Disable.",
    cli: `${VIRTUAL_MFA}   Only for a user who needs no console: aws iam delete-login-profile --user-name {user}`,
    url: `${IAM_GUIDE}id_credentials_mfa_enable.html`,
  },
  "user-without-mfa": {
    means: "The user has no MFA device. It has no console password, so only its access keys are exposed; an MFA device lets policies require MFA for sensitive calls.",
    console: "IAM > Users > {user} > Security credentials > Multi-factor authentication (MFA) > Assign MFA device.",
    cli: VIRTUAL_MFA,
    url: `${IAM_GUIDE}id_credentials_mfa_enable.html`,
  },
  "access-key-old": {
    means: "An active access key has not been rotated for longer than allowed: the longer a key lives, the more places it may have leaked to.",
    console: "IAM > Users > {user} > Security credentials > Access keys > Create access key; once the new key is in use, Actions > Deactivate on the old one, then Delete.",
    cli: "aws iam create-access-key --user-name {user}; once the new key is in use: aws iam update-access-key --user-name {user} --access-key-id <old key id> --status Inactive   (aws iam list-access-keys --user-name {user} lists them)",
    url: `${IAM_GUIDE}id_credentials_access-keys.html#Using_RotateAccessKey`,
  },
  "credential-unused": {
    means: "An active password or access key has not been used for a long time, or ever: nobody needs it, and nobody would notice its misuse.",
    console: "IAM > Users > {user} > Security credentials: Console access > Disable, or Access keys > Actions > Deactivate.",
    cli: "A password: aws iam delete-login-profile --user-name {user}   A key: aws iam update-access-key --user-name {user} --access-key-id <key id> --status Inactive",
    url: `${IAM_GUIDE}id_credentials_passwords_admin-change-user.html`,
  },
  "both-keys-active": {
    means: "Both access keys of the user are active: a rotation was left half done, and the old key still works.",
    console: "IAM > Users > {user} > Security credentials > Access keys: Actions > Deactivate on the key no longer in use.",
    cli: "aws iam update-access-key --user-name {user} --access-key-id <older key id> --status Inactive   (aws iam list-access-keys --user-name {user} lists them)",
    url: `${IAM_GUIDE}id_credentials_access-keys.html#Using_RotateAccessKey`,
  },
  "key-created-with-user-unused": {
    means: "An access key was made with the user and never used: a secret that exists for nothing.",
    console: "IAM > Users > {user} > Security credentials > Access keys: Actions > Delete.",
    cli: "aws iam delete-access-key --user-name {user} --access-key-id <key id>   (aws iam list-access-keys --user-name {user} lists them)",
    url: `${IAM_GUIDE}id_credentials_access-keys.html`,
  },
  "password-policy-short": {
    means: "The account's password policy allows passwords shorter than required, or there is no policy.",
    console: "IAM > Account settings > Password policy > Edit: Custom, minimum length {min_length}.",
    cli: `${PASSWORD_POLICY}   (it replaces the whole policy: keep any stricter setting you have)`,
    url: `${IAM_GUIDE}id_credentials_passwords_account-policy.html`,
  },
  "password-policy-reuse": {
    means: "The account's password policy lets users reuse recent passwords, or there is no policy.",
    console: "IAM > Account settings > Password policy > Edit: Custom, Prevent password reuse: {reuse}.",
    cli: `${PASSWORD_POLICY}   (it replaces the whole policy: keep any stricter setting you have)`,
    url: `${IAM_GUIDE}id_credentials_passwords_account-policy.html`,
  },
  "break-glass-used": {
    means: "An emergency (break-glass) user was used: confirm it was an emergency, then rotate what was used.",
    console: "CloudTrail > Event history, filtered on User name {user}; then IAM > Users > {user} > Security credentials: set a new password or rotate the key, and put it back in the safe.",
    cli: "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue={user} --max-results 50",
    url: "https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/break-glass-access.html",
  },
  "break-glass-without-mfa": {
    means: "An emergency (break-glass) user has no MFA device: the account's most powerful spare key rests on a password alone.",
    console: "IAM > Users > {user} > Security credentials > Multi-factor authentication (MFA) > Assign MFA device (a hardware key kept with the password).",
    cli: "None that fits: assign a hardware device in the console, where it is registered by touch.",
    url: "https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/break-glass-access.html",
  },
  "report-stale": {
    means: "IAM returned a credential report older than expected: the findings of this account describe that moment, not the run's.",
    console: "IAM > Credential report > Download credential report, in the account, and check that the collector's member role exists there.",
    cli: "aws iam generate-credential-report   (in the account; IAM makes a new one at most every four hours)",
    url: `${IAM_GUIDE}id_credentials_getting-report.html`,
  },
};

/** A finding's remediation, its placeholders filled where that is safe. */
export interface FindingRemediation {
  readonly title: string;
  readonly means: string;
  readonly console: string;
  readonly cli: string;
  readonly url: string;
}

/** IAM's user names: only these may go into a command unquoted by the reader. */
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * The remediation of a finding, with `{user}` (quoted for a shell), `{account}` and the thresholds
 * filled in. A name IAM would not allow (a tampered report) stays a `<user name>` placeholder:
 * nothing from a report is ever put in a command as it came.
 */
export function remediationOf(finding: Pick<Finding, "checkId" | "accountId" | "user">, thresholds: Pick<FindingThresholds, "minPasswordLength" | "passwordReusePrevention"> = DEFAULT_THRESHOLDS): FindingRemediation {
  const r = REMEDIATION[finding.checkId];
  const user = IAM_USER_NAME.test(finding.user) ? finding.user : undefined;
  const fill = (text: string, forShell: boolean) =>
    text
      .replaceAll("{user}", user ? (forShell ? `'${user}'` : user) : "<user name>")
      .replaceAll("{account}", /^\d{12}$/.test(finding.accountId) ? finding.accountId : "<account id>")
      .replaceAll("{min_length}", String(thresholds.minPasswordLength))
      .replaceAll("{reuse}", String(thresholds.passwordReusePrevention));
  return { title: CHECKS[finding.checkId].title, means: r.means, console: fill(r.console, false), cli: fill(r.cli, true), url: r.url };
}

/** Security Hub's Remediation.Recommendation.Text holds at most 512 characters (ASFF syntax). */
export const ASFF_RECOMMENDATION_MAX = 512;

/**
 * The remediation as one short text: for the CSV, Security Hub and the owners' messages. Within
 * `max` it keeps whole steps (a fix's steps are three spaces apart, its first the one to take): a
 * step that does not fit is left out (pointed to at the URL where that fits), then the explanation;
 * a command is cut only when the first step alone does not fit.
 */
export function remediationText(r: FindingRemediation, max = Infinity): string {
  const fix = r.cli.startsWith("None") ? r.console : r.cli;
  const steps = fix.split("   ");
  for (const means of [`${r.means} `, ""]) {
    for (let shown = steps.length; shown > 0; shown--) {
      const text = `${means}Fix: ${steps.slice(0, shown).join("   ")}`;
      const pointed = shown < steps.length ? `${text}   More: ${r.url}` : text;
      if (pointed.length <= max) return pointed;
      if (text.length <= max) return text;
    }
  }
  // Not even the first step fits alone: the most of it there is room for.
  return `Fix: ${steps[0]}`.slice(0, max - 1) + "\u2026";
}
