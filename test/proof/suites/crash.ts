// Crash suite: a sync of a large account is SIGKILLed at seeded moments (a number of answered requests),
// restarted each time, and at the end must hold exactly what one uninterrupted sync of the same account
// holds: same tables, ids, values (per-table checksums), no duplicate id, the same stored state, and a
// history where every interrupted run is marked failed by the next start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { startClickHouse } from '../../support/clickhouse.ts';
import { dropSchema, postgresAvailable, tempDir, uniqueSchema } from '../../support/env.ts';
import { SWIFT_CREDENTIALS, SWIFT_REGION, swiftForTests } from '../../support/swift.ts';
import {
  clickhouseDest,
  type Dest,
  duckdbDest,
  fingerprint,
  historyRuns,
  localLakeDest,
  postgresDest,
  SIZES,
  SUITE_TIMEOUT_MS,
  seeded,
  states,
  sync,
  syncKilledAfter,
  writeConfig,
} from '../harness.ts';
import { recordFigures } from './figures.ts';

const SEED = 20260601;
const STOPPED = 'the run ended without finishing (process stopped)';

const finishedOk = (statuses: string[]) => statuses.every((s) => s === 'success' || s === 'skipped');

/**
 * `resources` narrows the sync (a slow destination's reduced run: one resource of each paging style);
 * `kills` overrides the size's number of SIGKILLs.
 */
