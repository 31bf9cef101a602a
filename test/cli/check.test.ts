import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, cliFixture } from './fixture.ts';

let f: CliFixture;
beforeAll(async () => {
  f = await cliFixture('check');
});
afterAll(() => f.close());

describe('acsync check', () => {
  it('says all is well and exits 0 with a good config', async () => {
    f.config([{}]);
    const res = await f.cli(['check']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/config\s+ok\s+acsync\.yaml: 1 source\(s\), 1 destination\(s\)/);
    expect(res.stdout).toMatch(/API\s+ok\s+http:\/\/127\.0\.0\.1:\d+ accepts the key/);
    expect(res.stdout).toMatch(
      /warehouse\s+ok\s+duckdb .*warehouse\.duckdb, schema test_source, e\.g\. table ac_rudder_contacts/,
    );
  });

  it('a missing config file: exit 2, says how to create one', async () => {
    const res = await f.cli(['check', '--config', 'nope.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/config file nope\.yaml not found \(create one with: acsync init/);
  });

  it('bad YAML: exit 2 with the line', async () => {
    writeFileSync(join(f.dir, 'bad.yaml'), 'destinations:\n  warehouse: [\nsources:\n');
    const res = await f.cli(['check', '--config', 'bad.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it('an invalid cron, a prefix with a quote or a space, an unknown resource: exit 2 naming each place', async () => {
    f.config(
      [
        { name: 'a', schedule: '{ type: cron, expression: "*/5 * * * *" }' },
        { name: 'b', tablePrefix: `"ac'_"` },
        { name: 'c', tablePrefix: '"ac _"' },
        { name: 'd', resources: '[contacts, contcts]' },
      ],
      { file: 'many.yaml' },
    );
    const res = await f.cli(['check', '--config', 'many.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/many\.yaml has 4 problems/);
    expect(res.stderr).toMatch(
      /many\.yaml:\d+:\d+: sources\[0\]\.schedule\.expression: .*5 minutes apart.*at least 15 minutes/,
    );
    expect(res.stderr).toMatch(
      /sources\[1\]\.tablePrefix: table prefix "ac'_" may hold only letters, digits and underscores/,
    );
    expect(res.stderr).toMatch(
      /sources\[2\]\.tablePrefix: table prefix "ac _" may hold only letters, digits and underscores/,
    );
    expect(res.stderr).toMatch(/sources\[3\]\.resources\[1\]: unknown resource "contcts"/);
  });

  it('a missing environment variable: exit 2 naming it', async () => {
    f.config([{}], { file: 'env.yaml' });
    const res = await f.cli(['check', '--config', 'env.yaml'], { AC_API_KEY: undefined });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /env\.yaml:\d+:\d+: sources\[0\]\.apiKey: environment variable AC_API_KEY is not set/,
    );
  });

  it('a wrong API key: exit 3, says the key was rejected, never shows it', async () => {
    const key = 'wrong-key-5f3a9c1e77';
    f.config([{}], { file: 'wrongkey.yaml' });
    const res = await f.cli(['check', '--config', 'wrongkey.yaml'], { AC_API_KEY: key });
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/API\s+FAIL\s+.*API key was rejected/);
    expect(res.stdout).toMatch(/warehouse\s+ok/); // the rest is still checked
    expect(res.stdout + res.stderr).not.toContain(key);
  });

  it('an unreachable API URL: exit 1, says it could not reach it', async () => {
    f.config([{ url: 'http://127.0.0.1:1' }], { file: 'down.yaml' });
    const res = await f.cli(['check', '--config', 'down.yaml']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/API\s+FAIL\s+could not reach http:\/\/127\.0\.0\.1:1/);
  });

  it('an unreachable PostgreSQL: exit 4, and the password never shows', async () => {
    f.config([{}], {
      file: 'pgdown.yaml',
      destinations:
        '  warehouse:\n    type: postgres\n    url: postgres://acsync:s3cretPassw0rd@127.0.0.1:1/test',
    });
    const res = await f.cli(['check', '--config', 'pgdown.yaml']);
    expect(res.code).toBe(4);
    expect(res.stdout).toMatch(/API\s+ok/);
    expect(res.stdout).toMatch(/warehouse\s+FAIL\s+postgres 127\.0\.0\.1:1\/test/);
    expect(res.stdout + res.stderr).not.toContain('s3cretPassw0rd');
  });

  it('an account name that does not match the URL is a warning, not an error', async () => {
    const file = f.config([{ url: 'https://mycompany.api-us1.invalid', requestsPerSecond: 5 }], {
      file: 'warn.yaml',
    });
    expect(file).toContain('warn.yaml');
    const res = await f.cli(['check', '--config', 'warn.yaml', '--source', 'nobody']);
    expect(res.stderr).toMatch(
      /warning: warn\.yaml:\d+:\d+: sources\[0\]\.accountName: account name "emulator" does not match/,
    );
    expect(res.code).toBe(2); // --source names no source
    expect(res.stderr).toMatch(/no source named "nobody"/);
  });
});
