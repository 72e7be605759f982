import { spawn, type SpawnOptions } from "node:child_process";

export interface Ended {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program in a child process, `input` on its stdin, and resolves when it ends. Never a *Sync spawn where the child
 * calls the emulator: its authorizing layer answers from this process, which would be blocked.
 */
export function runProcess(command: string, args: readonly string[], options: SpawnOptions & { readonly input?: string } = {}): Promise<Ended> {
  const { input, ...spawnOptions } = options;
  const child = spawn(command, args, { timeout: 90_000, ...spawnOptions });
  child.stdin?.end(input ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
