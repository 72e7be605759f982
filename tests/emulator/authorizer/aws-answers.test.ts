import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AccountClient, GetAlternateContactCommand } from "@aws-sdk/client-account";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { expect } from "chai";
import { accessDenied, errorAnswer } from "../../../emulator/authorizer/aws-answers";

/** A loopback server that answers every request with the layer's refusal for `service`. */
async function refusing(service: string): Promise<{ server: Server; endpoint: string }> {
  const answer = errorAnswer(service, accessDenied(service, `User: arn:aws:iam::123456789012:user/u is not authorized to perform: ${service}:Op`));
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(answer.status, answer.headers).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const config = (endpoint: string) => ({ endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIATEST", secretAccessKey: "secret" }, maxAttempts: 1 });

describe("the layer's refusals, as each SDK client reads them (aws-answers.ts)", () => {
  // A refusal in the wrong protocol reaches the caller as a deserialization error, not AccessDenied.
  const cases: Array<[string, (endpoint: string) => Promise<unknown>, string]> = [
    ["account", (endpoint) => new AccountClient(config(endpoint)).send(new GetAlternateContactCommand({ AlternateContactType: "SECURITY", AccountId: "111111111111" })), "AccessDeniedException"],
    ["organizations", (endpoint) => new OrganizationsClient(config(endpoint)).send(new ListRootsCommand({})), "AccessDeniedException"],
    ["sts", (endpoint) => new STSClient(config(endpoint)).send(new GetCallerIdentityCommand({})), "AccessDenied"],
  ];
  for (const [service, send, code] of cases) {
    it(`gives ${service} its own error shape: the SDK names it ${code}`, async () => {
      const { server, endpoint } = await refusing(service);
      try {
        const error = await send(endpoint).then(
          () => undefined,
          (err: unknown) => err as Error & { $metadata?: { httpStatusCode?: number } },
        );
        expect(error?.name).to.equal(code);
        expect(error?.message).to.contain("is not authorized to perform");
      } finally {
        server.close();
      }
    });
  }
});
