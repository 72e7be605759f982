import { createServer, request, type Server } from "node:http";

/**
 * A loopback HTTP proxy in front of the emulator that makes STS refuse AssumeRole into chosen
 * accounts, the way AWS does when the member role is missing or does not trust the caller.
 * Everything else is passed through unchanged.
 */
export interface FaultProxy {
  readonly endpoint: string;
  readonly deniedAssumeRoles: Set<string>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const deniedAssumeRoles = new Set<string>();
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      // STS speaks the AWS query protocol: a form-encoded POST.
      const form = new URLSearchParams(body.toString());
      const roleArn = form.get("RoleArn") ?? "";
      if (form.get("Action") === "AssumeRole" && deniedAssumeRoles.has(roleArn.split(":")[4])) {
        outgoing.writeHead(403, { "content-type": "text/xml" });
        outgoing.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
            `<Message>User: arn:aws:sts::123456789012:assumed-role/collector/x is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message>` +
            `</Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
        );
        return;
      }
      const forwarded = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on("error", (err) => {
        outgoing.writeHead(502);
        outgoing.end(String(err));
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    deniedAssumeRoles,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
