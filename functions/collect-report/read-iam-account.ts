import { GetAccountPasswordPolicyCommand, GetAccountSummaryCommand, type IAMClient, paginateListVirtualMFADevices } from "@aws-sdk/client-iam";
import type { IamAccount } from "../analysis/iam-account";
import { describeAwsError, TransientAwsError } from "../run/errors";

/**
 * What IAM says of the account beyond its credential report, with the client already in it: the
 * three read-only calls at once. A call IAM refuses (an older member role without them, say) is
 * named in `refused` and its part left out; "later" is thrown as TransientAwsError.
 */
export async function readIamAccount(iam: IAMClient): Promise<IamAccount> {
  // By action, so that the reasons read in the calls' order whichever answered first.
  const refusedBy = new Map<string, string>();
  const ask = async <T>(action: string, call: () => Promise<T>, absent?: { code: string; value: T }): Promise<T | undefined> => {
    try {
      return await call();
    } catch (err) {
      const aws = describeAwsError(err);
      if (aws.transient) throw new TransientAwsError(aws.code, `iam:${action}: ${aws.message}`);
      if (absent && (aws.code === absent.code || aws.code === `${absent.code}Exception`)) return absent.value;
      refusedBy.set(action, `iam:${action}: ${aws.code}`);
      return undefined;
    }
  };
  const [summary, rootVirtualMfa, passwordPolicy] = await Promise.all([
    ask("GetAccountSummary", async () => (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {}),
    ask("ListVirtualMFADevices", () => rootHasVirtualMfa(iam)),
    // No policy is an answer: IAM says NoSuchEntity.
    ask(
      "GetAccountPasswordPolicy",
      async () => {
        const policy = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
        return { minimumLength: policy?.MinimumPasswordLength ?? 0, reusePrevention: policy?.PasswordReusePrevention ?? null };
      },
      { code: "NoSuchEntity", value: null },
    ),
  ]);
  return {
    ...(summary
      ? { root: { passwordPresent: summary.AccountPasswordPresent === 1, accessKeysPresent: (summary.AccountAccessKeysPresent ?? 0) > 0, mfaEnabled: summary.AccountMFAEnabled === 1 } }
      : {}),
    ...(rootVirtualMfa !== undefined ? { rootVirtualMfa } : {}),
    ...(passwordPolicy !== undefined ? { passwordPolicy } : {}),
    refused: ["GetAccountSummary", "ListVirtualMFADevices", "GetAccountPasswordPolicy"].flatMap((action) => refusedBy.get(action) ?? []),
  };
}

/** Whether a virtual MFA device is assigned to the root user (its user is the account's `:root`). */
async function rootHasVirtualMfa(iam: IAMClient): Promise<boolean> {
  for await (const page of paginateListVirtualMFADevices({ client: iam }, { AssignmentStatus: "Assigned" })) {
    if ((page.VirtualMFADevices ?? []).some((device) => device.User?.Arn?.endsWith(":root"))) return true;
  }
  return false;
}
