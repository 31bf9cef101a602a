// Typed errors and the process exit codes they map to. The README documents these codes;
// every command ends through `exitCodeFor`, so one table decides them all.
import { redact } from './secrets.ts';

export const ExitCode = {
  ok: 0,
  /** The sync failed or ended partial. */
  syncFailed: 1,
  /** Bad usage or configuration. */
  usage: 2,
  /** The API refused the credentials or the account (key rejected/revoked, URL not an AC API, payment problem). */
  apiRefused: 3,
  /** The destination could not be reached. */
  destinationUnreachable: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class AcsyncError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue, options?: { cause?: unknown }) {
    // Messages may quote URLs, headers or API bodies: scrub secrets before they can travel anywhere.
    super(redact(message), options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A config file or command line that cannot be used. `where` names the file and path in it. */
export class ConfigError extends AcsyncError {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message, ExitCode.usage);
  }
}

/** The API said no for good: key rejected or revoked (403 on /users/me), payment problem (402), not an AC API. */
export class ApiRefusedError extends AcsyncError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message, ExitCode.apiRefused);
  }
}

/** A request that could not succeed after its retries (network down, 5xx storm, timeout). */
export class ApiUnavailableError extends AcsyncError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, ExitCode.syncFailed, options);
  }
}

/** The warehouse could not be reached or opened (server down, bad URL, DuckDB file locked). */
export class DestinationUnreachableError extends AcsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.destinationUnreachable, options);
  }
}

export class SyncFailedError extends AcsyncError {
  constructor(message: string) {
    super(message, ExitCode.syncFailed);
  }
}

export function exitCodeFor(err: unknown): ExitCodeValue {
  return err instanceof AcsyncError ? err.exitCode : ExitCode.syncFailed;
}

/** A one-line, secret-free description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return redact(err.message);
  return redact(String(err));
}
