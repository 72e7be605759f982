import { expect } from "chai";
import { type NoticeReasons, noticeReasons, noticeReasonsLine, noticeSubject, SNS_SUBJECT_MAX_CHARACTERS } from "../../../functions/summarize/run-notice";

/** Every combination of the seven reasons, with counts as large as a big organization's. */
function everyCombination(): NoticeReasons[] {
  return Array.from({ length: 128 }, (_, bits) => ({
    failedAccounts: bits & 1 ? 12_345 : 0,
    unreadableReports: bits & 2 ? 9_999 : 0,
    newUrgentFindings: bits & 4 ? 1_234_567 : 0,
    notEvaluatedAccounts: bits & 8 ? 50_000 : 0,
    analysisFailed: (bits & 16) !== 0,
    securityHubIncomplete: (bits & 32) !== 0,
    keysDeactivated: bits & 64 ? 25_000 : 0,
  }));
}

describe("the run summary's subject and reasons", () => {
  it("covers every reason a notice can be sent for", () => {
    // Every field of NoticeReasons is required, so a new reason fails to compile above until it has its bit.
    const all = everyCombination()[127];
    expect(Object.keys(all)).to.have.length(7);
    expect(noticeReasons(all)).to.have.length(7);
  });

  it("keeps every subject within SNS's rules, whatever the reasons: under 100 characters, ASCII, one line", () => {
    for (const combination of everyCombination().slice(1)) {
      const subject = noticeSubject(noticeReasons(combination));
      expect(subject.length, subject).to.be.at.most(SNS_SUBJECT_MAX_CHARACTERS);
      expect(subject, JSON.stringify(combination)).to.match(/^IAM credential report: [\x20-\x7e]+$/);
    }
  });

  it("names every reason in the body, and in the subject those that fit, the rest counted", () => {
    for (const combination of everyCombination().slice(1)) {
      const reasons = noticeReasons(combination);
      const subject = noticeSubject(reasons);
      for (const reason of reasons) expect(noticeReasonsLine(reasons)).to.contain(reason);
      const shown = reasons.filter((reason) => subject.includes(reason));
      expect(shown, subject).to.deep.equal(reasons.slice(0, shown.length));
      expect(shown.length, subject).to.be.greaterThan(0);
      if (shown.length < reasons.length) expect(subject).to.match(new RegExp(` and ${reasons.length - shown.length} more$`));
    }
  });

  it("sends nothing when there is no reason, and words one reason alone", () => {
    expect(noticeReasons(everyCombination()[0])).to.deep.equal([]);
    expect(noticeSubject(noticeReasons({ ...everyCombination()[0], failedAccounts: 1 }))).to.equal("IAM credential report: 1 account(s) failed");
  });

  it("once sent a subject of 115 characters for three reasons, which SNS refuses", () => {
    // The 0.4.0 subject joined them all: one failed account, new findings and an account not evaluated.
    const reasons = noticeReasons({ failedAccounts: 1, unreadableReports: 0, newUrgentFindings: 8, notEvaluatedAccounts: 1, analysisFailed: false, securityHubIncomplete: false, keysDeactivated: 0 });
    expect(`IAM credential report: ${reasons.join(", ")}`).to.have.length(115);
    expect(noticeSubject(reasons)).to.equal("IAM credential report: 1 account(s) failed, 8 new critical or high finding(s) and 1 more");
  });
});
