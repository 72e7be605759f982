import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Authorizer, startAuthorizer } from "./authorizer/authorizer";

/**
 * A moto server on a loopback port (moto_server.py: moto, plus the Security Hub behaviour it
 * lacks) behind the authorizing layer, for the demo, the benchmarks and the end-to-end tests.
 */
export interface Emulator {
  /** Where the SDK sends its calls: the authorizing layer, or moto itself when the layer is off. */
  readonly endpoint: string;
  /** moto itself, which authorizes nothing. */
  readonly motoEndpoint: string;
  /** The authorizing layer; undefined only when it was turned off. */
  readonly authorizer?: Authorizer;
  /** Forgets everything the emulator holds (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The access keys of the emulator's administrator in its management account: what the demo and the tests seed with. */
export const ADMINISTRATOR_KEYS = ["testing", "demo"] as const;

const INSTALL_HINT = "install Python 3 and moto 5 with its server extras: pip install 'moto[server]==5.2.1'";

export interface EmulatorOptions {
  /** The Python that has moto; $PYTHON or python3 by default. */
  readonly python?: string;
  /**
   * Remember each access key's account instead of scanning every account on every request
   * (see moto_server.py): for benchmarks of thousands of accounts.
   */
  readonly indexedAccountLookup?: boolean;
  /**
   * Judge every request as AWS would, by the deployed policies and AWS's request limits. Off only
   * for a measurement of moto alone, and then said by whoever turns it off.
   * @default true
   */
  readonly authorize?: boolean;
}

/** Starts moto's server on a free loopback port and waits until it answers. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const python = options.python ?? process.env.PYTHON ?? "python3";
  const check = spawnSync(python, ["-c", "import moto.server"], { encoding: "utf8" });
  if (check.error) throw new Error(`the AWS emulator needs ${python}, which was not found (${check.error.message}): ${INSTALL_HINT}`);
  if (check.status !== 0) throw new Error(`the AWS emulator (moto) is not installed for ${python}: ${INSTALL_HINT}\n${check.stderr.trim()}`);

  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const command = [join(__dirname, "moto_server.py"), ...(options.indexedAccountLookup ? ["--indexed-account-lookup"] : [])];
  const server = spawn(python, [...command, "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilReady(endpoint, server, () => stderr);
  } catch (err) {
    server.kill();
    throw err;
  }
  const authorizer = options.authorize === false ? undefined : await startAuthorizer(endpoint, { administrators: ADMINISTRATOR_KEYS });
  return {
    endpoint: authorizer?.endpoint ?? endpoint,
    motoEndpoint: endpoint,
    authorizer,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`emulator reset failed: HTTP ${response.status}`);
    },
    // A request the layer could not judge was refused; a caller that swallows refusals (a source of
    // owners, a Security Hub import) would hide it, so stopping says so: no test passes over one.
    stop: async () => {
      await authorizer?.close();
      await stopProcess(server);
      if (authorizer && authorizer.unjudged.length > 0) throw new Error(`the authorizing layer could not judge, and refused: ${[...new Set(authorizer.unjudged)].join(", ")}`);
    },
  };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the AWS emulator exited with code ${server.exitCode}:\n${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the AWS emulator did not answer at ${endpoint} within 20 s:\n${stderr()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
