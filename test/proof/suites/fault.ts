// Fault suite: the emulator injects each fault alone, then all together, and the sync must still end with
// exactly what a fault-free sync holds. Permanent faults (key revoked mid-sync, destination gone) must stop
// the run with the documented exit code and a message naming the cause, and leave state from which the
// next run finishes the job identically.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import {
  dropSchema,
  POSTGRES_URL,
  PROJECT_ROOT,
  postgresAvailable,
  tempDir,
  uniqueSchema,
} from '../../support/env.ts';
import {
  CLIENT_TIMEOUT_MS,
  type Dest,
  duckdbDest,
  FAULT_RESOURCES,
  fingerprint,
  postgresDest,
  SIZES,
  SUITE_TIMEOUT_MS,
  SYNC_ENV,
  start,
  states,
  sync,
  syncKilledAfter,
  type TableFingerprint,
  writeConfig,
} from '../harness.ts';
import { recordFigures } from './figures.ts';

type Counts = { storm429: number; slow: number; refused: number };
type Stats = ReturnType<RunningEmulator['stats']> & { modes: Counts };

/** Each transient fault as the emulator's --faults spec, and how to tell from its stats that it struck. */
export const TRANSIENT_FAULTS: Array<{ name: string; spec: string; struck: (s: Stats) => number }> = [
  { name: '429 storms with Retry-After', spec: 'storm429:0.01:2', struck: (s) => s.modes.storm429 },
  { name: '500', spec: '500:0.04', struck: (s) => s.byStatus['500'] ?? 0 },
  { name: '502', spec: '502:0.04', struck: (s) => s.byStatus['502'] ?? 0 },
  { name: '503', spec: '503:0.04', struck: (s) => s.byStatus['503'] ?? 0 },
  { name: 'intermittent 403', spec: '403:0.02', struck: (s) => s.byStatus['403'] ?? 0 },
  { name: 'empty 200 bodies', spec: 'empty:0.04', struck: (s) => s.byStatus['200'] ?? 0 },
  { name: 'truncated JSON', spec: 'truncated:0.04', struck: (s) => s.byStatus['200'] ?? 0 },
  { name: 'connection resets', spec: 'reset:0.1', struck: (s) => s.byStatus.reset ?? 0 },
  {
    name: 'latency spikes beyond the client timeout',
    spec: `slow:${CLIENT_TIMEOUT_MS + 1500}:0.1`,
    struck: (s) => s.modes.slow,
  },
  {
    name: 'all together',
    spec: `storm429:0.005:2,500:0.01,502:0.01,503:0.01,403:0.01,empty:0.01,truncated:0.01,reset:0.01,slow:${CLIENT_TIMEOUT_MS + 1500}:0.01`,
    struck: (s) =>
      (s.byStatus['500'] ?? 0) +
      (s.byStatus['503'] ?? 0) +
      (s.byStatus.reset ?? 0) +
      s.modes.storm429 +
      s.modes.slow,
  },
];

function statsOf(em: RunningEmulator): Stats {
  return { ...em.stats(), modes: em.testModes.counts() };
}

function delta(a: Stats, b: Stats): Stats {
  const byStatus: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byStatus)) byStatus[k] = v - (a.byStatus[k] ?? 0);
  return {
    requests: b.requests - a.requests,
    rateLimited: b.rateLimited - a.rateLimited,
    byStatus,
    modes: {
      storm429: b.modes.storm429 - a.modes.storm429,
      slow: b.modes.slow - a.modes.slow,
      refused: b.modes.refused - a.modes.refused,
    },
  };
}

function expectSame(got: Record<string, TableFingerprint>, want: Record<string, TableFingerprint>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [table, fp] of Object.entries(want)) {
    expect(got[table], table).toEqual(fp);
    expect(got[table]!.distinctIds, `${table}: an id appears twice`).toBe(got[table]!.rows);
  }
}

