// The CLI on a data lake (real processes, a local-datalake folder): sync, query (the newest row per id),
// history, reset, check; and an S3 lake whose server is not there is exit 4 with a message naming it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, cliFixture, lastJson } from './fixture.ts';

let f: CliFixture;
beforeAll(async () => {
  f = await cliFixture('lake-cli', 150);
  f.config([{ resources: '[contacts, tags]' }], {
    destinations: '  lake:\n    type: local-datalake\n    path: ./lake',
  });
});
afterAll(() => f.close());

describe('acsync on a local data lake', () => {
  it('sync, query, history, reset and check work on the lake', async () => {
    const first = await f.cli(['sync', '--json']);
    expect(first.code, first.stderr.slice(-1500)).toBe(0);
    expect(existsSync(join(f.dir, 'lake/rudder-datalake/test_source/_acsync/manifests'))).toBe(true);
    const second = await f.cli(['sync', '--json']);
    expect(second.code).toBe(0);

    const query = await f.cli([
      'query',
      '--json',
      'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ac_rudder_contacts',
    ]);
    expect(query.code, query.stderr).toBe(0);
    const [counts] = lastJson<Array<{ n: string | number; ids: string | number }>>(query.stdout);
    expect(Number(counts!.n)).toBe([...f.emulator.records('contacts')].length);
    expect(Number(counts!.ids)).toBe(Number(counts!.n));

    const history = await f.cli(['history', '--json']);
    expect(history.code).toBe(0);
    const runs = lastJson<Array<{ status: string }>>(history.stdout);
    expect(runs.map((r) => r.status)).toEqual(['success', 'success']);

    const reset = await f.cli(['reset', '--source', 'Test Source', '--resources', 'contacts']);
    expect(reset.code, reset.stderr).toBe(0);
    const state = await f.cli(['query', '--json', 'SELECT resource FROM _acsync_state ORDER BY 1']);
    expect(lastJson<Array<{ resource: string }>>(state.stdout).map((r) => r.resource)).toEqual([
      '_tiers', // when the last reconcile ran (the tiers' bookkeeping), not a resource's cursor
      'tags',
    ]);

    const check = await f.cli(['check']);
    expect(check.stdout).toMatch(/warehouse\s+ok\s+local-datalake .*lake, schema test_source/);
  });

  it('an S3 lake that cannot be reached is exit 4, naming the bucket and endpoint', async () => {
    const file = f.config([{ resources: '[tags]' }], {
      file: 's3.yaml',
      destinations:
        '  lake:\n    type: s3-datalake\n    bucket: nowhere\n    region: us-east-1\n    endpoint: http://127.0.0.1:9',
    });
    const r = await f.cli(['sync', '--config', file], {
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/s3:\/\/nowhere\/ at http:\/\/127\.0\.0\.1:9/);
  });
});
