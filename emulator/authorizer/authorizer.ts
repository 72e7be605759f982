import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../policies/document";
import { accessDenied, type AwsError, errorAnswer, type HttpAnswer } from "./aws-answers";
import { limitRefusal } from "./aws-limits";
import { type AwsCall, describeCall } from "./aws-requests";
import { type Check, checksOf } from "./authorization-checks";
import { resolveEncryptionContext } from "./encryption-context";
import { type KnownOrganization, serviceRuleRefusal } from "./service-rules";

/** Who makes a request, as IAM evaluates it. */
export interface Principal {
  /** The caller: a user, or a role session (arn:aws:sts::<account>:assumed-role/<role>/<session>). */
  readonly arn: string;
  /** aws:PrincipalArn: the user, or the role behind the session. */
  readonly principalArn: string;
  readonly accountId: string;
  readonly identityPolicies: readonly PolicyDocument[];
  /** The session policy it assumed its role with, if any. */
  readonly sessionPolicy?: PolicyDocument;
  /** An AWS service acting as itself (events.amazonaws.com), not a role it took. */
  readonly service?: boolean;
}

/** A role that exists in an account: who may assume it, and what it may do. */
export interface Role {
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly policies: readonly PolicyDocument[];
}

/** Credentials the layer knows, as the SDK takes them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request the layer refused, and why: for tests to read, and for the closing notes of a run. */
export interface Refusal {
  readonly principal: string;
  readonly operation: string;
  /** The action and resource denied, or the limit passed. */
  readonly what: string;
  /** ExplicitlyDenied or ImplicitlyDenied and the policy kind that decided (identity, session, resource), or the limit's message. */
  readonly why: string;
  /** The Sids of the statements that denied, where one did. */
  readonly statements: readonly string[];
}

/** How an execution ended, as DescribeExecution says. */
export type ExecutionEnd = { status: "SUCCEEDED"; output: unknown } | { status: "FAILED" | "TIMED_OUT" | "ABORTED"; error: string; cause: string };

/** An execution the layer ran, as DescribeExecution describes it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  /** Seconds since the epoch, as the API answers. */
  readonly startDate: number;
  readonly stopDate?: number;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A call the layer saw and how it ended: what CloudTrail records of it. */
export interface CallRecord {
  readonly call: AwsCall;
  /** The caller, as CloudTrail's userIdentity.arn names it; undefined for an unknown access key. */
  readonly principal?: Principal;
  /** The HTTP status it was answered with, by the layer (a refusal) or by moto. */
  readonly status: number;
  /** The error code of a refusal by the layer. */
  readonly errorCode?: string;
}

/** A Step Functions state machine the layer runs itself (moto stores executions but never runs them). */
export interface StateMachineRunner {
  /** Starts an execution of the given name and input; resolves when it ends, or as soon as `stop` aborts it. */
  run(name: string, input: unknown, stop: AbortSignal): Promise<ExecutionEnd>;
  /** Hears every execution that ended, as Step Functions tells EventBridge and CloudWatch. */
  ended?(execution: ExecutionRecord): void;
}

