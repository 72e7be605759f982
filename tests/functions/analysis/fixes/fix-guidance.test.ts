import { expect } from "chai";
import { ASFF_RECOMMENDATION_MAX, remediationOf, remediationText } from "../../../../functions/analysis/fixes/fix-guidance";

const LONG_NAME = "platform-deploy-role"; // 20 characters, IAM allows 64
const consoleWithoutMfa = (user: string) => remediationOf({ checkId: "console-without-mfa", accountId: "111111111111", user });

describe("how to fix a finding (fix-guidance.ts)", () => {
  it("gives MFA enrolment first for a console user without MFA, in the console and the CLI; removing the password only for who needs no console", () => {
    const fix = consoleWithoutMfa("alice");
    expect(fix.console.indexOf("Assign MFA device")).to.be.below(fix.console.indexOf("Console access > Disable"));
    expect(fix.console).to.match(/Only for a user who needs no console: Console access > Disable\.$/);
    expect(fix.cli.indexOf("create-virtual-mfa-device")).to.be.below(fix.cli.indexOf("enable-mfa-device"));
    expect(fix.cli.indexOf("enable-mfa-device")).to.be.below(fix.cli.indexOf("delete-login-profile"));
  });

  it("keeps whole commands within Security Hub's 512 characters: a step that does not fit is left out, never cut", () => {
    const fix = consoleWithoutMfa(LONG_NAME);
    expect(remediationText(fix).length, "the whole text").to.be.above(ASFF_RECOMMENDATION_MAX);

    const text = remediationText(fix, ASFF_RECOMMENDATION_MAX);

    expect(text.length).to.be.at.most(ASFF_RECOMMENDATION_MAX);
    // The explanation, then the enrolment whole; the alternative is on the finding's Url page.
    expect(text).to.equal(`${fix.means} Fix: ${fix.cli.split("   ")[0]}`);
    expect(text).to.match(/--authentication-code1 <code> --authentication-code2 <next code>$/);
  });

  it("leaves out the explanation before a step when even the first step does not fit with it (an owner's message gives 400)", () => {
    const text = remediationText(consoleWithoutMfa(LONG_NAME), 400);

    expect(text.length).to.be.at.most(400);
    expect(text).to.match(/^Fix: aws iam create-virtual-mfa-device /);
    expect(text).to.match(/--authentication-code2 <next code>$/);
  });

  it("points to the URL for a step left out where there is room for it", () => {
    const fix = consoleWithoutMfa("alice");
    const room = `${fix.means} Fix: ${fix.cli.split("   ")[0]}   More: ${fix.url}`.length;
    expect(remediationText(fix, room)).to.equal(`${fix.means} Fix: ${fix.cli.split("   ")[0]}   More: ${fix.url}`);
  });

  it("gives the whole text where there is room: the CSV", () => {
    const fix = consoleWithoutMfa(LONG_NAME);
    expect(remediationText(fix)).to.equal(`${fix.means} Fix: ${fix.cli}`);
  });
});
