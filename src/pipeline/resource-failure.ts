// What a resource's failure means for the run: the resource is skipped (not available to this account or
// plan), fails alone, or is fatal and stops the run (key refused, 402, destination lost).
import type { ApiClient } from '../api/client.ts';
import { ApiStatusError } from '../api/errors.ts';
import { whoAmI } from '../api/verify.ts';
import type { RunStatus } from '../core/contracts.ts';
import { ApiRefusedError, DestinationUnreachableError, describeError } from '../core/errors.ts';
import type { ScanPlan } from '../extract/scan.ts';

export type Outcome = { status: Exclude<RunStatus, 'running'>; error?: string };

/** A failure that stops the whole run, with the exit code it ends with. */
export interface Fatal {
  exitCode: number;
  message: string;
}

export async function classifyFailure(
  err: unknown,
  plan: ScanPlan,
  client: ApiClient,
): Promise<{ outcome: Outcome; fatal: Fatal | null }> {
  const message = describeError(err);
  if (err instanceof ApiRefusedError || err instanceof DestinationUnreachableError) {
    return { outcome: { status: 'failed', error: message }, fatal: { exitCode: err.exitCode, message } };
  }
  if (err instanceof ApiStatusError && (err.status === 403 || err.status === 401)) {
    // Still 403 after the retries: is it the key, or this resource on this plan/user?
    try {
      await whoAmI(client);
    } catch (checkErr) {
      const m = describeError(checkErr);
      if (checkErr instanceof ApiRefusedError) {
        return {
          outcome: { status: 'failed', error: m },
          fatal: { exitCode: checkErr.exitCode, message: m },
        };
      }
      return {
        outcome: { status: 'failed', error: `${message}; checking the key failed: ${m}` },
        fatal: null,
      };
    }
    return {
      outcome: { status: 'skipped', error: `not allowed for this plan or user (${message})` },
      fatal: null,
    };
  }
  if (err instanceof ApiStatusError && (err.status === 404 || err.status === 400) && plan.source.planGated) {
    return {
      outcome: { status: 'skipped', error: `not available on this account (${message})` },
      fatal: null,
    };
  }
  return { outcome: { status: 'failed', error: message }, fatal: null };
}
