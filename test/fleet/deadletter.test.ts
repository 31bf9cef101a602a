// A run that keeps failing is retried with backoff, then lands in the dead-letter queue, and `fleet status`
// says so; the worker stays healthy meanwhile (/healthz) and keeps the key out of every output.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

const ok = await postgresAvailable('the dead-letter test');

describe.runIf(ok)('dead letters', () => {
  const tmp = tempDir('fleet-dead');
  const fleetSchema = uniqueSchema('deadq');
  const destSchema = uniqueSchema('deadd');
  let account: Account | undefined;
  let worker: Proc | undefined;
  afterAll(() => cleanUp({ procs: [worker], accounts: [account], schemas: [fleetSchema, destSchema], tmp }));

  it('retries a failing run with backoff, then moves it to the dead-letter queue shown by fleet status', async () => {
    account = await startAccount('127.0.0.1', { contacts: 50, seed: 61, rateLimit: 0 });
    const wrongKey = 'wrong-key-0fd7a1';
    const env = { AC_API_KEY: wrongKey };
    const config = writeYaml(join(tmp.path, 'acsync.yaml'), {
      destSchema,
      fleetSchema,
      fleetExtra: { leaseSeconds: 3, pollSeconds: 0.5, retryDelaySeconds: 1, retryLimit: 1 },
      sources: [{ name: 'Refused', url: account.url, prefix: 'r_', resources: ['contacts'] }],
    });
    expect((await acsyncRun(['fleet', 'apply', '--config', config], env)).code).toBe(0);
    worker = await startWorker(config, env);
    expect((await acsyncRun(['sync', '--enqueue', '--config', config], env)).code).toBe(0);

    await worker.waitFor((l) => l.msg === 'run failed: will retry', 60_000);
    await worker.waitFor((l) => l.msg === 'run failed: moved to the dead-letter queue', 60_000);
    const attempts = worker.logs.filter((l) => l.msg === 'run started' || l.msg === 'run continuing');
    expect(attempts.map((l) => l.attempt)).toEqual([1, 2]);
    // The retry waited for its backoff (retryDelaySeconds 1, at least that long after the failure).
    const failedAt = Date.parse(String(worker.logs.find((l) => l.msg === 'run failed: will retry')!.time));
    expect(Date.parse(String(attempts[1]!.time)) - failedAt).toBeGreaterThanOrEqual(900);

    const [run] = await eventually(
      async () => {
        const rows = await query<{ status: string; error: string }>(
          `SELECT status, error FROM "${fleetSchema}".acsync_runs`,
        );
        return rows[0]?.status === 'dead' ? rows : null;
      },
      30_000,
      'the run to be dead',
    );
    expect(run!.error).toMatch(/403|refused|rejected/i);

    const status = await acsyncRun(['fleet', 'status', '--config', config, '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as {
      sources: Array<{
        source: string;
        failure: { status: string } | null;
        deadLetters: Array<{ error: string }>;
      }>;
    };
    expect(s.sources[0]!.failure?.status).toBe('dead');
    expect(s.sources[0]!.deadLetters).toHaveLength(1);
    expect(s.sources[0]!.deadLetters[0]!.error).toMatch(/403|refused|rejected/i);
    const text = await acsyncRun(['fleet', 'status', '--config', config], env);
    expect(text.stdout).toContain('Dead letters');
    expect(text.stdout).toMatch(/Refused: gave up: /);

    const health = await fetch(`${(worker as Proc & { metrics: string }).metrics}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');

    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
    for (const out of [worker.stderr(), status.stdout, text.stdout]) expect(out).not.toContain(wrongKey);
  }, 180_000);
});
