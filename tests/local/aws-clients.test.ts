import { expect } from "chai";
import { S3Client } from "@aws-sdk/client-s3";
import { AdaptiveRetryStrategy, ConfiguredRetryStrategy } from "@smithy/core/retry";
import { awsClients } from "../../local/aws-clients";
import { QUIET_SDK_LOGGER, SDK_RETRIES } from "../../functions/aws/sdk-retries";

const strategyOf = (client: { config: { retryStrategy: () => Promise<unknown> } }) => client.config.retryStrategy();

describe("how the clients retry", () => {
  it("uses the SDK's adaptive mode in the Lambdas' clients and the local tools' alike", async () => {
    expect(await strategyOf(new S3Client(SDK_RETRIES))).to.be.instanceOf(AdaptiveRetryStrategy);
    const local = awsClients({ region: "us-east-1", endpoint: "http://127.0.0.1:1" });
    for (const client of [local.s3, local.sts, local.organizations, local.sns, local.events, local.iamClient(), local.securityHubClient()]) {
      expect(await strategyOf(client)).to.be.instanceOf(AdaptiveRetryStrategy);
    }
  });

  it("gives every client a logger that keeps the SDK's own console warnings out (a failed streamed upload is reported by our code)", () => {
    const local = awsClients({ region: "us-east-1", endpoint: "http://127.0.0.1:1" });
    for (const client of [local.s3, local.sts, local.sns, local.iamClient()]) expect(client.config.logger).to.equal(QUIET_SDK_LOGGER);
  });

  it("takes a strategy the caller names instead", async () => {
    const quick = new ConfiguredRetryStrategy(2, () => 1);
    const local = awsClients({ region: "us-east-1", endpoint: "http://127.0.0.1:1", retryStrategy: quick });
    expect(await strategyOf(local.s3)).to.equal(quick);
  });
});
