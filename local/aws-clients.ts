import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { AccountClient } from "@aws-sdk/client-account";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import type { TemporaryCredentials } from "../functions/aws/member-credentials";
import { QUIET_SDK_LOGGER, SDK_RETRIES } from "../functions/aws/sdk-retries";
import { EndpointHealth, type WatchableClient } from "./endpoint-health";

/** Where the local tools send their AWS calls. */
export interface AwsTarget {
  readonly region: string;
  /** An emulator such as moto; unset means real AWS through the default credential chain. */
  readonly endpoint?: string;
  readonly credentials?: TemporaryCredentials;
  /** How the SDK retries a call. @default the Lambdas' own: the SDK's adaptive mode */
  readonly retryStrategy?: S3ClientConfig["retryStrategy"];
}

export interface AwsClients {
  /** The emulator the clients call, when they call one. */
  readonly endpoint?: string;
  /** Whether the endpoint still answers, from every call these clients make. */
  readonly health: EndpointHealth;
  readonly organizations: OrganizationsClient;
  /** AWS Account Management: the accounts' alternate contacts. */
  readonly account: AccountClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
  /** Step Functions: a deployed pipeline's executions. */
  readonly stepFunctions: SFNClient;
  /** An IAM client with other credentials (an assumed role), or with the target's own. */
  readonly iamClient: (credentials?: TemporaryCredentials) => IAMClient;
  /** A Security Hub client acting as an account (an assumed role), or with the target's own credentials. */
  readonly securityHubClient: (credentials?: TemporaryCredentials) => SecurityHubClient;
}

export function awsClients(target: AwsTarget): AwsClients {
  const retries = target.retryStrategy ? { retryStrategy: target.retryStrategy } : SDK_RETRIES;
  const base = { region: target.region, endpoint: target.endpoint, credentials: target.credentials, logger: QUIET_SDK_LOGGER, ...retries };
  const health = new EndpointHealth(target.endpoint ?? `AWS in ${target.region}`);
  const watched = <C extends WatchableClient>(client: C): C => {
    health.watch(client);
    return client;
  };
  const ownIam = watched(new IAMClient(base));
  return {
    endpoint: target.endpoint,
    health,
    organizations: watched(new OrganizationsClient(base)),
    account: watched(new AccountClient(base)),
    sts: watched(new STSClient(base)),
    // An emulator serves every bucket on one host: address buckets by path, not by subdomain.
    s3: watched(new S3Client({ ...base, forcePathStyle: target.endpoint !== undefined })),
    sns: watched(new SNSClient(base)),
    events: watched(new EventBridgeClient(base)),
    stepFunctions: watched(new SFNClient(base)),
    iamClient: (credentials) => (credentials ? watched(new IAMClient({ ...base, credentials })) : ownIam),
    securityHubClient: (credentials) => watched(new SecurityHubClient({ ...base, ...(credentials ? { credentials } : {}) })),
  };
}