export async function crashSuite(
  kind: 'duckdb' | 'postgres' | 'clickhouse' | 'local-datalake' | 's3-datalake',
  options: { resources?: string[]; kills?: number } = {},
): Promise<void> {
  const KILLS = options.kills ?? SIZES.kills;
  const clickhouse = kind === 'clickhouse' ? await startClickHouse(`crash suite on ${kind}`) : null;
  const swift = kind === 's3-datalake' ? await swiftForTests(`crash suite on ${kind}`) : null;
  const enabled =
    kind === 'duckdb' ||
    kind === 'local-datalake' ||
    (kind === 'clickhouse'
      ? clickhouse !== null
      : kind === 's3-datalake'
        ? swift !== null
        : await postgresAvailable(`crash suite on ${kind}`));
  describe.runIf(enabled)(
    `crash suite (${kind}, ${SIZES.crashContacts} contacts, ${KILLS} kills${options.resources ? `, ${options.resources.length} resources` : ''})`,
    () => {
      let em: RunningEmulator;
      let accountSince = 0;
      const tmp = tempDir(`crash-${kind}`);
      const schemas: string[] = [];
      const dest = async (name: string): Promise<Dest> => {
        if (kind === 'duckdb') return duckdbDest(tmp.path, name);
        if (clickhouse) return clickhouseDest(clickhouse.url, `crash_${name}`);
        if (kind === 'local-datalake') return localLakeDest(tmp.path, name);
        if (swift) {
          const bucket = `acsync-crash-${name}-${process.pid}`;
          await swift.createBucket(bucket);
          return {
            type: 's3-datalake',
            bucket,
            endpoint: swift.endpoint,
            region: SWIFT_REGION,
            schema: 'proof',
          };
        }
        const s = uniqueSchema(`crash_${name}`);
        schemas.push(s);
        return postgresDest(s);
      };

      beforeAll(async () => {
        if (swift) {
          // The sync processes find their S3 credentials in the environment, as a user's would.
          process.env.AWS_ACCESS_KEY_ID = SWIFT_CREDENTIALS.accessKeyId;
          process.env.AWS_SECRET_ACCESS_KEY = SWIFT_CREDENTIALS.secretAccessKey;
        }
        accountSince = Date.now();
        em = await startEmulator({ contacts: SIZES.crashContacts, rateLimit: 0, seed: 11 });
      });
      afterAll(async () => {
        await em?.close();
        await clickhouse?.stop();
        await swift?.stop();
        for (const s of schemas) await dropSchema(s);
        tmp.cleanup();
      });

      it(
        'SIGKILLed at seeded moments and restarted, it ends identical to one uninterrupted sync',
        async () => {
          const refDest = await dest('reference');
          const crashDest = await dest('crashed');
          const refConfig = writeConfig(`${tmp.path}/reference.yaml`, refDest, {
            url: em.url,
            apiKey: em.apiKey,
            resources: options.resources,
          });
          const crashConfig = writeConfig(`${tmp.path}/crashed.yaml`, crashDest, {
            url: em.url,
            apiKey: em.apiKey,
            resources: options.resources,
          });

          // The reference: one uninterrupted sync, then an incremental one (the least work any resumed run does).
          let before = em.stats().requests;
          const t0 = Date.now();
          const ref = await sync(refConfig);
          expect(ref.code, ref.stderr.slice(-2000)).toBe(0);
          const fullSeconds = (Date.now() - t0) / 1000;
          const fullRequests = em.stats().requests - before;
          before = em.stats().requests;
          const again = await sync(refConfig);
          expect(again.code, again.stderr.slice(-2000)).toBe(0);
          const incrementalRequests = em.stats().requests - before;

          const rand = seeded(SEED);
          let kills = 0;
          let endedOnTheirOwn = 0;
          const killPoints: number[] = [];
          for (let attempt = 0; kills < KILLS && attempt < KILLS * 3; attempt++) {
            // The first run starts from nothing; later ones resume, and need at least an incremental run's work.
            const range = attempt === 0 ? fullRequests : incrementalRequests;
            const at = 1 + Math.floor(rand() * Math.max(1, Math.floor(range * 0.9) - 1));
            const { killed, result } = await syncKilledAfter(crashConfig, em, at);
            if (killed) {
              kills++;
              killPoints.push(at);
            } else {
              expect(result.code, result.stderr.slice(-2000)).toBe(0);
              endedOnTheirOwn++;
            }
          }
          expect(kills).toBe(KILLS);
          const final = await sync(crashConfig);
          expect(final.code, final.stderr.slice(-2000)).toBe(0);

          // Same tables, ids and values; no id twice.
          const [want, got] = [await fingerprint(refDest), await fingerprint(crashDest)];
          expect(Object.keys(want).length).toBeGreaterThan(options.resources ? 5 : 40);
          expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
          for (const [table, fp] of Object.entries(want)) {
            expect(got[table], table).toEqual(fp);
            expect(got[table]!.distinctIds, `${table}: an id appears twice`).toBe(got[table]!.rows);
          }
          expect(got.ac_rudder_contacts?.rows).toBe(SIZES.crashContacts);

          // The same stored state, with no scan left unfinished.
          const [wantState, gotState] = [
            await states(refDest, accountSince),
            await states(crashDest, accountSince),
          ];
          expect(gotState).toEqual(wantState);
          for (const [resource, s] of Object.entries(gotState))
            expect((s as { scan?: unknown }).scan, `${resource} has an unfinished scan`).toBeUndefined();

          // History: the runs that ended by themselves succeeded; every killed run that got as far as recording
          // itself is failed/partial (its unfinished resources marked by the next start), never success.
          const runs = await historyRuns(crashDest);
          const ok = runs.filter((r) => finishedOk(r.statuses));
          const interrupted = runs.filter((r) => !finishedOk(r.statuses));
          expect(ok.length).toBe(endedOnTheirOwn + 1);
          expect(finishedOk(runs.at(-1)!.statuses)).toBe(true);
          expect(interrupted.length).toBeGreaterThanOrEqual(1);
          expect(interrupted.length).toBeLessThanOrEqual(kills);
          for (const r of interrupted) {
            expect(r.statuses).not.toContain('running');
            expect(r.statuses).toContain('failed');
            expect(r.errors).toContain(STOPPED);
          }
          recordFigures(`crash-${kind}`, [
            {
              key: `crash_${kind}_contacts`,
              value: SIZES.crashContacts,
              unit: 'contacts',
              definition: 'Size of the emulated account the crash suite syncs.',
            },
            {
              key: `crash_${kind}_kills`,
              value: kills,
              unit: 'kills',
              definition: 'SIGKILLs at seeded request counts before the final, completing sync.',
            },
            {
              key: `crash_${kind}_interrupted_runs_in_history`,
              value: interrupted.length,
              unit: 'runs',
              definition:
                'Killed runs that had recorded themselves, all shown failed/partial in _acsync_runs.',
            },
            {
              key: `crash_${kind}_full_sync_seconds`,
              value: Math.round(fullSeconds * 10) / 10,
              unit: 's',
              definition:
                'Wall time of the uninterrupted reference sync (real binary, emulator at --rate-limit 0).',
            },
            {
              key: `crash_${kind}_full_sync_requests`,
              value: fullRequests,
              unit: 'requests',
              definition: 'Requests the uninterrupted reference sync made.',
            },
            {
              key: `crash_${kind}_tables_compared`,
              value: Object.keys(want).length,
              unit: 'tables',
              definition: 'Tables whose row count, distinct ids and record checksum matched the reference.',
            },
          ]);
        },
        SUITE_TIMEOUT_MS,
      );
    },
  );
}
