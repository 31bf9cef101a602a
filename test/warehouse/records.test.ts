// The SQL family's Storage on the real databases: bookkeeping tables (the state store and run log sit on
// them, and issue 11's fence will), units of work, and user queries with the namespace as default.
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage as openDuckDB } from '../../src/warehouse/destinations/duckdb.ts';
import { openStorage as openPostgres } from '../../src/warehouse/destinations/postgres.ts';
import { RUNS_SPEC } from '../../src/warehouse/run-log.ts';
import type { Storage } from '../../src/warehouse/storage.ts';
import { postgresAvailable } from '../support/env.ts';
import { type Harness, harness, type Kind } from './harness.ts';

const kinds: Kind[] = ['duckdb'];
if (await postgresAvailable('storage tests on PostgreSQL')) kinds.push('postgres');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storage(kind: Kind, tag: string): Promise<{ h: Harness; s: Storage }> {
  const h = await harness(kind, tag);
  cleanups.push(() => h.cleanup());
  const s =
    h.dest.type === 'duckdb'
      ? await openDuckDB(h.dest, h.schema)
      : await openPostgres(h.dest as { url: string }, h.schema);
  cleanups.push(() => s.close());
  await s.ensureNamespace();
  return { h, s };
}

const t0 = new Date('2024-05-01T10:00:00.000Z');
const run = (runId: string, resource: string, extra: Record<string, unknown> = {}) => ({
  run_id: runId,
  source: 'src',
  table_prefix: 'ac_',
  resource,
  table_name: `ac_rudder_${resource}`,
  events: 0,
  rows_written: 0,
  started_at: t0,
  finished_at: null,
  status: 'running',
  error: null,
  tier: null,
  requests: null,
  deleted: null,
  ...extra,
});

describe.each(kinds)('%s', (kind) => {
  it('stores, finds, replaces, updates and removes bookkeeping rows, decoded by type', async () => {
    const { s } = await storage(kind, 'records');
    const runs = await s.records(RUNS_SPEC);
    await s.records(RUNS_SPEC); // creating it again keeps it
    await s.atomically(() =>
      runs.insert([
        run('r1', 'contacts'),
        run('r1', 'deals'),
        run('r2', 'contacts', { started_at: new Date(t0.getTime() + 1000) }),
      ]),
    );
    const all = await s.exclusive(() =>
      runs.find(
        { source: 'src' },
        {
          orderBy: [
            ['started_at', 'desc'],
            ['resource', 'asc'],
          ],
          limit: 2,
        },
      ),
    );
    expect(all.map((r) => `${r.run_id}/${r.resource}`)).toEqual(['r2/contacts', 'r1/contacts']);
    expect(all[1]).toEqual(run('r1', 'contacts'));
    expect(all[1]!.started_at).toBeInstanceOf(Date);

    // update says how many rows matched: the run log's "finish, or record it anyway", and a fence.
    const matched = await s.atomically(() =>
      runs.update({ run_id: 'r1', status: 'running' }, { status: 'success', events: 7, finished_at: t0 }),
    );
    expect(matched).toBe(2);
    expect(await s.atomically(() => runs.update({ run_id: 'nope' }, { status: 'failed' }))).toBe(0);
    const r1 = await s.exclusive(() => runs.find({ run_id: 'r1', resource: 'deals' }));
    expect(r1).toEqual([run('r1', 'deals', { status: 'success', events: 7, finished_at: t0 })]);

    await s.atomically(() =>
      runs.put([run('r1', 'deals', { status: 'failed', error: 'x' }), run('r3', 'tags')]),
    );
    const byKey = await s.exclusive(() => runs.find({ resource: 'deals' }));
    expect(byKey.map((r) => [r.run_id, r.status, r.error])).toEqual([['r1', 'failed', 'x']]);

    await s.atomically(() => runs.remove({ run_id: 'r1' }));
    const left = await s.exclusive(() => runs.find({}, { orderBy: [['run_id', 'asc']] }));
    expect(left.map((r) => r.run_id)).toEqual(['r2', 'r3']);
  });

  it('undoes a failed unit of work whole', async () => {
    const { s } = await storage(kind, 'unit');
    const runs = await s.records(RUNS_SPEC);
    await s.atomically(() => runs.insert([run('r1', 'contacts')]));
    await expect(
      s.atomically(async () => {
        await runs.update({ run_id: 'r1' }, { status: 'success' });
        await runs.insert([run('r2', 'contacts')]);
        await runs.insert([run('r2', 'contacts')]); // the primary key refuses it
      }),
    ).rejects.toThrow();
    const rows = await s.exclusive(() => runs.find({}));
    expect(rows.map((r) => [r.run_id, r.status])).toEqual([['r1', 'running']]);
  });

  it("runs a user's query with the namespace as the default schema", async () => {
    const { s } = await storage(kind, 'query');
    await s.exclusive(() => s.createTable('plain', [['id', 'int']], ['id']));
    const rows = await s.query('SELECT count(*) AS n FROM plain');
    expect(rows.map((r) => Number(r.n))).toEqual([0]);
  });
});
