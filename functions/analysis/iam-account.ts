/**
 * What IAM says of an account beyond its credential report, read in the same session: the root
 * user's credentials (iam:GetAccountSummary; the report's root row always says
 * `password_enabled=not_supported`), whether its MFA device is virtual (iam:ListVirtualMFADevices)
 * and the password policy (iam:GetAccountPasswordPolicy). Stored as read, beside the report
 * (`account=<id>.iam.json`). A part IAM refused is absent, and the checks that need it are not
 * evaluated for the account: neither passing nor failing.
 */
export interface IamAccount {
  /** GetAccountSummary's AccountPasswordPresent, AccountAccessKeysPresent (inactive keys too) and AccountMFAEnabled. */
  readonly root?: { readonly passwordPresent: boolean; readonly accessKeysPresent: boolean; readonly mfaEnabled: boolean };
  /** A virtual MFA device is assigned to the root user. */
  readonly rootVirtualMfa?: boolean;
  /** The password policy; null when the account has none (NoSuchEntity). */
  readonly passwordPolicy?: { readonly minimumLength: number; readonly reusePrevention: number | null } | null;
  /** What IAM refused, as `<action>: <code>`: the reason the checks that needed it are not evaluated. */
  readonly refused: readonly string[];
}

/** The checks that need more than the report, and which part of IamAccount each needs. */
export const IAM_ACCOUNT_CHECKS = {
  "root-mfa-off": ["root"],
  "root-hardware-mfa-off": ["root", "rootVirtualMfa"],
  "password-policy-short": ["passwordPolicy"],
  "password-policy-reuse": ["passwordPolicy"],
} as const satisfies Record<string, readonly (keyof IamAccount)[]>;
export type IamAccountCheck = keyof typeof IAM_ACCOUNT_CHECKS;

/**
 * The checks IAM's answers leave undecided for an account (every one of them when nothing was
 * read), but for those decided otherwise: the root's, where the report's root row settles them. Pure.
 */
export function notEvaluated(account: IamAccount | undefined, decidedOtherwise: readonly IamAccountCheck[] = []): IamAccountCheck[] {
  return (Object.keys(IAM_ACCOUNT_CHECKS) as IamAccountCheck[]).filter(
    (check) => !decidedOtherwise.includes(check) && (!account || IAM_ACCOUNT_CHECKS[check].some((part) => account[part] === undefined)),
  );
}

/** Whether the root user can sign in or call AWS at all: a password or an access key, active or not. */
export function rootHasCredentials(account: IamAccount): boolean | undefined {
  return account.root && (account.root.passwordPresent || account.root.accessKeysPresent);
}

/** An account where checks that need more than the report were not evaluated, and why. */
export interface NotEvaluatedAccount {
  readonly accountId: string;
  readonly checks: readonly IamAccountCheck[];
  readonly reason: string;
}

/** A run's checks left undecided: in how many accounts, by check, and the first accounts. */
export interface NotEvaluatedSummary {
  readonly accounts: number;
  readonly byCheck: Partial<Record<IamAccountCheck, number>>;
  readonly listed: readonly NotEvaluatedAccount[];
}
