import { describe, expect, it } from 'vitest';
import { applyProgress, finishRun, newRun } from '../../src/serve/progress-state.ts';

describe('the live state of a run, from the CLI progress events', () => {
  it('tracks records, pages, rate and ETA per resource, and how each ended', () => {
    const run = newRun('Prod', 'warehouse', 0);
    applyProgress(run, { kind: 'resource-start', resource: 'contacts', table: 'ac_rudder_contacts' }, 0);
    applyProgress(run, { kind: 'resource-start', resource: 'tags', table: 'ac_rudder_tags', total: 25 }, 0);
    applyProgress(
      run,
      { kind: 'page', resource: 'contacts', events: 500, rowsWritten: 480, pages: 5, total: 2000 },
      2000,
    );
    const contacts = run.resources.find((r) => r.name === 'contacts')!;
    expect(contacts).toMatchObject({
      events: 500,
      rowsWritten: 480,
      pages: 5,
      total: 2000,
      rate: 250,
      etaSeconds: 6,
    });
    // A "total" smaller than what was read (a keyset page counts only what is left) is not a total.
    applyProgress(
      run,
      { kind: 'page', resource: 'contacts', events: 900, rowsWritten: 900, pages: 9, total: 100 },
      3000,
    );
    expect(contacts).toMatchObject({ events: 900, total: 2000, rate: 300, etaSeconds: 4 });
    applyProgress(
      run,
      {
        kind: 'resource-end',
        resource: 'tags',
        summary: { name: 'tags', table: 'ac_rudder_tags', events: 25, rowsWritten: 25, status: 'success' },
      },
      500,
    );
    applyProgress(
      run,
      {
        kind: 'resource-end',
        resource: 'contacts',
        summary: {
          name: 'contacts',
          table: 'ac_rudder_contacts',
          events: 900,
          rowsWritten: 900,
          status: 'failed',
          error: 'stopped before completion',
        },
      },
      3000,
    );
    expect(run.resources.map((r) => [r.name, r.status, r.etaSeconds, r.error])).toEqual([
      ['contacts', 'failed', null, 'stopped before completion'],
      ['tags', 'success', null, null],
    ]);
    finishRun(
      run,
      {
        runId: 'r1',
        source: 'Prod',
        status: 'partial',
        events: 925,
        durationMs: 3000,
        resources: [],
        exitCode: 1,
        error: 'stopped',
      },
      null,
    );
    expect(run).toMatchObject({
      state: 'finished',
      result: { runId: 'r1', status: 'partial', exitCode: 1, error: 'stopped' },
      error: null,
    });
    expect(finishRun(newRun('B', 'w', 0), null, 'DuckDB file busy')).toMatchObject({
      state: 'finished',
      result: null,
      error: 'DuckDB file busy',
    });
  });
});
