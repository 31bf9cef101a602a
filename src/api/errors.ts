// The error every failed API call ends in: what it ended in (a row of failures.ts) and a secret-free message.
import { AcsyncError, ExitCode } from '../core/errors.ts';
import type { Outcome } from './failures.ts';

export class ApiCallError extends AcsyncError {
  constructor(
    message: string,
    readonly outcome: Outcome,
    /** The HTTP status, when an answer came. */
    readonly status?: number,
    /** The API refused the account (exit 3) rather than a request failing (exit 1). */
    refused = false,
  ) {
    super(message, refused ? ExitCode.apiRefused : ExitCode.syncFailed);
  }
}
