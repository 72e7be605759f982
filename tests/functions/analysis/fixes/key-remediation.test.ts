import { expect } from "chai";
import type { StoredFinding } from "../../../../functions/analysis/changes";
import { keysToDeactivate, remediationMode, type RemediationSettings } from "../../../../functions/analysis/fixes/key-remediation";
import { actionNote } from "../../../../functions/analysis/security-hub-findings";

const ON: RemediationSettings = { enabled: true, dryRun: false, unusedDays: 90, noticeDays: 7 };
const start = new Date("2026-12-08T08:00:00Z");

/** A credential-unused finding of an access key, unused `days`, first seen `openDays` before the run. */
function unusedKey(user: string, days: number, openDays: number, more: Partial<StoredFinding> = {}): StoredFinding {
  return {
    id: `111122223333/${user}/credential-unused/access_key_1`,
    checkId: "credential-unused",
    severity: "medium",
    cisControl: "1.12",
    accountId: "111122223333",
    user,
    credential: "access_key_1",
    evidence: { access_key_1_active: "true", access_key_1_last_rotated: "2025-01-01T00:00:00+00:00", days_unused: String(days) },
    message: `${user} has an active access key unused`,
    firstSeenAt: new Date(start.getTime() - openDays * 86_400_000).toISOString(),
    ...more,
  };
}

describe("keysToDeactivate", () => {
  it("takes a key past the threshold whose finding has been open the notice, with the report's creation time to find it by", () => {
    const { due, scheduled } = keysToDeactivate([unusedKey("deploy-bot", 200, 8)], start, ON);
    expect(due.map((d) => [d.finding.user, d.daysUnused, d.createdAt])).to.deep.equal([["deploy-bot", 200, "2025-01-01T00:00:00+00:00"]]);
    expect(scheduled).to.deep.equal([]);
  });

  it("schedules a key whose notice still runs, for the day it ends", () => {
    const { due, scheduled } = keysToDeactivate([unusedKey("deploy-bot", 200, 2)], start, ON);
    expect(due).to.deep.equal([]);
    expect(scheduled).to.deep.equal([{ findingId: "111122223333/deploy-bot/credential-unused/access_key_1", accountId: "111122223333", user: "deploy-bot", credential: "access_key_1", daysUnused: 200, dueOn: "2026-12-13" }]);
  });

  it("keeps the due day the run before told the owners, and gives a key whose acceptance just ended a notice of its own", () => {
    const key = unusedKey("deploy-bot", 200, 30);
    expect(keysToDeactivate([key], start, ON, { scheduled: [{ findingId: key.id, dueOn: "2026-12-09" }] }).scheduled.map((s) => s.dueOn)).to.deep.equal(["2026-12-09"]);
    expect(keysToDeactivate([key], start, ON, { scheduled: [{ findingId: key.id, dueOn: "2026-12-08" }] }).due).to.have.length(1);
    // Open 30 days, but covered by a rule until this run: its notice starts now.
    expect(keysToDeactivate([key], start, ON, { acceptedIds: [key.id] }).scheduled.map((s) => s.dueOn)).to.deep.equal(["2026-12-15"]);
  });

  it("never takes a key under the threshold, an accepted or break-glass one, a password, the root user's, or anything when off", () => {
    const accepted = { check: "credential-unused" as const, account: "*", user: "glass", reason: "r", owner: "o@example.com", expires: "2099-12-31" };
    const findings = [
      unusedKey("ci-runner", 60, 30),
      unusedKey("glass", 300, 30, { acceptedRisk: accepted }),
      unusedKey("console", 300, 30, { credential: "password", id: "111122223333/console/credential-unused/password" }),
      unusedKey("<root_account>", 300, 30),
      { ...unusedKey("old", 300, 30), checkId: "access-key-old" as const },
    ];
    expect(keysToDeactivate(findings, start, ON)).to.deep.equal({ due: [], scheduled: [] });
    expect(keysToDeactivate([unusedKey("deploy-bot", 200, 30)], start, { ...ON, enabled: false })).to.deep.equal({ due: [], scheduled: [] });
  });

  it("names the rights each setting needs", () => {
    expect([undefined, { ...ON, enabled: false }, { ...ON, dryRun: true }, ON].map(remediationMode)).to.deep.equal(["off", "off", "dry-run", "on"]);
  });

  it("says in Security Hub what was done and how to undo it, within a product field's 2,048 characters", () => {
    const note = actionNote({
      findingId: "f",
      accountId: "111122223333",
      user: "deploy-bot",
      credential: "access_key_1",
      outcome: "deactivated",
      at: "2026-12-08T08:01:00.000Z",
      daysUnused: 200,
      openSince: "2026-12-01T08:00:00.000Z",
      accessKeyId: "AKIAEXAMPLE",
      undo: "aws iam update-access-key --user-name deploy-bot --access-key-id AKIAEXAMPLE --status Active  # in account 111122223333",
    });
    expect(note).to.equal(
      "Deactivated by the credential report pipeline on 2026-12-08T08:01:00.000Z (key AKIAEXAMPLE, unused 200 days, open since 2026-12-01T08:00:00.000Z). Undo: aws iam update-access-key --user-name deploy-bot --access-key-id AKIAEXAMPLE --status Active  # in account 111122223333",
    );
  });
});
