// Opening destinations: the default schema, busy DuckDB files, unreachable servers, concurrent writers.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationUnreachableError, ExitCode } from '../../src/core/errors.ts';
import { DuckDBDriver } from '../../src/warehouse/destinations/duckdb.ts';
import { openWarehouse } from '../../src/warehouse/index.ts';
import { PROJECT_ROOT, postgresAvailable, tempDir } from '../support/env.ts';
import { contact, harness } from './harness.ts';

const havePostgres = await postgresAvailable('PostgreSQL concurrency test');
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function holdFile(path: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `import('@duckdb/node-api').then(async (m) => { const i = await m.DuckDBInstance.create(${JSON.stringify(path)}); ` +
        // Kept on globalThis: an unreachable instance may be garbage-collected, which releases the lock.
        `globalThis.held = [i, await i.connect()]; console.log('ready'); setInterval(() => {}, 1000); })`,
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  cleanups.push(() => {
    if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
}

describe('DuckDB', () => {
  it('names the schema after the source, the RudderStack way, when the destination names none', async () => {
    const dir = tempDir('schema');
    cleanups.push(dir.cleanup);
    const dest = { type: 'duckdb' as const, name: 'local', path: join(dir.path, 'nested', 'wh.duckdb') };
    const target = await openWarehouse(dest, { name: 'My AC Account 2', tablePrefix: 'ac_' });
    cleanups.push(() => target.close());
    expect(target.schema).toBe('my_ac_account_2');
    await target.writeBatch({
      runId: 'r',
      resource: 'contacts',
      records: [contact(1)],
      primaryKey: 'id',
      receivedAt: new Date(),
      state: {},
    });
    await target.close();
    const driver = await DuckDBDriver.open(dest.path);
    cleanups.push(() => driver.close());
    const rows = await driver.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'my_ac_account_2' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      '_acsync_runs',
      '_acsync_seen',
      '_acsync_state',
      'ac_rudder_contacts',
      'rudder_discards',
    ]);
  });

  it('fails with exit code 4 and a clear message when another process holds the file', async () => {
    const dir = tempDir('busy');
    cleanups.push(dir.cleanup);
    const path = join(dir.path, 'busy.duckdb');
    await holdFile(path);
    const previous = process.env.ACSYNC_DUCKDB_LOCK_WAIT_MS;
    process.env.ACSYNC_DUCKDB_LOCK_WAIT_MS = '300';
    cleanups.push(() => {
      if (previous === undefined) delete process.env.ACSYNC_DUCKDB_LOCK_WAIT_MS;
      else process.env.ACSYNC_DUCKDB_LOCK_WAIT_MS = previous;
    });
    const err = await openWarehouse(
      { type: 'duckdb', name: 'local', path },
      { name: 's', tablePrefix: 'ac_' },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DestinationUnreachableError);
    expect((err as DestinationUnreachableError).exitCode).toBe(ExitCode.destinationUnreachable);
    expect((err as Error).message).toMatch(/busy\.duckdb is busy: another process \(PID \d+\) has it open/);
  });

  it('fails with exit code 4 when the file cannot be created', async () => {
    const dir = tempDir('nodir');
    cleanups.push(dir.cleanup);
    const blocker = join(dir.path, 'file');
    writeFileSync(blocker, 'not a directory');
    const err = await openWarehouse(
      { type: 'duckdb', name: 'local', path: join(blocker, 'wh.duckdb') },
      { name: 's', tablePrefix: 'ac_' },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DestinationUnreachableError);
    expect((err as Error).message).toContain(blocker);
  });

  it('serialises concurrent batches on one target', async () => {
    const h = await harness('duckdb', 'concurrent');
    cleanups.push(() => h.cleanup());
    const target = await openWarehouse(h.dest, { name: 's', tablePrefix: 'ac_' });
    cleanups.push(() => target.close());
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        target.writeBatch({
          runId: 'r',
          resource: 'contacts',
          records: [contact(i * 2 + 1), contact(i * 2 + 2, { [`extra${i}`]: i })],
          primaryKey: 'id',
          receivedAt: new Date(),
          state: { i },
        }),
      ),
    );
    await target.close();
    const [{ n }] = await h.rows(`SELECT count(DISTINCT id) AS n FROM ${h.schema}.ac_rudder_contacts`);
    expect(n).toBe('16');
    expect(
      Object.keys(await h.columns('ac_rudder_contacts')).filter((c) => c.startsWith('extra')),
    ).toHaveLength(8);
  });
});

describe('PostgreSQL', () => {
  it('fails with exit code 4 when the server cannot be reached, without leaking the password', async () => {
    const err = await openWarehouse(
      { type: 'postgres', name: 'pg', url: 'postgres://acsync:hunter2-secret@127.0.0.1:1/warehouse' },
      { name: 's', tablePrefix: 'ac_' },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DestinationUnreachableError);
    expect((err as DestinationUnreachableError).exitCode).toBe(ExitCode.destinationUnreachable);
    expect((err as Error).message).toContain('127.0.0.1:1/warehouse');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it.runIf(havePostgres)('lets two processes-worth of targets create the same schema at once', async () => {
    const h = await harness('postgres', 'race');
    cleanups.push(() => h.cleanup());
    const targets = await Promise.all(
      ['a_', 'b_', 'c_'].map((p) => openWarehouse(h.dest, { name: 's', tablePrefix: p })),
    );
    for (const t of targets) cleanups.push(() => t.close());
    await Promise.all(
      targets.map((t) =>
        t.writeBatch({
          runId: 'r',
          resource: 'contacts',
          records: [contact(1, { score: 5 }), contact(2, { score: 'not a number' })],
          primaryKey: 'id',
          receivedAt: new Date(),
          state: {},
        }),
      ),
    );
    for (const p of ['a_', 'b_', 'c_'])
      expect(await h.rows(`SELECT id FROM ${h.schema}.${p}rudder_contacts ORDER BY id`)).toEqual([
        { id: '1' },
        { id: '2' },
      ]);
    // Each source's first discard went into the one shared rudder_discards.
    const discards = await h.rows(`SELECT table_name FROM ${h.schema}.rudder_discards ORDER BY table_name`);
    expect(discards.map((d) => d.table_name)).toEqual([
      'a_rudder_contacts',
      'b_rudder_contacts',
      'c_rudder_contacts',
    ]);
  });
});
