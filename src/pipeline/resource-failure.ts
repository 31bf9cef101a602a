// What a resource's failure means for the run: the resource is skipped (not available to this account or
// plan), fails alone, or is fatal and stops the run (key refused, 402, no such host, destination lost). The
// failure table (api/failures.ts) decides; a skip is confirmed by /users/me first.
import type { ApiClient } from '../api/client.ts';
import { decide, ESSENTIAL_RESOURCES } from '../api/failures.ts';
import { whoAmI } from '../api/verify.ts';
import type { RunStatus } from '../core/contracts.ts';
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
  const d = await decide(err, {
    essential: ESSENTIAL_RESOURCES.has(plan.source.name),
    confirmAccount: () => whoAmI(client),
  });
  return {
    outcome: { status: d.action === 'skip' ? 'skipped' : 'failed', error: d.reason },
    fatal: d.action === 'stop' ? { exitCode: d.exitCode, message: d.reason } : null,
  };
}