export function faultSuite(): void {
  describe(`fault suite (${SIZES.faultContacts} contacts)`, () => {
    let em: RunningEmulator;
    const tmp = tempDir('fault');
    let reference: Dest;
    let want: Record<string, TableFingerprint>;
    let wantState: Record<string, unknown>;
    let accountSince = 0;
    let cleanSeconds = 0;
    const figures: Array<{ key: string; value: number; unit: string; definition: string }> = [];

    beforeAll(async () => {
      accountSince = Date.now();
      em = await startEmulator({ contacts: SIZES.faultContacts, rateLimit: 0, seed: 5 });
      reference = duckdbDest(tmp.path, 'reference');
      const config = writeConfig(`${tmp.path}/reference.yaml`, reference, {
        url: em.url,
        apiKey: em.apiKey,
        resources: FAULT_RESOURCES,
      });
      const t0 = Date.now();
      const r = await sync(config);
      cleanSeconds = (Date.now() - t0) / 1000;
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      want = await fingerprint(reference);
      wantState = await states(reference, accountSince);
    }, SUITE_TIMEOUT_MS);
    afterAll(async () => {
      recordFigures('fault', figures);
      await em?.close();
      tmp.cleanup();
    });

    for (const [i, fault] of TRANSIENT_FAULTS.entries()) {
      it(
        `survives ${fault.name} (${fault.spec}) with the identical result`,
        async () => {
          em.testModes.setFaults(fault.spec);
          const dest = duckdbDest(tmp.path, `transient-${i}`);
          const config = writeConfig(`${tmp.path}/transient-${i}.yaml`, dest, {
            url: em.url,
            apiKey: em.apiKey,
            resources: FAULT_RESOURCES,
          });
          const before = statsOf(em);
          const t0 = Date.now();
          const r = await sync(config);
          const seconds = (Date.now() - t0) / 1000;
          const d = delta(before, statsOf(em));
          em.testModes.setFaults('');
          expect(r.code, r.stderr.slice(-3000)).toBe(0);
          expect(fault.struck(d), `the fault never struck in ${JSON.stringify(d)}`).toBeGreaterThan(0);
          expectSame(await fingerprint(dest), want);
          expect(await states(dest, accountSince)).toEqual(wantState);
          figures.push({
            key: `fault_${fault.spec.split(':')[0]}${i === TRANSIENT_FAULTS.length - 1 ? '_all' : ''}_seconds`,
            value: Math.round(seconds * 10) / 10,
            unit: 's',
            definition: `Sync time with ${fault.name} (${fault.spec}); fault-free: ${Math.round(cleanSeconds * 10) / 10} s. ${d.requests} requests.`,
          });
        },
        SUITE_TIMEOUT_MS,
      );
    }

    it(
      'a key revoked mid-sync stops with exit 3 naming the key; once restored, the next run finishes identically',
      async () => {
        const dest = duckdbDest(tmp.path, 'revoked');
        const config = writeConfig(`${tmp.path}/revoked.yaml`, dest, {
          url: em.url,
          apiKey: em.apiKey,
          resources: FAULT_RESOURCES,
        });
        em.testModes.setFaults('', 15);
        const r = await sync(config).finally(() => {
          em.testModes.restoreKey();
          em.testModes.setFaults('');
        });
        expect(em.testModes.counts().refused).toBeGreaterThan(0);
        expect(r.code, r.stderr.slice(-3000)).toBe(3);
        expect(`${r.stdout}\n${r.stderr}`).toMatch(
          /API key|api key|key .*(refused|rejected|revoked|invalid)/i,
        );
        const again = await sync(config);
        expect(again.code, again.stderr.slice(-3000)).toBe(0);
        expectSame(await fingerprint(dest), want);
        expect(await states(dest, accountSince)).toEqual(wantState);
      },
      SUITE_TIMEOUT_MS,
    );

    it(
      'a DuckDB file held by another process stops with exit 4 naming it; released, the next run finishes identically',
      async () => {
        const dest = duckdbDest(tmp.path, 'locked');
        if (dest.type !== 'duckdb') throw new Error('unreachable');
        const config = writeConfig(`${tmp.path}/locked.yaml`, dest, {
          url: em.url,
          apiKey: em.apiKey,
          resources: FAULT_RESOURCES,
        });
        // Part of the work is committed first (a killed run), so the lock meets a warehouse mid-sync.
        const { killed } = await syncKilledAfter(config, em, 10);
        expect(killed).toBe(true);
        const holder = spawn(
          process.execPath,
          [
            '-e',
            `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { globalThis.held = await DuckDBInstance.create(${JSON.stringify(dest.path)}); console.log('held'); setInterval(() => {}, 1000); })`,
          ],
          { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        try {
          await new Promise<void>((resolve, reject) => {
            holder.stdout!.on('data', (d) => String(d).includes('held') && resolve());
            holder.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
          });
          const r = await sync(config);
          expect(r.code, r.stderr.slice(-3000)).toBe(4);
          expect(r.stderr).toContain('locked.duckdb');
        } finally {
          holder.kill('SIGKILL');
          await new Promise((r) => holder.once('close', r));
        }
        const again = await sync(config);
        expect(again.code, again.stderr.slice(-3000)).toBe(0);
        expectSame(await fingerprint(dest), want);
        expect(await states(dest, accountSince)).toEqual(wantState);
      },
      SUITE_TIMEOUT_MS,
    );
  });
}

/** PostgreSQL: the destination's database stops accepting connections mid-sync. */
export async function destinationGoneSuite(): Promise<void> {
  const enabled = await postgresAvailable('fault suite: PostgreSQL destination gone mid-sync');
  describe.runIf(enabled)(`fault suite: PostgreSQL gone mid-sync (${SIZES.faultContacts} contacts)`, () => {
    let em: RunningEmulator;
    const tmp = tempDir('fault-pg');
    const database = `acsync_gone_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
    const refSchema = uniqueSchema('gone_ref');
    let accountSince = 0;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    const goneUrl = (() => {
      const u = new URL(POSTGRES_URL);
      u.pathname = `/${database}`;
      return u.href;
    })();

    beforeAll(async () => {
      accountSince = Date.now();
      em = await startEmulator({ contacts: SIZES.faultContacts, rateLimit: 0, seed: 5 });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`);
    });
    afterAll(async () => {
      await em?.close();
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => {});
      await admin
        .query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [database])
        .catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`).catch(() => {});
      await admin.end();
      await dropSchema(refSchema);
      tmp.cleanup();
    });

    it(
      'stops with exit 4 naming the destination; once it is back, the next run finishes identically',
      async () => {
        const reference = postgresDest(refSchema);
        const refConfig = writeConfig(`${tmp.path}/reference.yaml`, reference, {
          url: em.url,
          apiKey: em.apiKey,
          resources: FAULT_RESOURCES,
        });
        const ref = await sync(refConfig);
        expect(ref.code, ref.stderr.slice(-2000)).toBe(0);

        const dest = postgresDest('proof', goneUrl);
        const config = writeConfig(`${tmp.path}/gone.yaml`, dest, {
          url: em.url,
          apiKey: em.apiKey,
          resources: FAULT_RESOURCES,
        });
        const base = em.stats().requests;
        const run = start(['sync', '--config', config, '--json'], SYNC_ENV);
        let cut = false;
        const timer = setInterval(() => {
          if (cut || em.stats().requests - base < 12) return;
          cut = true;
          void admin
            .query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`)
            .then(() =>
              admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
                database,
              ]),
            );
        }, 2);
        const r = await run.done;
        clearInterval(timer);
        expect(cut).toBe(true);
        expect(r.code, r.stderr.slice(-3000)).toBe(4);
        expect(`${r.stdout}\n${r.stderr}`).toMatch(/destination|warehouse|postgres/i);

        await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
        const again = await sync(config);
        expect(again.code, again.stderr.slice(-3000)).toBe(0);
        expectSame(await fingerprint(dest), await fingerprint(reference));
        expect(await states(dest, accountSince)).toEqual(await states(reference, accountSince));
      },
      SUITE_TIMEOUT_MS,
    );
  });
}
