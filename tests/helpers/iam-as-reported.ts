import type { IamAccount } from "../../functions/analysis/iam-account";
import { MalformedReport, parseCredentialReport } from "../../functions/analysis/credential-report";

/** CIS's password policy: what every account has unless a test says otherwise. */
export const CIS_POLICY = { minimumLength: 14, reusePrevention: 24 } as const;

/**
 * What IAM would say of an account whose root row is this report's: a root password, the row's
 * keys and MFA (a hardware device), and CIS's password policy. Reports that are not reports get
 * undefined, as no IAM session would have read them.
 */
export function iamAsReported(accountId: string, csv: string | { readonly readError: string }): IamAccount | undefined {
  if (typeof csv !== "string") return undefined;
  try {
    const root = parseCredentialReport(accountId, csv).users.find((u) => u.isRoot);
    const keys = root ? root.accessKeys.some((k) => k.active || k.lastRotated.present) : false;
    return { root: { passwordPresent: true, accessKeysPresent: keys, mfaEnabled: root?.mfaActive ?? true }, rootVirtualMfa: false, passwordPolicy: CIS_POLICY, refused: [] };
  } catch (err) {
    if (err instanceof MalformedReport) return undefined;
    throw err;
  }
}
