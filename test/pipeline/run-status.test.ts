// The run-status rule, row by row (the CLI test test/cli/run-status.test.ts checks that the sync summary and
// `acsync history` both go through it).
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../src/core/contracts.ts';
import { runStatusOf } from '../../src/pipeline/run-status.ts';

const CASES: Array<[RunStatus[], RunStatus]> = [
  [['success', 'running'], 'running'],
  [['failed', 'running'], 'running'],
  [[], 'success'],
  [['success'], 'success'],
  [['success', 'skipped'], 'success'],
  [['skipped', 'skipped'], 'success'],
  [['success', 'failed'], 'partial'],
  [['success', 'failed', 'skipped'], 'partial'],
  [['failed'], 'failed'],
  [['failed', 'skipped'], 'failed'],
];

describe('runStatusOf', () => {
  for (const [statuses, want] of CASES)
    it(`[${statuses.join(', ')}] → ${want}`, () => expect(runStatusOf(statuses)).toBe(want));
});
