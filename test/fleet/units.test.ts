// The fleet's small rules: accounts and their queue names, schedule intervals, the fleet: config section,
// and the fence (against a real PostgreSQL).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { accountOf, queueFor } from '../../src/fleet/account.ts';
import { scheduleIntervalSeconds } from '../../src/fleet/config.ts';
import { FencedError, takeFence } from '../../src/fleet/fence.ts';
import { POSTGRES_URL, postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import { dropSchemas } from './support.ts';

describe('accounts and queues', () => {
  it('an account is the API host, whatever the path, port or case', () => {
    expect(accountOf({ url: 'https://MyCo.api-us1.com/api/3/' })).toBe('myco.api-us1.com');
    expect(accountOf({ url: 'http://127.0.0.2:8080' })).toBe('127.0.0.2');
  });
  it('queue names are stable, distinct per account and valid pg-boss names', () => {
    const hosts = ['myco.api-us1.com', 'myco.api-us2.com', '127.0.0.1', `${'x'.repeat(80)}.api-us1.com`];
    const names = hosts.map(queueFor);
    expect(new Set(names).size).toBe(hosts.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]{0,49}$/);
    expect(queueFor('myco.api-us1.com')).toBe(names[0]);
    expect(names[0]).toMatch(/^acct_myco_api_us1_com_[0-9a-f]{8}$/);
  });
});

describe('schedule intervals (for the staleness alert)', () => {
  it('basic, cron and manual', () => {
    expect(scheduleIntervalSeconds({ type: 'basic', every: '3h', startAt: '02:00' })).toBe(3 * 3600);
    const at = new Date('2026-03-02T00:30:00Z');
    expect(scheduleIntervalSeconds({ type: 'cron', expression: '0 */6 * * *', timezone: 'UTC' }, at)).toBe(
      21600,
    );
    expect(scheduleIntervalSeconds({ type: 'manual' })).toBeNull();
  });
});

describe('the fleet: section', () => {
  const dir = tempDir('fleet-config');
  afterAll(() => dir.cleanup());
  let n = 0;
  const load = (fleet: string) => {
    const sub = join(dir.path, String(n++));
    mkdirSync(sub);
    const file = join(sub, 'acsync.yaml');
    writeFileSync(
      file,
      `destinations:\n  w:\n    type: postgres\n    url: postgres://u@db:5432/x\nfleet:\n${fleet}\nsources:\n` +
        '  - name: S\n    accountName: a\n    url: https://a.api-us1.com\n    apiKey: k-123456\n    tablePrefix: a_\n',
    );
    return loadConfig(file, { env: {} });
  };
  it('fills the defaults', () => {
    expect(load('  url: postgres://q@queue:5432/acsync').fleet).toEqual({
      url: 'postgres://q@queue:5432/acsync',
      schema: 'acsync_fleet',
      leaseSeconds: 60,
      retryLimit: 3,
      retryDelaySeconds: 10,
      sliceMinutes: 60,
      concurrency: 4,
      pollSeconds: 2,
      metricsPort: 9469,
    });
  });
  it('reports bad values with the line and the path', () => {
    const bad = (yaml: string) => {
      try {
        load(yaml);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad('  url: postgres://q@queue/acsync\n  leaseSeconds: 1')).toMatch(
      /acsync\.yaml:7:17: fleet\.leaseSeconds: must be at least 2/,
    );
    expect(bad('  url: mysql://q@queue/acsync')).toMatch(/fleet\.url: expected a URL such as postgres:/);
    expect(bad('  url: postgres://q@queue/acsync\n  workers: 3')).toMatch(
      /fleet\.workers: unknown key "workers"/,
    );
    expect(bad('  url: postgres://q@queue/acsync\n  sliceMinutes: 1400')).toMatch(
      /fleet\.sliceMinutes: must be at most 1380/,
    );
  });
});

const ok = await postgresAvailable('the fence unit test');

describe.runIf(ok)('fence', () => {
  const schema = uniqueSchema('fenceunit');
  afterAll(() => dropSchemas(schema));
  it('a takeover invalidates the earlier holder: its commits are refused, the new holder’s go through', async () => {
    const dest = { type: 'postgres' as const, name: 'w', url: POSTGRES_URL, schema };
    const source = { name: 'S', tablePrefix: 'p_' };
    const first = await takeFence(dest, source, 'worker-1');
    const second = await takeFence(dest, source, 'worker-2');
    expect(second.token).toBe(first.token + 1);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const tx = {
      query: async (sql: string, params?: Array<string | number | boolean | null>) =>
        (await client.query(sql, params)).rows,
    };
    try {
      await client.query('BEGIN');
      await expect(first.guard(tx)).rejects.toBeInstanceOf(FencedError);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await expect(second.guard(tx)).resolves.toBeUndefined();
      await client.query('COMMIT');
      // Another source in the same schema has its own token.
      const other = await takeFence(dest, { name: 'T', tablePrefix: 'q_' }, 'worker-3');
      expect(other.token).toBe(1);
    } finally {
      await client.end();
    }
  });
});
