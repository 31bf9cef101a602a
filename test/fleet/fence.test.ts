// Fencing: a worker that stalls mid-run (SIGSTOP: its event loop and heartbeats stop, as in a long GC pause
// or a partition) loses its lease; another worker takes the run over. When the stalled one wakes (SIGCONT)
// it must not commit anything, and nothing it had read but not committed may be lost: the tables end equal
// to one plain sync.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, postgresDest } from '../proof/harness.ts';
import { postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import {
  type Account,
  acsyncRun,
  cleanUp,
  eventually,
  type Proc,
  query,
  scrape,
  startAccount,
  startWorker,
  writeYaml,
} from './support.ts';

const ok = await postgresAvailable('the fencing test');

describe.runIf(ok)('fencing', () => {
  const tmp = tempDir('fence');
  const fleetSchema = uniqueSchema('fenceq');
  const destSchema = uniqueSchema('fenced');
  const refSchema = uniqueSchema('fencer');
  let account: Account | undefined;
  const procs: Proc[] = [];
  afterAll(() => cleanUp({ procs, accounts: [account], schemas: [fleetSchema, destSchema, refSchema], tmp }));

  it('a stalled worker that wakes after its run was taken over fails to commit, and nothing is lost', async () => {
    account = await startAccount('127.0.0.1', { contacts: 800, seed: 31, rateLimit: 0 });
    const source = (url: string) => ({
      name: 'Fenced',
      url,
      prefix: 'f_',
      resources: ['field_values'],
      requestsPerSecond: 4,
    });
    const env = { AC_API_KEY: account.emulator.apiKey, ACSYNC_BATCH_ROWS: '200' };
    const config = writeYaml(join(tmp.path, 'acsync.yaml'), {
      destSchema,
      fleetSchema,
      fleetExtra: { leaseSeconds: 3, pollSeconds: 0.5, retryDelaySeconds: 1 },
      sources: [source(account.url)],
    });
    expect((await acsyncRun(['fleet', 'apply', '--config', config], env)).code).toBe(0);
    const stalled = await startWorker(config, env);
    procs.push(stalled);
    expect((await acsyncRun(['sync', '--enqueue', '--config', config], env)).code).toBe(0);
    await stalled.waitFor((l) => l.msg === 'run started');
    const table = `"${destSchema}".f_rudder_field_values`;
    // Stop it once it has committed a batch and read further.
    await eventually(
      async () => {
        const [t] = await query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
        if (!t?.t) return false;
        const [n] = await query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
        return Number(n!.n) >= 200 && account!.log.length >= 8;
      },
      60_000,
      'a committed batch and more pages read',
    );
    stalled.child.kill('SIGSTOP');

    // The other worker notices the silent lease and takes the run over.
    const other = await startWorker(config, env);
    procs.push(other);
    const takeover = await other.waitFor((l) => l.msg === 'run continuing', 60_000);
    const takenAt = new Date(String(takeover.time));
    await new Promise((r) => setTimeout(r, 1000));
    // What the stalled worker had committed before the takeover (the new owner may replace some of it).
    const idsOf = async (runId: string) =>
      new Set(
        (
          await query<{ id: string }>(`SELECT id FROM ${table} WHERE context_sources_job_run_id = $1`, [
            runId,
          ])
        ).map((r) => r.id),
      );
    const staleRunId = String(
      (
        await query<{ run_id: string }>(
          `SELECT run_id FROM "${destSchema}"._acsync_runs WHERE started_at < $1 ORDER BY started_at LIMIT 1`,
          [takenAt],
        )
      )[0]!.run_id,
    );
    const before = await idsOf(staleRunId);
    stalled.child.kill('SIGCONT');

    // It wakes, tries to commit what it read meanwhile, and is refused.
    await stalled.waitFor((l) => l.msg === 'run lost to another worker', 60_000);
    await eventually(
      async () =>
        (
          await query<{ status: string }>(
            `SELECT status FROM "${fleetSchema}".acsync_runs WHERE source = 'Fenced'`,
          )
        )[0]?.status === 'success',
      90_000,
      'the run to finish on the other worker',
    );
    const after = await idsOf(staleRunId);
    for (const id of after)
      expect(before.has(id), `row ${id} committed by the stalled worker after the takeover`).toBe(true);
    expect(
      stalled.logs.some((l) => l.msg === 'fenced: the run was taken over; this worker stops writing'),
    ).toBe(true);
    const finished = stalled.logs.find((l) => l.msg === 'sync finished');
    expect(finished?.runId).toBe(staleRunId);
    expect(
      (await scrape((stalled as Proc & { metrics: string }).metrics)).get(
        'acsync_run_handoffs_total{source="Fenced",reason="fenced"}',
      ),
    ).toBe(1);
    const [run] = await query<{ segments: number }>(`SELECT segments FROM "${fleetSchema}".acsync_runs`);
    expect(Number(run!.segments)).toBe(2);

    for (const p of [stalled, other]) p.child.kill('SIGTERM');
    for (const p of [stalled, other]) expect((await p.done).code).toBe(0);

    // Nothing read by the stalled worker is missing: the new owner read it again.
    const ref = writeYaml(join(tmp.path, 'reference.yaml'), {
      destSchema: refSchema,
      sources: [{ ...source(account.emulator.url), requestsPerSecond: 0 }],
    });
    const plain = await acsyncRun(['sync', '--config', ref], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(await fingerprint(postgresDest(destSchema))).toEqual(await fingerprint(postgresDest(refSchema)));
  }, 240_000);
});