export interface Authorizer {
  /** Where the SDK sends its calls: a loopback HTTP endpoint in front of the emulator. */
  readonly endpoint: string;
  /** Requests refused for a policy or a limit, since the last reset. */
  readonly refusals: readonly Refusal[];
  /** Requests the layer could not map to an action and a resource: each also failed. */
  readonly unjudged: readonly string[];
  /** An identity of the given account with these policies, signing with `accessKeyId` (an administrator, an operator). */
  addUser(accessKeyId: string, user: { readonly name: string; readonly accountId: string; readonly policies: readonly PolicyDocument[] }): Credentials;
  /** A role that exists: its trust decides who may assume it. */
  addRole(role: Role): void;
  /** Makes a role disappear (an account where the StackSet did not deploy, a role deleted by hand). */
  removeRole(roleArn: string): void;
  /**
   * The credentials an AWS service hands the code it runs with a role (Lambda for a function,
   * Step Functions for a state machine), after the role's trust is checked for that service.
   */
  serviceSession(roleArn: string, service: string, sessionName: string): Promise<Credentials>;
  setBucketPolicy(bucket: string, policy: PolicyDocument | undefined): void;
  /** The SSE-KMS key of a bucket: S3 uses it on the caller's behalf (kms:ViaService). */
  setBucketKey(bucket: string, key: { readonly keyArn: string; readonly bucketKey: boolean } | undefined): void;
  setTopicPolicy(topicArn: string, policy: PolicyDocument): void;
  /** The KMS key of an encrypted topic: SNS uses it for the publisher (kms:ViaService). */
  setTopicKey(topicArn: string, keyArn: string): void;
  setQueuePolicy(queueArn: string, policy: PolicyDocument): void;
  setKeyPolicy(keyArn: string, policy: PolicyDocument): void;
  /**
   * A notice an AWS service publishes as itself (EventBridge for a rule, CloudWatch for an alarm),
   * judged by the topic's policy and its key's, with the source's aws:SourceArn and
   * aws:SourceAccount, then handed to moto. Refused: recorded, and thrown.
   */
  publishAsService(service: string, source: { readonly arn: string; readonly account: string }, topicArn: string, message: string, subject?: string): Promise<void>;
  /** Hears every call once it is answered, refused or not, as CloudTrail records them. */
  watchCalls(listener: (record: CallRecord) => void): void;
  /** Serves StartExecution, StopExecution, DescribeExecution and ListExecutions for this state machine, by running it here. */
  serveStateMachine(stateMachineArn: string, runner: StateMachineRunner): void;
  /**
   * Answers an operation (`<service>:<Operation>`) that moto lacks or keeps elsewhere, once the
   * layer has allowed it; the handler's undefined passes the call on to moto.
   */
  serve(operation: string, handler: (call: AwsCall) => HttpAnswer | undefined): void;
  /** A KMS key's state (Enabled, Disabled, PendingDeletion): S3 and SNS cannot use a key that is not Enabled. */
  setKeyState(keyArn: string, state: string): void;
  /** The organization as the layer learned it from the calls it saw. */
  readonly organization: KnownOrganization;
  resetRefusals(): void;
  close(): Promise<void>;
}

/** The account moto gives any access key it did not hand out itself: the emulator's management account. */
export const EMULATOR_ACCOUNT = "123456789012";

const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "AdministratorAccess", Effect: "Allow", Action: "*", Resource: "*" }] };

/**
 * An authorizing layer in front of the emulator, which authorizes nothing itself: every request is
 * judged as AWS would judge it before it reaches moto. The caller comes from the signature's access
 * key (a user added here, or a role session it saw STS hand out); the action, resource and context
 * keys from the request (authorization-checks.ts); the decision from an IAM simulator over the
 * caller's identity policies, its session policy and the resource's policy (bucket, topic, key, a
 * role's trust), with S3's use of a bucket's KMS key judged as well. Requests past AWS's request
 * limits (aws-limits.ts) are refused as the service refuses them. A request it cannot map is
 * refused too, and listed: nothing is allowed unjudged.
 */
