// The fleet end to end: 3 real worker processes, 6 sources over 2 emulated accounts (three table prefixes
// each), one worker SIGKILLed in the middle of a run. Every source completes; per the accounts' request logs
// no two runs of one account overlapped and no second went over the account's budget; the tables equal one
// plain `acsync sync` of the same sources; the killed run continued from its checkpoint (fewer requests than
// a full run); and the surviving workers' metrics match the run history.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, postgresDest } from '../proof/harness.ts';
import { postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import {
  type Account,
  acsyncRun,
  cleanUp,
  eventually,
  type LoggedRequest,
  type Proc,
  query,
  type SourceSpec,
  scrape,
  startAccount,
  startWorker,
  writeYaml,
} from './support.ts';

/** The accounts' rate limit (requests per second); sources use a little less, as the README advises. */
const BUDGET = 10;
const SOURCE_RPS = 6;
/** Which source of an account a request belongs to, by path (each source reads its own resources). */
const SOURCE_OF_PATH: Record<string, string> = {
  '/api/3/contacts': '1',
  '/api/3/contactTags': '2',
  '/api/3/tags': '2',
  '/api/3/fieldValues': '3',
};
const RESOURCES: Record<string, string[]> = {
  '1': ['contacts'],
  '2': ['contact_tags', 'tags'],
  '3': ['field_values'],
};

const ok = await postgresAvailable('the fleet test');

describe.runIf(ok)('fleet: 3 workers, 6 sources on 2 accounts, one worker SIGKILLed mid-run', () => {
  const tmp = tempDir('fleet');
  const fleetSchema = uniqueSchema('fleetq');
  const destSchema = uniqueSchema('fleetd');
  const refSchema = uniqueSchema('fleetr');
  let A: Account;
  let B: Account;
  const workers: Array<Proc & { metrics: string; id: string }> = [];

  beforeAll(async () => {
    A = await startAccount('127.0.0.1', { contacts: 800, seed: 21, rateLimit: BUDGET });
    B = await startAccount('127.0.0.2', { contacts: 800, seed: 22, rateLimit: BUDGET });
  });
  afterAll(() =>
    cleanUp({ procs: workers, accounts: [A, B], schemas: [fleetSchema, destSchema, refSchema], tmp }),
  );

  const specs = (url: (acc: 'A' | 'B') => string): SourceSpec[] =>
    (['A', 'B'] as const).flatMap((acc) =>
      ['1', '2', '3'].map((n) => ({
        name: `${acc}${n}`,
        url: url(acc),
        prefix: `${acc.toLowerCase()}${n}_`,
        resources: RESOURCES[n]!,
        requestsPerSecond: SOURCE_RPS,
      })),
    );

  it('completes every source exactly like one plain sync, one run per account at a time, within budget', async () => {
    const env = { AC_API_KEY: A.emulator.apiKey, ACSYNC_BATCH_ROWS: '200' };
    const config = writeYaml(join(tmp.path, 'acsync.yaml'), {
      destSchema,
      fleetSchema,
      fleetExtra: { leaseSeconds: 5, pollSeconds: 0.5, retryDelaySeconds: 1, concurrency: 2 },
      sources: specs((acc) => (acc === 'A' ? A.url : B.url)),
    });
    const applied = await acsyncRun(['fleet', 'apply', '--config', config], env);
    expect(applied.code, applied.stderr).toBe(0);

    workers.push(...(await Promise.all([1, 2, 3].map(() => startWorker(config, env)))));
    const enq = await acsyncRun(['sync', '--enqueue', '--config', config, '--json'], env);
    expect(enq.code, enq.stderr).toBe(0);
    expect(
      enq.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).status),
    ).toEqual(Array(6).fill('queued'));

    // The victim: whichever worker runs A3 (field values, 24 pages) ...
    const isA3Fetch = (r: LoggedRequest) => r.path === '/api/3/fieldValues';
    const victim = await eventually(
      async () => workers.find((w) => w.logs.some((l) => l.msg === 'run started' && l.source === 'A3')),
      60_000,
      'A3 to start',
    );
    // ... once it has read 10 pages and committed at least two batches (a checkpoint to resume from).
    await eventually(
      async () => {
        if (A.log.filter(isA3Fetch).length < 10) return false;
        const [t] = await query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
          `"${destSchema}".a3_rudder_field_values`,
        ]);
        if (!t?.t) return false;
        const [n] = await query<{ n: string }>(
          `SELECT count(*) AS n FROM "${destSchema}".a3_rudder_field_values`,
        );
        return Number(n!.n) >= 400;
      },
      60_000,
      'A3 to read 10 pages and commit two batches',
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const fetchedBeforeKill = A.log.filter(isA3Fetch).length;
    await victim.done;
    const survivors = workers.filter((w) => w !== victim);

    const runs = await eventually(
      async () => {
        const rows = await query<{
          source: string;
          status: string;
          segments: number;
          done: string[];
          run_key: string;
        }>(
          `SELECT source, status, segments, done, run_key FROM "${fleetSchema}".acsync_runs ORDER BY source`,
        );
        return rows.length === 6 && rows.every((r) => r.status === 'success') ? rows : null;
      },
      120_000,
      'every source to finish',
    );

    // ── the killed run was taken over and continued, from its checkpoint ──
    const a3 = runs.find((r) => r.source === 'A3')!;
    expect(a3.segments).toBe(2);
    expect(a3.done).toEqual(['field_values']);
    expect(
      survivors.some((w) =>
        w.logs.some((l) => l.msg === 'took back the run of a lost worker' && l.run === a3.run_key),
      ),
    ).toBe(true);
    const resumed = A.log.filter((r) => isA3Fetch(r) && r.t > killedAt);
    const firstOffset = Number(new URLSearchParams(resumed[0]!.query).get('offset'));
    expect(firstOffset).toBeGreaterThan(0); // not from the start

    // ── per account: one run at a time (source changes ≤ segments − 1) and no second over the budget ──
    for (const acc of [A, B]) {
      const labels = acc.log.map((r) => SOURCE_OF_PATH[r.path]);
      expect(labels.every(Boolean)).toBe(true);
      let switches = 0;
      for (let i = 1; i < labels.length; i++) if (labels[i] !== labels[i - 1]) switches++;
      const tag = acc === A ? 'A' : 'B';
      const segments = runs
        .filter((r) => r.source.startsWith(tag))
        .reduce((n, r) => n + Number(r.segments), 0);
      expect(switches).toBeLessThanOrEqual(segments - 1);
      const perSecond = new Map<number, number>();
      for (const r of acc.log)
        perSecond.set(Math.floor(r.t / 1000), (perSecond.get(Math.floor(r.t / 1000)) ?? 0) + 1);
      expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(BUDGET);
      expect(acc.log.filter((r) => r.status === 429)).toEqual([]);
    }

    // ── metrics of the surviving workers = the run history of the runs they executed ──
    const history = await query<{
      run_id: string;
      source: string;
      events: string;
      rows_written: string;
      status: string;
      error: string | null;
    }>(`SELECT run_id, source, events, rows_written, status, error FROM "${destSchema}"._acsync_runs`);
    const lost = new Set([
      ...victim.logs.filter((l) => l.msg === 'sync finished').map((l) => String(l.runId)),
      ...history.filter((h) => h.error?.startsWith('the run ended without finishing')).map((h) => h.run_id),
    ]);
    const survivorRuns = new Set(
      survivors.flatMap((w) => w.logs.filter((l) => l.msg === 'sync finished').map((l) => String(l.runId))),
    );
    const counted = history.filter((h) => !lost.has(h.run_id));
    expect(new Set(counted.map((h) => h.run_id))).toEqual(survivorRuns);
    const scraped = await Promise.all(survivors.map((w) => scrape(w.metrics)));
    const sum = (key: string) => scraped.reduce((n, m) => n + (m.get(key) ?? 0), 0);
    for (const source of ['A1', 'A2', 'A3', 'B1', 'B2', 'B3']) {
      const rows = counted.filter((h) => h.source === source);
      expect(sum(`acsync_events_total{source="${source}"}`), source).toBe(
        rows.reduce((n, h) => n + Number(h.events), 0),
      );
      expect(sum(`acsync_rows_written_total{source="${source}"}`), source).toBe(
        rows.reduce((n, h) => n + Number(h.rows_written), 0),
      );
      const successRuns = new Set(rows.map((h) => h.run_id)).size; // every counted run succeeded
      expect(sum(`acsync_runs_total{source="${source}",status="success"}`), source).toBe(successRuns);
      expect(sum(`acsync_last_success_timestamp_seconds{source="${source}"}`)).toBeGreaterThan(0);
    }

    // ── SIGTERM: the idle survivors drain and exit 0 ──
    for (const w of survivors) w.child.kill('SIGTERM');
    for (const w of survivors) expect((await w.done).code).toBe(0);

    // ── the same sources through plain `acsync sync` (one process per account), straight to the emulators ──
    const plain = await Promise.all(
      (['A', 'B'] as const).map((acc) =>
        acsyncRun(
          [
            'sync',
            '--json',
            '--config',
            writeYaml(join(tmp.path, `reference-${acc}.yaml`), {
              destSchema: refSchema,
              sources: specs((a) => (a === 'A' ? A.emulator.url : B.emulator.url)).filter((s) =>
                s.name.startsWith(acc),
              ),
            }),
          ],
          env,
        ),
      ),
    );
    for (const p of plain) expect(p.code, p.stderr).toBe(0);
    const fullA3 = plain[0]!.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; resources: Array<{ requests: number }> })
      .find((s) => s.source === 'A3')!.resources[0]!.requests;
    // The continuation cost less than running the resource again from the start.
    expect(resumed.length).toBeLessThan(fullA3);
    expect(fetchedBeforeKill).toBeGreaterThan(0);
    expect(await fingerprint(postgresDest(destSchema))).toEqual(await fingerprint(postgresDest(refSchema)));
  }, 300_000);
});
