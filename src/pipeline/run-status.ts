// The one rule for a run's status, from its resources' statuses. The sync summary, `acsync history`, the
// dashboard and fleet metrics all read a run's status through it, so they agree on every run. A run's
// status says what landed; why it ended (key revoked, stopped) is the exit code and the error's job.
import type { RunStatus } from '../core/contracts.ts';

export type FinishedRunStatus = 'success' | 'partial' | 'failed';

/**
 * First matching row wins. Skipped resources (not available to the account or plan) count for nothing:
 * a run of skipped resources only has nothing to do and succeeds.
 */
const RULES: ReadonlyArray<{ when: (c: Counts) => boolean; status: RunStatus; why: string }> = [
  { when: (c) => c.running > 0, status: 'running', why: 'a resource is still running' },
  { when: (c) => c.failed === 0, status: 'success', why: 'no resource failed' },
  { when: (c) => c.success === 0, status: 'failed', why: 'every resource that ran failed' },
  { when: () => true, status: 'partial', why: 'some resources failed, others succeeded' },
];

interface Counts {
  running: number;
  success: number;
  failed: number;
}

function count(statuses: readonly RunStatus[]): Counts {
  const c: Counts = { running: 0, success: 0, failed: 0 };
  for (const s of statuses) {
    if (s === 'running') c.running++;
    else if (s === 'success') c.success++;
    // A resource row never holds `partial`; if one did, it would be a failure of that resource.
    else if (s === 'failed' || s === 'partial') c.failed++;
  }
  return c;
}

/** A run's status from its resources' statuses (history rows may still be `running`). */
export function runStatusOf(statuses: readonly RunStatus[]): RunStatus {
  const c = count(statuses);
  return RULES.find((r) => r.when(c))!.status;
}

/** The status of a run that has ended: every resource has its final status. */
export function finishedRunStatus(statuses: readonly Exclude<RunStatus, 'running'>[]): FinishedRunStatus {
  return runStatusOf(statuses) as FinishedRunStatus;
}