export async function startAuthorizer(upstream: string, options: { readonly administrators?: readonly string[] } = {}): Promise<Authorizer> {
  const target = new URL(upstream);
  const principals = new Map<string, Principal>();
  const roles = new Map<string, Role>();
  const bucketPolicies = new Map<string, PolicyDocument>();
  const bucketKeys = new Map<string, { keyArn: string; bucketKey: boolean }>();
  const bucketOwners = new Map<string, string>();
  const topicPolicies = new Map<string, PolicyDocument>();
  const topicKeys = new Map<string, string>();
  const queuePolicies = new Map<string, PolicyDocument>();
  const keyPolicies = new Map<string, PolicyDocument>();
  const stateMachines = new Map<string, StateMachineRunner>();
  const served = new Map<string, (call: AwsCall) => HttpAnswer | undefined>();
  const keyStates = new Map<string, string>();
  const executions = new Map<string, ExecutionRecord>();
  const stops = new Map<string, AbortController>();
  const closedAccounts = new Set<string>();
  const organization = { id: undefined as string | undefined, managementAccountId: undefined as string | undefined, accounts: new Set<string>(), trustedServices: new Set<string>(), delegatedAdministrators: new Map<string, Set<string>>() };
  let refusals: Refusal[] = [];
  const unjudged: string[] = [];
  const callListeners: ((record: CallRecord) => void)[] = [];
  const recorded = (call: AwsCall, principal: Principal | undefined, status: number, errorCode?: string) => {
    for (const listener of callListeners) listener({ call, ...(principal ? { principal } : {}), status, ...(errorCode ? { errorCode } : {}) });
  };

  const addUser: Authorizer["addUser"] = (accessKeyId, user) => {
    const arn = `arn:aws:iam::${user.accountId}:user/${user.name}`;
    principals.set(accessKeyId, { arn, principalArn: arn, accountId: user.accountId, identityPolicies: user.policies });
    return { accessKeyId, secretAccessKey: accessKeyId };
  };
  for (const key of options.administrators ?? []) addUser(key, { name: "administrator", accountId: EMULATOR_ACCOUNT, policies: [ADMINISTRATOR_ACCESS] });

  const accountOf = (arn: string): string | undefined => /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
  const orgOf = (account: string) => (organization.id && organization.accounts.has(account) ? organization.id : undefined);

  /** The resource's own policy for an action: a bucket's, a topic's, a key's, or a role's trust. */
  const resourcePolicyOf = (check: Check): { policy?: PolicyDocument; account?: string } => {
    const s3 = /^arn:[^:]+:s3:::([^/]+)/.exec(check.resource);
    if (s3) return { policy: bucketPolicies.get(s3[1]), account: bucketOwners.get(s3[1]) };
    if (check.action === "sts:AssumeRole") return { policy: roles.get(check.resource)?.trust, account: accountOf(check.resource) };
    if (check.resource.includes(":sns:")) return { policy: topicPolicies.get(check.resource), account: accountOf(check.resource) };
    if (check.resource.includes(":sqs:")) return { policy: queuePolicies.get(check.resource), account: accountOf(check.resource) };
    if (check.resource.includes(":kms:")) return { policy: keyPolicies.get(check.resource), account: accountOf(check.resource) };
    return { account: accountOf(check.resource) };
  };

  /** Whether the principal may make the check, as IAM decides, with the denying statements when not. */
  const decide = async (principal: Principal, check: Check): Promise<{ result: string; by: string; statements: string[] }> => {
    const found = resourcePolicyOf(check);
    const account = found.account;
    // The simulator drops kms:EncryptionContext:<key> from the request (it matches only "/"-style
    // variable keys): those conditions are decided here first, on the request's own values.
    const resolved = (doc: PolicyDocument | undefined) => doc && resolveEncryptionContext(doc, check.context);
    const policy = resolved(found.policy);
    const resourceAccount = account ?? principal.accountId;
    const principalOrg = orgOf(principal.accountId);
    const resourceOrg = orgOf(resourceAccount);
    const simulation: Simulation = {
      identityPolicies: principal.identityPolicies.map((p, i) => ({ name: `identity-${i}`, policy: resolved(p) })),
      ...(principal.sessionPolicy ? { sessionPolicy: resolved(principal.sessionPolicy) } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policy ? { resourcePolicy: policy } : {}),
      request: {
        principal: principal.arn,
        action: check.action,
        resource: { resource: check.resource, accountId: resourceAccount },
        contextVariables: {
          // The SDK speaks TLS to AWS; plain http here is the emulator's loopback, not the caller's choice.
          "aws:SecureTransport": "true",
          // A service acting as itself has a name, not an ARN or an account.
          ...(principal.service
            ? { "aws:PrincipalServiceName": principal.arn, "aws:PrincipalIsAWSService": "true" }
            : { "aws:PrincipalArn": principal.principalArn, "aws:PrincipalAccount": principal.accountId, "aws:PrincipalIsAWSService": "false" }),
          "aws:ResourceAccount": resourceAccount,
          ...(principalOrg ? { "aws:PrincipalOrgID": principalOrg } : {}),
          ...(resourceOrg ? { "aws:ResourceOrgID": resourceOrg } : {}),
          ...(check.context as Record<string, string | string[]>),
        },
      },
    };
    const answer = await runSimulation(simulation, {});
    if (answer.resultType === "error") throw new Error(`the IAM simulator could not judge ${check.action} on ${check.resource}: ${answer.errors.message}`);
    // A resource with a wildcard (every user of an account) is judged for each resource type it may be.
    if (answer.resultType !== "single") return { result: answer.overallResult, by: "identity", statements: [] };
    type Part = { result?: string; denyStatements?: { statement: { sid?: () => string | undefined } }[] } | undefined;
    const parts: Record<string, Part> = { session: analysis(answer, "sessionAnalysis"), identity: analysis(answer, "identityAnalysis"), resource: analysis(answer, "resourceAnalysis") };
    // Which policy decided: the one that denies explicitly, else the session policy or the identity policies that allow nothing.
    const denying = Object.entries(parts).find(([, part]) => part?.result === "ExplicitlyDenied");
    const by = denying?.[0] ?? (parts.session && parts.session.result !== "Allowed" ? "session" : parts.identity?.result !== "Allowed" ? "identity" : "resource");
    const statements = Object.values(parts).flatMap((part) => (part?.denyStatements ?? []).map((d) => d.statement.sid?.() ?? "(no Sid)"));
    return { result: answer.overallResult, by, statements };
  };

  /**
   * S3 uses a bucket's KMS key as the caller (kms:ViaService): a write needs a data key (each part
   * of a multipart upload too), a read Decrypt, and so does completing a multipart upload, which
   * reads its parts back (S3 API Reference, CreateMultipartUpload, "Permissions"); a copy also
   * decrypts its source. SNS, a topic's key for its publisher: both.
   */
  const keyChecks = (call: AwsCall): Check[] => {
    const topicKey = call.operation === "Publish" ? topicKeys.get(String(call.params.TopicArn ?? call.params.TargetArn)) : undefined;
    if (topicKey) return topicKeyChecks(topicKey, { "kms:ViaService": `sns.${call.region}.amazonaws.com` });
    const objectKeyCheck = (action: string, bucket: string | undefined, key: string | undefined): Check[] => {
      const encryption = bucket ? bucketKeys.get(bucket) : undefined;
      if (!encryption || !key) return [];
      const context = { "kms:ViaService": `s3.${call.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": encryption.bucketKey ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}` };
      return [{ action, resource: encryption.keyArn, context }];
    };
    const { bucket, key } = call.s3 ?? {};
    const writes = ["PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy"].includes(call.operation);
    const reads = ["GetObject", "CompleteMultipartUpload"].includes(call.operation);
    const source = /^\/?([^/?]+)\/([^?]+)/.exec(decodeURIComponent(String(call.headers["x-amz-copy-source"] ?? "")));
    return [
      ...(writes ? objectKeyCheck("kms:GenerateDataKey", bucket, key) : reads ? objectKeyCheck("kms:Decrypt", bucket, key) : []),
      ...(source ? objectKeyCheck("kms:Decrypt", source[1], source[2]) : []),
    ];
  };

  const topicKeyChecks = (keyArn: string, context: Check["context"]): Check[] => ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({ action, resource: keyArn, context }));

  const refuse = (principal: string, call: AwsCall, what: string, why: string, statements: string[], error: AwsError): HttpAnswer => {
    refusals.push({ principal, operation: `${call.service}:${call.operation}`, what, why, statements });
    return errorAnswer(call.service, error, { head: call.operation.startsWith("Head") });
  };

  /** The layer's verdict on a call: an answer of its own (refused, or served here), or undefined to pass it on. */
  const judge = async (call: AwsCall): Promise<HttpAnswer | undefined> => {
    const principal = call.accessKeyId ? principals.get(call.accessKeyId) : undefined;
    if (!principal) {
      const code = call.service === "s3" ? "InvalidAccessKeyId" : "InvalidClientTokenId";
      return refuse(call.accessKeyId ?? "(unsigned)", call, "authentication", "unknown access key", [], { status: 403, code, message: "The security token included in the request is invalid." });
    }
    const limit = limitRefusal(call);
    if (limit) return refuse(principal.arn, call, `${call.service}:${call.operation}`, limit.message, [], limit);
    const checks = checksOf(call, { partition: "aws", callerAccount: principal.accountId, organizationId: organization.id, managementAccountId: organization.managementAccountId });
    if (!checks) {
      unjudged.push(`${call.service}:${call.operation}`);
      return refuse(principal.arn, call, `${call.service}:${call.operation}`, "not known to the authorizing layer", [], { status: 400, code: "UnjudgedRequest", message: `the emulator's authorizing layer cannot judge ${call.service}:${call.operation}` });
    }
    for (const check of [...checks, ...keyChecks(call)]) {
      if (check.action === "sts:AssumeRole" && !roles.has(check.resource)) {
        // STS cannot tell a missing role from one that does not trust the caller.
        return refuse(principal.arn, call, `sts:AssumeRole on ${check.resource}`, "no such role", [], accessDenied("sts", notAuthorized(principal.arn, check, "")));
      }
      if (check.action === "sts:AssumeRole" && closedAccounts.has(accountOf(check.resource) ?? "")) {
        return refuse(principal.arn, call, `sts:AssumeRole on ${check.resource}`, "the account is closed", [], accessDenied("sts", notAuthorized(principal.arn, check, "")));
      }
      const decision = await decide(principal, check);
      if (decision.result !== "Allowed") {
        const reason = decision.result === "ExplicitlyDenied" ? ` with an explicit deny in a ${policyKind(decision.by)}` : ` because no ${policyKind(decision.by)} allows the ${check.action} action`;
        const error = check.action.startsWith("kms:") && call.service === "s3" ? accessDenied("s3", notAuthorized(principal.arn, check, reason)) : accessDenied(call.service, notAuthorized(principal.arn, check, reason));
        return refuse(principal.arn, call, `${check.action} on ${check.resource}`, `${decision.result} by the ${decision.by} policy`, decision.statements, error);
      }
      const unusable = check.action.startsWith("kms:") && call.service !== "kms" ? keyStateRefusal(call.service, check.resource, keyStates.get(check.resource)) : undefined;
      if (unusable) return refuse(principal.arn, call, `${check.action} on ${check.resource}`, unusable.message, [], unusable);
    }
    const ruled = serviceRuleRefusal(call, principal.accountId, organization);
    if (ruled) return refuse(principal.arn, call, `${call.service}:${call.operation}`, ruled.message, [], ruled);
    if (call.service === "states") return serveExecution(call);
    if (call.service === "s3" && call.operation.endsWith("BucketPolicy")) return serveBucketPolicy(call);
    return served.get(`${call.service}:${call.operation}`)?.(call);
  };

  /**
   * Bucket policies live here, where they are evaluated: moto 5.2.1 applies a bucket policy's
   * Deny statements without their conditions, which would refuse what AWS allows.
   */
  const serveBucketPolicy = (call: AwsCall): HttpAnswer => {
    const bucket = call.s3?.bucket ?? "";
    if (call.operation === "PutBucketPolicy") {
      bucketPolicies.set(bucket, JSON.parse(call.body.toString()) as PolicyDocument);
      return { status: 204, headers: {} };
    }
    if (call.operation === "DeleteBucketPolicy") {
      bucketPolicies.delete(bucket);
      return { status: 204, headers: {} };
    }
    const policy = bucketPolicies.get(bucket);
    if (!policy) return errorAnswer("s3", { status: 404, code: "NoSuchBucketPolicy", message: "The bucket policy does not exist" });
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(policy) };
  };

  /** StartExecution, StopExecution and DescribeExecution of a state machine run here; any other passes on to moto. */
  const serveExecution = (call: AwsCall): HttpAnswer | undefined => {
    const json = (body: unknown): HttpAnswer => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(body) });
    if (call.operation === "StartExecution") {
      const stateMachineArn = String(call.params.stateMachineArn);
      const runner = stateMachines.get(stateMachineArn);
      if (!runner) return undefined;
      const name = String(call.params.name ?? `execution-${randomBytes(6).toString("hex")}`);
      const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
      if (executions.has(executionArn)) return errorAnswer("states", { status: 400, code: "ExecutionAlreadyExists", message: `Execution Already Exists: '${executionArn}'` });
      const startDate = Date.now() / 1000;
      const input = String(call.params.input ?? "{}");
      executions.set(executionArn, { executionArn, stateMachineArn, name, status: "RUNNING", startDate, input });
      const stop = new AbortController();
      stops.set(executionArn, stop);
      const end = (ended: ExecutionEnd) => {
        const { status, ...rest } = ended;
        const record: ExecutionRecord = {
          ...executions.get(executionArn)!,
          status,
          stopDate: Date.now() / 1000,
          ...("output" in rest ? { output: JSON.stringify(rest.output) } : rest),
        };
        executions.set(executionArn, record);
        stops.delete(executionArn);
        runner.ended?.(record);
      };
      runner.run(name, JSON.parse(input), stop.signal).then(end, (err: unknown) => end({ status: "FAILED", error: "States.Runtime", cause: String(err) }));
      return json({ executionArn, startDate });
    }
    if (call.operation === "StopExecution") {
      const stop = stops.get(String(call.params.executionArn));
      if (!stop) return executions.has(String(call.params.executionArn)) ? json({ stopDate: Date.now() / 1000 }) : undefined;
      stop.abort(new Error(String(call.params.cause ?? "")));
      return json({ stopDate: Date.now() / 1000 });
    }
    if (call.operation === "DescribeExecution") {
      const execution = executions.get(String(call.params.executionArn));
      return execution ? json(execution) : undefined;
    }
    if (call.operation === "ListExecutions" && stateMachines.has(String(call.params.stateMachineArn))) {
      // Newest first, as Step Functions lists them; one page of at most maxResults (100 by default).
      const listed = [...executions.values()]
        .filter((e) => e.stateMachineArn === call.params.stateMachineArn && (!call.params.statusFilter || e.status === call.params.statusFilter))
        .sort((a, b) => b.startDate - a.startDate)
        .slice(0, Number(call.params.maxResults) || 100)
        .map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn, name, status, startDate, ...(stopDate ? { stopDate } : {}) }));
      return json({ executions: listed });
    }
    return undefined;
  };

  const publishAsService: Authorizer["publishAsService"] = async (service, source, topicArn, message, subject) => {
    const principal: Principal = { arn: service, principalArn: service, accountId: source.account, identityPolicies: [], service: true };
    const context = { "aws:SourceArn": source.arn, "aws:SourceAccount": source.account };
    const key = topicKeys.get(topicArn);
    // A service's notice meets SNS's limits too: EventBridge's and CloudWatch's deliveries fail past them.
    const params = { TopicArn: topicArn, Message: message, ...(subject ? { Subject: subject } : {}) };
    const limit = limitRefusal({ service: "sns", operation: "Publish", region: topicArn.split(":")[3], params, headers: {}, body: Buffer.from(JSON.stringify(params)) });
    if (limit) {
      refusals.push({ principal: service, operation: "sns:Publish", what: "sns:Publish", why: limit.message, statements: [] });
      throw new Error(`${service} may not publish to ${topicArn}: ${limit.message}`);
    }
    for (const check of [{ action: "sns:Publish", resource: topicArn, context }, ...(key ? topicKeyChecks(key, context) : [])]) {
      const decision = await decide(principal, check);
      if (decision.result !== "Allowed") {
        refusals.push({ principal: service, operation: "sns:Publish", what: `${check.action} on ${check.resource}`, why: `${decision.result} by the ${decision.by} policy`, statements: decision.statements });
        throw new Error(`${service} may not publish to ${topicArn}: ${check.action} on ${check.resource} ${decision.result}`);
      }
    }
    // The service's own delivery, handed to moto as its administrator.
    const administrator = options.administrators?.[0] ?? "testing";
    const sns = new SNSClient({ endpoint: upstream, region: topicArn.split(":")[3], credentials: { accessKeyId: administrator, secretAccessKey: administrator } });
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: message, ...(subject ? { Subject: subject } : {}) }));
  };

  /** What the layer learns from moto's answers: sessions STS hands out, buckets' owners, the organization. */
  const learn = (call: AwsCall, principal: Principal | undefined, status: number, answer: string): void => {
    if (status >= 300 || !principal) return;
    if (call.operation === "AssumeRole") {
      const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer)?.[1];
      const roleArn = String(call.params.RoleArn);
      const role = roles.get(roleArn);
      if (!accessKeyId || !role) return;
      const roleName = roleArn.split("/").pop();
      principals.set(accessKeyId, {
        arn: `arn:aws:sts::${accountOf(roleArn)}:assumed-role/${roleName}/${call.params.RoleSessionName}`,
        principalArn: roleArn,
        accountId: accountOf(roleArn) ?? "",
        identityPolicies: role.policies,
        ...(call.params.Policy ? { sessionPolicy: JSON.parse(String(call.params.Policy)) as PolicyDocument } : {}),
      });
    } else if (call.operation === "CreateBucket" && call.s3?.bucket) {
      bucketOwners.set(call.s3.bucket, principal.accountId);
    } else if (call.operation === "CreateOrganization") {
      organization.id = /"Id"\s*:\s*"(o-[a-z0-9]+)"/.exec(answer)?.[1];
      organization.managementAccountId = principal.accountId;
      organization.accounts.add(principal.accountId);
    } else if (call.operation === "CreateAccount") {
      const account = /"AccountId"\s*:\s*"(\d{12})"/.exec(answer)?.[1];
      if (!account) return;
      organization.accounts.add(account);
      // Organizations makes this role in every account it creates, trusting the management account.
      roles.set(`arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, {
        arn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
        trust: { Version: "2012-10-17", Statement: [{ Sid: "TrustManagementAccount", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${principal.accountId}:root` }, Action: "sts:AssumeRole" }] },
        policies: [ADMINISTRATOR_ACCESS],
      });
    } else if (call.operation === "CloseAccount") {
      closedAccounts.add(String(call.params.AccountId));
    } else if (call.operation === "EnableAWSServiceAccess") {
      organization.trustedServices.add(String(call.params.ServicePrincipal));
    } else if (call.operation === "DisableAWSServiceAccess") {
      organization.trustedServices.delete(String(call.params.ServicePrincipal));
    } else if (call.operation === "RegisterDelegatedAdministrator" || call.operation === "DeregisterDelegatedAdministrator") {
      const service = String(call.params.ServicePrincipal);
      const accounts = organization.delegatedAdministrators.get(service) ?? new Set<string>();
      if (call.operation === "RegisterDelegatedAdministrator") accounts.add(String(call.params.AccountId));
      else accounts.delete(String(call.params.AccountId));
      organization.delegatedAdministrators.set(service, accounts);
    }
  };

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      // The emulator's own control plane (seeding dates, reading what SNS accepted) is no AWS API.
      if ((incoming.url ?? "").startsWith("/moto-api/")) return forward(target, incoming, body, outgoing, () => undefined);
      const call = describeCall({ method: incoming.method ?? "GET", url: incoming.url ?? "/", headers: incoming.headers, body });
      judge(call).then(
        (answer) => {
          const principal = call.accessKeyId ? principals.get(call.accessKeyId) : undefined;
          if (answer) {
            recorded(call, principal, answer.status, answer.errorCode);
            return send(outgoing, answer);
          }
          forward(target, incoming, body, outgoing, (status, text) => {
            learn(call, principal, status, text);
            recorded(call, principal, status);
          });
        },
        (err: unknown) => send(outgoing, errorAnswer(call.service, { status: 500, code: "InternalFailure", message: `the authorizing layer failed: ${(err as Error).message}` })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get refusals() {
      return refusals;
    },
    get unjudged() {
      return unjudged;
    },
    organization,
    addUser,
    addRole: (role) => roles.set(role.arn, role),
    removeRole: (roleArn) => roles.delete(roleArn),
    serviceSession: async (roleArn, service, sessionName) => {
      const role = roles.get(roleArn);
      if (!role) throw new Error(`${service} cannot take ${roleArn}: no such role`);
      const account = accountOf(roleArn) ?? "";
      const servicePrincipal = { arn: service, principalArn: service, accountId: account, identityPolicies: [], service: true };
      // The service acts for this account: aws:SourceAccount, the confused-deputy guard the trusts use.
      const decision = await decide(servicePrincipal, { action: "sts:AssumeRole", resource: roleArn, context: { "aws:SourceAccount": account } });
      if (decision.result !== "Allowed") throw new Error(`${service} cannot take ${roleArn}: its trust policy does not allow it (${decision.result})`);
      const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
      principals.set(accessKeyId, { arn: `arn:aws:sts::${account}:assumed-role/${roleArn.split("/").pop()}/${sessionName}`, principalArn: roleArn, accountId: account, identityPolicies: role.policies });
      return { accessKeyId, secretAccessKey: accessKeyId, sessionToken: accessKeyId };
    },
    setBucketPolicy: (bucket, policy) => (policy ? bucketPolicies.set(bucket, policy) : bucketPolicies.delete(bucket)),
    setBucketKey: (bucket, key) => (key ? bucketKeys.set(bucket, { ...key }) : bucketKeys.delete(bucket)),
    setTopicPolicy: (topicArn, policy) => topicPolicies.set(topicArn, policy),
    setTopicKey: (topicArn, keyArn) => topicKeys.set(topicArn, keyArn),
    setQueuePolicy: (queueArn, policy) => queuePolicies.set(queueArn, policy),
    publishAsService,
    setKeyPolicy: (keyArn, policy) => keyPolicies.set(keyArn, policy),
    serveStateMachine: (arn, runner) => stateMachines.set(arn, runner),
    serve: (operation, handler) => void served.set(operation, handler),
    setKeyState: (keyArn, state) => void keyStates.set(keyArn, state),
    watchCalls: (listener) => void callListeners.push(listener),
    // Only the refusals: a request the layer could not judge stays listed for stop() to name.
    resetRefusals: () => {
      refusals = [];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One policy kind's part of the simulator's analysis of a single resource. */
function analysis(answer: Awaited<ReturnType<typeof runSimulation>>, part: string): any {
  return answer.resultType === "single" ? (answer.result.analysis as unknown as Record<string, unknown>)[part] : undefined;
}

function policyKind(by: string): string {
  return { identity: "identity-based policy", resource: "resource-based policy", session: "session policy", permissionBoundary: "permissions boundary" }[by] ?? `${by} policy`;
}

/**
 * A service's answer when the KMS key it must use is not Enabled: S3 says KMS.DisabledException or
 * KMS.KMSInvalidStateException (400), SNS KMSDisabled or KMSInvalidState (AWS KMS Developer Guide,
 * "Key states of AWS KMS keys": a disabled or pending-deletion key is usable by no one).
 */
function keyStateRefusal(service: string, keyArn: string, state = "Enabled"): AwsError | undefined {
  if (state === "Enabled") return undefined;
  const disabled = state === "Disabled";
  const code = service === "s3" ? (disabled ? "KMS.DisabledException" : "KMS.KMSInvalidStateException") : disabled ? "KMSDisabled" : "KMSInvalidState";
  return { status: 400, code, message: `${keyArn} is ${disabled ? "disabled" : "pending deletion"}.` };
}

/** AWS's wording of a denial. */
function notAuthorized(principal: string, check: Check, reason: string): string {
  return `User: ${principal} is not authorized to perform: ${check.action} on resource: ${check.resource}${reason}`;
}

function send(outgoing: ServerResponse, answer: HttpAnswer): void {
  outgoing.writeHead(answer.status, answer.headers);
  outgoing.end(answer.body);
}

function forward(target: URL, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse, onAnswer: (status: number, text: string) => void): void {
  const forwarded = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
    const parts: Buffer[] = [];
    response.on("data", (chunk: Buffer) => parts.push(chunk));
    response.on("end", () => {
      const answer = Buffer.concat(parts);
      onAnswer(response.statusCode ?? 502, answer.toString());
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      outgoing.end(answer);
    });
  });
  forwarded.on("error", (err) => send(outgoing, { status: 502, headers: {}, body: String(err) }));
  forwarded.end(body);
}
