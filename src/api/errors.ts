// Errors the API client raises besides the shared ones in core/errors.ts.
import { AcsyncError, ExitCode } from '../core/errors.ts';

/** A non-retryable answer (400, 404, 422 …) or a 403 that outlasted its retries. */
export class ApiStatusError extends AcsyncError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, ExitCode.syncFailed);
  }
}
