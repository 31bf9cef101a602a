// Runs handed back rather than lost: SIGTERM drains a worker (its run commits its current batches, goes
// back to the queue and another worker continues it at once, no lease expiry involved; the drained worker
// exits 0), and a long run is cut into time slices that continue one after the other. Either way the run
// ends as one fleet run whose tables equal one plain sync.
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
  startAccount,
  startWorker,
  writeYaml,
} from './support.ts';

const ok = await postgresAvailable('the fleet hand-back tests');

describe.runIf(ok)('fleet hand-back', () => {
  const tmp = tempDir('fleet-handback');
  const schemas: string[] = [];
  const procs: Proc[] = [];
  const accounts: Account[] = [];
  afterAll(() => cleanUp({ procs, accounts, schemas, tmp }));

  async function setup(tag: string, fleetExtra: Record<string, number>) {
    const account = await startAccount('127.0.0.1', { contacts: 800, seed: 41, rateLimit: 0 });
    accounts.push(account);
    const [fleetSchema, destSchema, refSchema] = ['q', 'd', 'r'].map((k) => uniqueSchema(`${tag}${k}`));
    schemas.push(fleetSchema!, destSchema!, refSchema!);
    const source = (url: string) => ({
      name: 'Long',
      url,
      prefix: 'l_',
      resources: ['field_values', 'tags'],
      requestsPerSecond: 4,
    });
    const env = { AC_API_KEY: account.emulator.apiKey, ACSYNC_BATCH_ROWS: '200' };
    const config = writeYaml(join(tmp.path, `${tag}.yaml`), {
      destSchema: destSchema!,
      fleetSchema,
      fleetExtra: { pollSeconds: 0.5, retryDelaySeconds: 1, ...fleetExtra },
      sources: [source(account.url)],
    });
    expect((await acsyncRun(['fleet', 'apply', '--config', config], env)).code).toBe(0);
    const matchesPlainSync = async () => {
      const ref = writeYaml(join(tmp.path, `${tag}-ref.yaml`), {
        destSchema: refSchema!,
        sources: [{ ...source(account.emulator.url), requestsPerSecond: 0 }],
      });
      expect((await acsyncRun(['sync', '--config', ref], env)).code).toBe(0);
      expect(await fingerprint(postgresDest(destSchema!))).toEqual(
        await fingerprint(postgresDest(refSchema!)),
      );
    };
    const fleetRun = () =>
      query<{ status: string; segments: number; done: string[]; error: string | null }>(
        `SELECT status, segments, done, error FROM "${fleetSchema}".acsync_runs`,
      );
    return { account, env, config, matchesPlainSync, fleetRun };
  }

  it('SIGTERM drains: the run is handed back, another worker continues it at once, the drained worker exits 0', async () => {
    // A lease far longer than the test: a continuation can only come from the hand-back, not a takeover.
    const { account, env, config, matchesPlainSync, fleetRun } = await setup('drain', { leaseSeconds: 600 });
    const both = await Promise.all([startWorker(config, env), startWorker(config, env)]);
    procs.push(...both);
    expect((await acsyncRun(['sync', '--enqueue', '--config', config], env)).code).toBe(0);
    const first = await eventually(
      async () => both.find((w) => w.logs.some((l) => l.msg === 'run started')),
      60_000,
      'the run to start',
    );
    const second = both.find((w) => w !== first)!;
    await eventually(async () => account.log.length >= 6, 60_000, 'six pages read');
    const termAt = Date.now();
    first.child.kill('SIGTERM');
    const handedBack = await first.waitFor((l) => l.msg === 'run handed back');
    expect(handedBack.reason).toBe('drain');
    expect(await first.done).toEqual({ code: 0, signal: null });
    // It leaves once its run is handed back, not at its next heartbeat (a quarter lease: 150 s here).
    expect(Date.now() - termAt).toBeLessThan(60_000);
    expect(first.logs.some((l) => l.msg === 'worker stopped')).toBe(true);

    const continued = await second.waitFor((l) => l.msg === 'run continuing', 60_000);
    expect(continued.segment).toBe(2);
    await eventually(async () => (await fleetRun())[0]?.status === 'success', 90_000, 'the run to finish');
    const [run] = await fleetRun();
    expect(run).toMatchObject({ segments: 2, error: null });
    expect([...run!.done].sort()).toEqual(['field_values', 'tags']);
    expect(second.logs.some((l) => l.msg === 'took back the run of a lost worker')).toBe(false);
    second.child.kill('SIGTERM');
    expect((await second.done).code).toBe(0);
    await matchesPlainSync();
  }, 240_000);

  it('cuts a long run into time slices that continue one after the other', async () => {
    const { env, config, matchesPlainSync, fleetRun } = await setup('slice', {
      leaseSeconds: 5,
      sliceMinutes: 0.05,
    });
    const worker = await startWorker(config, env);
    procs.push(worker);
    expect((await acsyncRun(['sync', '--enqueue', '--config', config], env)).code).toBe(0);
    await eventually(async () => (await fleetRun())[0]?.status === 'success', 120_000, 'the run to finish');
    const [run] = await fleetRun();
    expect(run!.segments).toBeGreaterThanOrEqual(2);
    const slices = worker.logs.filter((l) => l.msg === 'run handed back');
    expect(slices.length).toBe(run!.segments - 1);
    expect(slices.every((l) => l.reason === 'slice')).toBe(true);
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
    await matchesPlainSync();
  }, 240_000);
});
