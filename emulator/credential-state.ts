/**
 * The dates only time can make, for one account of the emulator: when users, passwords and keys
 * were made and last used, the root user's row, and a report IAM already holds. moto_server.py
 * keeps them on moto's own models and writes them into the credential report as IAM does.
 * Times are ISO 8601 strings.
 */
export interface CredentialState {
  readonly accountId: string;
  /** A credential report IAM generated then and still holds (it is reused while under four hours old). */
  readonly reportGeneratedAt?: string;
  readonly root?: RootCredentials;
  /** By user name: users, passwords, MFA and keys are made with IAM's API first; this dates them. */
  readonly users?: Readonly<Record<string, UserDates>>;
}

export interface KeyUse {
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export interface RootCredentials {
  readonly createdAt: string;
  /** Whether the root user has a password (centralized root access deletes it). @default true */
  readonly password?: boolean;
  /** Unset: never used (no_information). */
  readonly passwordLastUsed?: string;
  readonly mfaActive: boolean;
  /** The kind of the root's MFA device, when it has one. @default "hardware" */
  readonly mfaDevice?: "virtual" | "hardware";
  readonly accessKeys?: ReadonlyArray<{ readonly active: boolean; readonly createdAt: string; readonly lastUsed?: KeyUse }>;
}

export interface UserDates {
  readonly createdAt?: string;
  readonly passwordLastUsed?: string;
  readonly passwordLastChanged?: string;
  /** The user's keys in the order they were made. */
  readonly accessKeys?: ReadonlyArray<{ readonly createdAt?: string; readonly lastUsed?: KeyUse }>;
}

/** Sets an account's credential dates in the emulator at `endpoint`. */
export async function setCredentialState(endpoint: string, state: CredentialState): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/iam/credential-state`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(state),
  });
  if (!response.ok) throw new Error(`the emulator refused the credential state of ${state.accountId}: HTTP ${response.status} ${await response.text()}`);
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * An ISO time `days` (and `hours`) before `now`, a minute further back, so that the whole days
 * counted at a run's start a few seconds later are exactly `days`.
 */
export function before(now: Date, days: number, hours = 0): string {
  return new Date(now.getTime() - days * DAY_MS - hours * HOUR_MS - 60_000).toISOString();
}
