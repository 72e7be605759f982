import { MANAGEMENT_ACCOUNT, STORAGE_ACCOUNT } from "./mock-cloud";

export const ORG = { organizationId: "o-exampleorg1", organizationRootId: "r-ex12" };
export const EXISTING_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-111122223333";
export const STORAGE_ROLE = `arn:aws:iam::${STORAGE_ACCOUNT}:role/credreport-deployer`;
export const MANAGEMENT_ROLE = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/credreport-deployer`;

/** The stacks users deploy, from the most locked-down to the plainest. */
export const STACKS: Record<string, Record<string, string>> = {
  "new bucket, new key, email": {
    ...ORG,
    kmsKey: "new",
    notificationEmails: '["security@example.com","audit@example.com"]',
    tags: '{"team":"security","cost-center":"audit"}',
    scheduleHour: "6",
    logRetentionDays: "365",
  },
  "existing bucket, existing key": {
    ...ORG,
    existingBucket: "true",
    bucketName: "acme-audit-evidence",
    kmsKey: EXISTING_KEY,
    tags: '{"team":"platform"}',
  },
  "no KMS, no email, organization looked up": {},
  "separate storage account": {
    ...ORG,
    storageAccount: STORAGE_ROLE,
    kmsKey: "new",
    tags: '{"team":"security"}',
    securityHub: "true",
    acceptedRisksFile: "tests/fixtures/accepted-risks.yaml",
  },
  "OU-scoped": {
    ...ORG,
    organizationalUnitIds: '["ou-ab12-cdefgh12","ou-ab12-ijklmn34"]',
    excludeAccountIds: "111111111111, 222222222222",
    memberRoleName: "audit-credential-report",
    maxKeyAgeDays: "60",
  },
  "delegated administrator": { ...ORG, stackSetCallAs: "DELEGATED_ADMIN", managementAccountRole: MANAGEMENT_ROLE, memberRoleName: "audit-credential-report" },
  // Not an AWS Organizations delegated administrator: the roots are not listed to it, so the root is set.
  "delegated administrator, organization looked up": { organizationRootId: ORG.organizationRootId, stackSetCallAs: "DELEGATED_ADMIN", managementAccountRole: MANAGEMENT_ROLE },
};
