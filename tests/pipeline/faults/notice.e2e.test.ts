import { expect } from "chai";
import { awsClients, type AwsClients } from "../../../local/aws-clients";
import { type DemoOrganization, DEMO_SPEC, seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { runLocally } from "../../../local/runner";
import { exitStatusOf } from "../../../cli/exit-status";
import { DEFAULT_SETTINGS } from "../../../functions/run/settings";
import { SNS_SUBJECT_MAX_CHARACTERS } from "../../../functions/summarize/run-notice";
import { emulatorTarget, publishedMessages, stackRunOptions } from "../../helpers/emulator-data";
import { deployStack, type Deployment } from "../../../emulator/deploy";
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from "../../helpers/fault-proxy";

/** GetCredentialReport's answer, in IAM's query protocol, with a report that is no CSV IAM would write. */
function garbledReport(): { status: number; body: string } {
  const content = Buffer.from("this is not a credential report\n\u0000\u0001").toString("base64");
  return {
    status: 200,
    body:
      `<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult>` +
      `<Content>${content}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${new Date().toISOString()}</GeneratedTime>` +
      `</GetCredentialReportResult><ResponseMetadata><RequestId>fault-proxy</RequestId></ResponseMetadata></GetCredentialReportResponse>`,
  };
}

// The day several things go wrong at once, the team hears all of it: one notice that SNS accepts
// (moto refuses a subject of 100 characters or more, as SNS does), every reason in its body.
describe("a run with every reason to send at once (moto behind a fault-injecting proxy)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let direct: AwsClients;
  let org: DemoOrganization;
  let deployment: Deployment;

  before(async () => {
    emulator = await startEmulator();
    direct = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(direct, DEMO_SPEC);
    // Remediation on, with no notice period, and every account owned: keys are deactivated and owners
    // hear in the same run, so the summary has every reason and owners' messages go with it.
    deployment = await deployStack(emulator, org, {
      securityHub: "true",
      remediation: "on",
      remediationNoticeDays: "0",
      remediationUnusedDays: "45",
      ownerSources: "file",
      owners: JSON.stringify({ owners: [{ ou: "", to: ["cloud-platform@example.com"] }] }),
    });
    proxy = await startFaultProxy(emulator.endpoint, { defaultAccount: org.managementAccountId });
  });

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  it("stores its manifest and sends one notice within SNS's limits, naming every reason, and owners' messages SNS accepts", async () => {
    const [failing, refusing, garbled, noHub] = org.members.filter((m) => !m.suspended).map((m) => m.id);
    proxy.addRule(assumeRoleDenied(failing));
    // A member role of 0.3.0 during a StackSet rollout: none of the three reads beside the report.
    for (const action of ["GetAccountSummary", "ListVirtualMFADevices", "GetAccountPasswordPolicy"]) {
      proxy.addRule({ service: "iam", action, account: refusing, fault: { status: 403, code: "AccessDenied", message: `not authorized to perform: iam:${action}` } });
    }
    proxy.addRule({ service: "iam", action: "GetCredentialReport", account: garbled, fault: { respond: garbledReport } });
    proxy.addRule({ service: "securityhub", action: "BatchImportFindings", account: noHub, fault: { status: 403, code: "InvalidAccessException", message: "Account is not subscribed to AWS Security Hub" } });

    const result = await runLocally(
      await stackRunOptions(deployment, proxy.endpoint, { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 4 }, runId: "every-reason" }),
    );

    expect(result.status, result.status === "failed" ? result.error : "").to.equal("succeeded");
    expect(exitStatusOf(result)).to.equal(1);
    if (result.status !== "succeeded") return;
    expect(result.summary.counts).to.include({ failed: 1, skipped: 1 });
    expect(result.summary.manifestKey).to.match(/manifest\.json$/);
    // Every owner message was accepted: the layer refuses one past SNS's limits, and Summarize counts it failed.
    expect(result.summary.ownerMessages).to.deep.equal({ sent: 1, failed: 0 });
    expect(emulator.authorizer!.refusals.filter((r) => r.operation === "sns:Publish")).to.deep.equal([]);
    const published = (await publishedMessages(emulator.endpoint)).filter((m) => m.message.includes("every-reason"));
    const notices = published.filter((m) => m.message.includes("Sent because: "));
    expect(notices).to.have.length(1);
    expect(published.filter((m) => /: your \d+ account\(s\)/.test(m.message))).to.have.length(1);
    const [{ subject, message }] = notices;
    expect(subject.length, subject).to.be.at.most(SNS_SUBJECT_MAX_CHARACTERS);
    expect(subject).to.match(/^IAM credential report: 1 account\(s\) failed, 1 report\(s\) unreadable.* and \d more$/);
    const reasons = /^Sent because: (.*)\.$/m.exec(message)?.[1].split("; ");
    expect(reasons?.map((r) => r.replace(/\d+/g, "N"))).to.deep.equal([
      "N account(s) failed",
      "N report(s) unreadable",
      "N new critical or high finding(s)",
      "checks not evaluated in N account(s)",
      "Security Hub import incomplete",
      "N access key(s) deactivated",
    ]);
    for (const account of [failing, garbled, noHub]) expect(message).to.contain(account);
  });
});
