// `acsync fleet apply` is idempotent (a second apply changes nothing), reschedules changed sources and
// unschedules removed ones; `sync --enqueue` does not queue a source twice; `fleet status` reports it all;
// fleet mode refuses DuckDB and a config without a fleet: section; the queue database's password stays secret.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nextRun } from '../../src/schedule/next-run.ts';
import { POSTGRES_URL, postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import { acsyncRun, dropSchemas, query, type SourceSpec, writeYaml } from './support.ts';

const ok = await postgresAvailable('the fleet apply tests');

const URL_A = 'http://127.0.0.1:9';
const URL_B = 'http://127.0.0.2:9';
const env = { AC_API_KEY: 'fleet-apply-key' };

function sources(
  overrides: Partial<Record<string, Partial<SourceSpec>>> = {},
  drop: string[] = [],
): SourceSpec[] {
  const base: SourceSpec[] = [
    {
      name: 'Hourly',
      url: URL_A,
      prefix: 'h_',
      resources: ['contacts'],
      schedule: '{ type: basic, every: 1h }',
    },
    {
      name: 'Nightly',
      url: URL_A,
      prefix: 'n_',
      resources: ['deals'],
      schedule: '{ type: cron, expression: "30 2 * * *", timezone: Europe/Berlin }',
    },
    { name: 'Manual', url: URL_B, prefix: 'm_', resources: ['tags'] },
  ];
  return base.filter((s) => !drop.includes(s.name)).map((s) => ({ ...s, ...overrides[s.name] }));
}

describe.runIf(ok)('fleet apply, enqueue and status', () => {
  const tmp = tempDir('fleet-apply');
  const fleetSchema = uniqueSchema('applyq');
  const destSchema = uniqueSchema('applyd');
  afterAll(async () => {
    await dropSchemas(fleetSchema, destSchema);
    tmp.cleanup();
  });
  const file = join(tmp.path, 'acsync.yaml');
  const write = (s: SourceSpec[]) => writeYaml(file, { destSchema, fleetSchema, sources: s });
  const apply = async () => {
    const r = await acsyncRun(['fleet', 'apply', '--config', file, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { changes: Array<{ source: string; action: string; cancelled: number }> })
      .changes;
  };
  /** Everything apply owns: the source rows and the jobs waiting in the queue. */
  const snapshot = async () => ({
    sources: await query(
      `SELECT name, account, queue, config_hash, schedule, next_run_at, next_job FROM "${fleetSchema}".acsync_sources ORDER BY name`,
    ),
    jobs: await query(
      `SELECT id, name, state, start_after, data FROM "${fleetSchema}".job WHERE name LIKE 'acct%' ORDER BY id`,
    ),
  });

  it('a second apply changes nothing; a changed source is rescheduled; a removed one is unscheduled', async () => {
    write(sources());
    const first = await apply();
    expect(first.map((c) => [c.source, c.action])).toEqual([
      ['Hourly', 'added'],
      ['Nightly', 'added'],
      ['Manual', 'added'],
    ]);
    const s1 = await snapshot();
    // Each scheduled source has its next slot queued in its account's queue; the manual one has none.
    const slot = (name: string) => s1.jobs.filter((j) => (j.data as { source: string }).source === name);
    expect(slot('Hourly')).toHaveLength(1);
    expect(slot('Nightly')).toHaveLength(1);
    expect(slot('Manual')).toHaveLength(0);
    const expected = nextRun(
      { type: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' },
      new Date(),
    );
    expect((slot('Nightly')[0]!.start_after as Date).toISOString()).toBe(expected!.toISOString());
    // Sources on one host share one queue (one account); another host gets another.
    const queues = new Map(s1.sources.map((r) => [r.name, r.queue]));
    expect(queues.get('Hourly')).toBe(queues.get('Nightly'));
    expect(queues.get('Manual')).not.toBe(queues.get('Hourly'));

    const second = await apply();
    expect(second.every((c) => c.action === 'unchanged')).toBe(true);
    expect(await snapshot()).toEqual(s1);
    const text = await acsyncRun(['fleet', 'apply', '--config', file], env);
    expect(text.stdout).toContain('0 added, 0 changed, 0 removed, 3 unchanged');
    expect(await snapshot()).toEqual(s1);

    // Change one schedule: only that source is rescheduled (its queued slot replaced).
    write(sources({ Hourly: { schedule: '{ type: basic, every: 3h, startAt: "01:00" }' } }));
    const third = await apply();
    expect(third.map((c) => [c.source, c.action])).toEqual([
      ['Hourly', 'changed'],
      ['Nightly', 'unchanged'],
      ['Manual', 'unchanged'],
    ]);
    expect(third[0]!.cancelled).toBe(1);
    const s3 = await snapshot();
    const old = s1.jobs.find((j) => (j.data as { source: string }).source === 'Hourly')!;
    expect(s3.jobs.find((j) => j.id === old.id)!.state).toBe('cancelled');
    const fresh = s3.jobs.filter(
      (j) => (j.data as { source: string }).source === 'Hourly' && j.state === 'created',
    );
    expect(fresh).toHaveLength(1);
    expect((fresh[0]!.start_after as Date).toISOString()).toBe(
      nextRun({ type: 'basic', every: '3h', startAt: '01:00' }, new Date())!.toISOString(),
    );

    // A run asked for by hand is queued once, however often it is asked for.
    const enq = async () => {
      const r = await acsyncRun(['sync', '--enqueue', '--source', 'Manual', '--config', file, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim()) as { status: string; jobId: string };
    };
    const e1 = await enq();
    const e2 = await enq();
    expect([e1.status, e2.status]).toEqual(['queued', 'already-queued']);
    expect(e2.jobId).toBe(e1.jobId);

    // Remove a source: its row goes, every job of it not started yet is cancelled, status no longer lists it.
    write(sources({ Hourly: { schedule: '{ type: basic, every: 3h, startAt: "01:00" }' } }, ['Manual']));
    const fourth = await apply();
    expect(fourth.find((c) => c.source === 'Manual')).toMatchObject({ action: 'removed', cancelled: 1 });
    expect(fourth.filter((c) => c.action !== 'unchanged').map((c) => c.source)).toEqual(['Manual']);
    const s4 = await snapshot();
    expect(s4.sources.map((r) => r.name)).toEqual(['Hourly', 'Nightly']);
    expect(s4.jobs.find((j) => j.id === e1.jobId)!.state).toBe('cancelled');
    const status = await acsyncRun(['fleet', 'status', '--config', file, '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout) as {
      sources: Array<{ source: string; nextRun: string; queued: unknown[] }>;
    };
    expect(st.sources.map((s) => s.source)).toEqual(['Hourly', 'Nightly']);
    expect(st.sources.every((s) => s.queued.length === 1 && s.nextRun)).toBe(true);
    const plain = await acsyncRun(['fleet', 'status', '--config', file], env);
    expect(plain.stdout).toMatch(/Hourly\s+127\.0\.0\.1\s+never/);
    expect(plain.stdout).not.toContain('Manual');
    // And apply again: nothing more to do.
    expect((await apply()).every((c) => c.action === 'unchanged')).toBe(true);
    expect(await snapshot()).toEqual(s4);
  }, 180_000);

  it('refuses DuckDB destinations in fleet mode, saying why (exit 2)', async () => {
    const duck = writeYaml(join(tmp.path, 'duck.yaml'), {
      destSchema,
      fleetSchema,
      sources: sources(),
      destination: ['    type: duckdb', '    path: ./warehouse.duckdb'],
    });
    for (const args of [['fleet', 'apply'], ['worker'], ['sync', '--enqueue'], ['fleet', 'status']]) {
      const r = await acsyncRun([...args, '--config', duck], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /duck\.yaml:\d+:\d+: destinations\.warehouse\.type: fleet mode cannot write to DuckDB/,
      );
      expect(r.stderr).toContain('fleet workers run on several machines');
    }
    // Plain `acsync sync` still accepts that config.
    const noFleet = writeYaml(join(tmp.path, 'nofleet.yaml'), { destSchema, sources: sources() });
    const r = await acsyncRun(['fleet', 'apply', '--config', noFleet], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no "fleet:" section');
  });

  it('never shows the queue database password, even when the database cannot be reached', async () => {
    const secret = 'fl33t-Pa55word-x9';
    const withPassword = POSTGRES_URL.replace('postgres://postgres@', `postgres://postgres:${secret}@`);
    const good = join(tmp.path, 'secret.yaml');
    writeYaml(good, { destSchema, fleetSchema, sources: sources() });
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      good,
      readFileSync(good, 'utf8').replace(
        `url: ${JSON.stringify(POSTGRES_URL)}\n  schema: ${fleetSchema}`,
        `url: ${JSON.stringify(withPassword)}\n  schema: ${fleetSchema}`,
      ),
    );
    expect(readFileSync(good, 'utf8')).toContain(secret);
    for (const args of [
      ['fleet', 'apply'],
      ['fleet', 'status'],
      ['fleet', 'status', '--json'],
    ]) {
      const r = await acsyncRun([...args, '--config', good], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const down = join(tmp.path, 'down.yaml');
    writeFileSync(
      down,
      readFileSync(good, 'utf8').replace(withPassword, `postgres://postgres:${secret}@127.0.0.1:1/test`),
    );
    const r = await acsyncRun(['fleet', 'status', '--config', down], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('cannot reach the fleet database at 127.0.0.1:1/test');
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
