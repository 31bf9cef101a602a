// The ClickHouse destination's config: `database` is the namespace, user and password are secrets, a URL
// that is not the HTTP interface is refused where it is written, and fleet mode refuses it, saying why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { redact } from '../../src/core/secrets.ts';
import { requireFleet } from '../../src/fleet/config.ts';
import { schemaFor } from '../../src/warehouse/index.ts';
import { tempDir } from '../support/env.ts';

const dir = tempDir('config-clickhouse');
afterAll(() => dir.cleanup());
let n = 0;

function write(destination: string, extra = ''): string {
  const sub = join(dir.path, String(n++));
  mkdirSync(sub);
  const file = join(sub, 'acsync.yaml');
  writeFileSync(
    file,
    `destinations:\n  warehouse:\n${destination}\nsources:\n  - name: Prod Account\n    accountName: mycompany\n` +
      `    url: https://mycompany.api-us1.com\n    apiKey: key-123456\n    tablePrefix: ac_\n${extra}`,
  );
  return file;
}

describe('clickhouse destination config', () => {
  it('reads url, database, user and a password from the environment, registered as a secret', () => {
    const file = write(
      '    type: clickhouse\n    url: http://127.0.0.1:8123\n    database: analytics\n    user: rudder\n    password: $' +
        '{CH_PASSWORD}',
    );
    const config = loadConfig(file, { env: { CH_PASSWORD: 'ch-secret-pass-42' } });
    const dest = config.destinations.warehouse!;
    expect(dest).toEqual({
      type: 'clickhouse',
      name: 'warehouse',
      url: 'http://127.0.0.1:8123',
      schema: 'analytics',
      user: 'rudder',
      password: 'ch-secret-pass-42',
    });
    expect(schemaFor(dest, 'Prod Account')).toBe('analytics');
    expect(redact('login failed for ch-secret-pass-42')).not.toContain('ch-secret-pass-42');
  });

  it('defaults the database to the source name the RudderStack way', () => {
    const config = loadConfig(write('    type: clickhouse\n    url: https://ch.internal:8443'));
    expect(schemaFor(config.destinations.warehouse!, 'Prod Account')).toBe('prod_account');
  });

  it('refuses a URL that is not the HTTP interface, naming the line', () => {
    expect(() => loadConfig(write('    type: clickhouse\n    url: tcp://127.0.0.1:9000'))).toThrow(
      /acsync\.yaml:4:\d+: destinations\.warehouse\.url: expected the HTTP interface/,
    );
  });

  it('fleet mode refuses it: fencing needs transactions', () => {
    const file = write(
      '    type: clickhouse\n    url: http://127.0.0.1:8123',
      'fleet:\n  url: postgres://acsync@127.0.0.1:5432/test\n',
    );
    const config = loadConfig(file);
    expect(() => requireFleet(config)).toThrow(ConfigError);
    expect(() => requireFleet(config)).toThrow(/fleet mode cannot write to ClickHouse: .*no transactions/);
  });
});
