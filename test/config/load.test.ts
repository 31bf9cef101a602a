import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, selectSources } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { tempDir } from '../support/env.ts';

const dir = tempDir('config');
afterAll(() => dir.cleanup());
let n = 0;

const GOOD = `
destinations:
  warehouse:
    type: duckdb
    path: ./data/warehouse.duckdb
sources:
  - name: Prod
    accountName: mycompany
    url: https://mycompany.api-us1.com
    apiKey: \${AC_TEST_KEY}
    tablePrefix: ac_
    schedule: { type: basic, every: 1h, startAt: "02:00" }
`;

function write(text: string): string {
  const sub = join(dir.path, String(n++));
  mkdirSync(sub);
  const file = join(sub, 'acsync.yaml');
  writeFileSync(file, text);
  return file;
}

function problem(text: string, env: Record<string, string> = { AC_TEST_KEY: 'key-1234' }) {
  try {
    loadConfig(write(text), { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills defaults and resolves a relative DuckDB path against the config file', () => {
    const file = write(GOOD);
    const cfg = loadConfig(file, { env: { AC_TEST_KEY: 'key-from-env' } });
    expect(cfg.warnings).toEqual([]);
    expect(cfg.destinations.warehouse).toEqual({
      type: 'duckdb',
      name: 'warehouse',
      path: join(file, '..', 'data/warehouse.duckdb'),
    });
    expect(cfg.sources).toEqual([
      {
        name: 'Prod',
        accountName: 'mycompany',
        url: 'https://mycompany.api-us1.com',
        apiKey: 'key-from-env',
        tablePrefix: 'ac_',
        schedule: { type: 'basic', every: '1h', startAt: '02:00' },
        resources: 'all',
        requestsPerSecond: 4,
        destination: 'warehouse',
        lookbackHours: 24,
        reconcileEveryHours: 24,
      },
    ]);
  });

  it('defaults: manual schedule, UTC cron time zone, startAt 00:00', () => {
    const text = GOOD.replace(/ {4}schedule:.*\n/, '');
    expect(loadConfig(write(text), { env: { AC_TEST_KEY: 'k123' } }).sources[0]!.schedule).toEqual({
      type: 'manual',
    });
    const cron = GOOD.replace(/schedule:.*/, 'schedule: { type: cron, expression: "0 */6 * * *" }');
    expect(loadConfig(write(cron), { env: { AC_TEST_KEY: 'k123' } }).sources[0]!.schedule).toEqual({
      type: 'cron',
      expression: '0 */6 * * *',
      timezone: 'UTC',
    });
    const basic = GOOD.replace(/schedule:.*/, 'schedule: { type: basic, every: 3h }');
    expect(loadConfig(write(basic), { env: { AC_TEST_KEY: 'k123' } }).sources[0]!.schedule).toEqual({
      type: 'basic',
      every: '3h',
      startAt: '00:00',
    });
  });

  it('a missing file says how to create one', () => {
    expect(() => loadConfig(join(dir.path, 'nope.yaml'))).toThrow(
      /nope\.yaml not found \(create one with: acsync init/,
    );
  });

  it('bad YAML names the line', () => {
    expect(problem('destinations:\n  a: [1, 2\nsources: []\n')).toMatch(/acsync\.yaml:\d+:\d+: invalid YAML/);
  });

  it('a missing environment variable names the variable and the path', () => {
    expect(problem(GOOD, {})).toMatch(
      /acsync\.yaml:10:13: sources\[0\]\.apiKey: environment variable AC_TEST_KEY is not set/,
    );
  });

  it('names the path and line of a bad interval, with what was expected and what was found', () => {
    const text = GOOD.replace('every: 1h', 'every: 2h');
    expect(problem(text)).toMatch(
      /acsync\.yaml:12:\d+: sources\[0\]\.schedule\.every: expected one of 5m, 10m, 15m, 30m, 1h, 3h, 6h, 12h, 24h \(got "2h"\)/,
    );
  });

  it('rejects unknown keys (strict), pointing at the key', () => {
    expect(problem(GOOD.replace('    tablePrefix: ac_', '    tablePrefix: ac_\n    shedule: 1h'))).toMatch(
      /acsync\.yaml:12:5: sources\[0\]\.shedule: unknown key "shedule"/,
    );
    expect(problem(`${GOOD}extra: true\n`)).toMatch(/extra: unknown key "extra"/);
  });

  it('rejects table prefixes with a quote, a space, a leading digit or more than 30 characters', () => {
    const cases: [string, RegExp][] = [
      [`"ac'_"`, /may hold only letters, digits and underscores/],
      ['"ac _"', /may hold only letters, digits and underscores/],
      ['1ac_', /must start with a letter/],
      ['a'.repeat(31), /31 characters long; the limit is 30/],
    ];
    for (const [bad, why] of cases) {
      const msg = problem(GOOD.replace('tablePrefix: ac_', `tablePrefix: ${bad}`));
      expect(msg).toMatch(/acsync\.yaml:11:\d+: sources\[0\]\.tablePrefix: table prefix/);
      expect(msg).toMatch(why);
    }
    expect(
      loadConfig(write(GOOD.replace('tablePrefix: ac_', `tablePrefix: ${'a'.repeat(30)}`)), {
        env: { AC_TEST_KEY: 'k123' },
      }).sources[0]!.tablePrefix,
    ).toHaveLength(30);
  });

  it('rejects a CRON schedule that runs more often than every 15 minutes, and a bad time zone', () => {
    const cron = (expr: string, tz = '') =>
      GOOD.replace(
        /schedule:.*/,
        `schedule: { type: cron, expression: "${expr}"${tz ? `, timezone: ${tz}` : ''} }`,
      );
    expect(problem(cron('*/10 * * * *'))).toMatch(
      /sources\[0\]\.schedule\.expression: "\*\/10 \* \* \* \*" runs 10 minutes apart .*at least 15 minutes apart/,
    );
    expect(problem(cron('0 25 * * *'))).toMatch(
      /sources\[0\]\.schedule\.expression: "0 25 \* \* \*" is not a valid 5-field CRON/,
    );
    expect(problem(cron('0 * * * *', 'Mars/Olympus'))).toMatch(
      /sources\[0\]\.schedule\.timezone: expected an IANA time zone .* \(got "Mars\/Olympus"\)/,
    );
  });

  it('rejects an unknown schedule type and a startAt that is not HH:MM', () => {
    expect(problem(GOOD.replace('type: basic', 'type: weekly'))).toMatch(
      /sources\[0\]\.schedule\.type: expected type: basic, cron or manual \(got "weekly"\)/,
    );
    expect(problem(GOOD.replace('"02:00"', '"2am"'))).toMatch(
      /sources\[0\]\.schedule\.startAt: expected a UTC time "HH:MM"/,
    );
  });

  it('reports every problem at once', () => {
    const text = GOOD.replace('every: 1h', 'every: 2h').replace('tablePrefix: ac_', 'tablePrefix: "a b"');
    const msg = problem(text);
    expect(msg).toMatch(/has 2 problems/);
    expect(msg).toMatch(/tablePrefix/);
    expect(msg).toMatch(/every/);
  });

  it('checks resources against the catalog, source names for duplicates, and destination references', () => {
    const withResources = GOOD.replace(
      'tablePrefix: ac_',
      'tablePrefix: ac_\n    resources: [contacts, contcts]',
    );
    expect(problem(withResources)).toMatch(/sources\[0\]\.resources\[1\]: unknown resource "contcts"/);
    const two = `${GOOD}  - name: prod\n    accountName: b\n    url: https://b.api-us1.com\n    apiKey: k-2222\n    tablePrefix: b_\n    destination: elsewhere\n`;
    const msg = problem(two);
    expect(msg).toMatch(/sources\[1\]\.name: "prod" is already the name of sources\[0\]/);
    expect(msg).toMatch(/sources\[1\]\.destination: no destination named "elsewhere" \(defined: warehouse\)/);
  });

  it('warns when the account name does not match the URL, except on local hosts', () => {
    const other = GOOD.replace('accountName: mycompany', 'accountName: othername');
    const cfg = loadConfig(write(other), { env: { AC_TEST_KEY: 'k123' } });
    expect(cfg.warnings).toHaveLength(1);
    expect(cfg.warnings[0]).toMatch(
      /sources\[0\]\.accountName: account name "othername" does not match .*mycompany\.api-us1\.com; using the URL/,
    );
    for (const url of [
      'http://127.0.0.1:4010',
      'http://othername.localhost:4010',
      'http://localhost:1',
      'http://[::1]:80',
    ]) {
      const local = other.replace('https://mycompany.api-us1.com', url);
      expect(loadConfig(write(local), { env: { AC_TEST_KEY: 'k123' } }).warnings).toEqual([]);
    }
    // The account name as shown in the UI (a full host) also matches.
    const full = GOOD.replace('accountName: mycompany', 'accountName: mycompany.activehosted.com');
    expect(loadConfig(write(full), { env: { AC_TEST_KEY: 'k123' } }).warnings).toEqual([]);
  });

  it('allows requestsPerSecond 0 (unlimited) only on loopback, and warns above the account limit', () => {
    const zero = GOOD.replace('tablePrefix: ac_', 'tablePrefix: ac_\n    requestsPerSecond: 0');
    expect(problem(zero)).toMatch(
      /acsync\.yaml:12:\d+: sources\[0\]\.requestsPerSecond: 0 \(unlimited\) is only for a loopback URL/,
    );
    const local = zero.replace('https://mycompany.api-us1.com', 'http://127.0.0.1:8080');
    expect(loadConfig(write(local), { env: { AC_TEST_KEY: 'k123' } }).sources[0]!.requestsPerSecond).toBe(0);
    const many = GOOD.replace('tablePrefix: ac_', 'tablePrefix: ac_\n    requestsPerSecond: 8');
    expect(loadConfig(write(many), { env: { AC_TEST_KEY: 'k123' } }).warnings[0]).toMatch(
      /sources\[0\]\.requestsPerSecond: ActiveCampaign allows 5 requests\/second per account; 8 will be answered with 429s/,
    );
  });

  it('rejects a URL that is not https (except on loopback) or not a URL', () => {
    expect(problem(GOOD.replace('https://mycompany', 'http://mycompany'))).toMatch(
      /sources\[0\]\.url: .*must use https/,
    );
    expect(problem(GOOD.replace('https://mycompany.api-us1.com', 'mycompany'))).toMatch(
      /sources\[0\]\.url: .*not a URL/,
    );
  });

  it('never puts the API key or a postgres password in a message', () => {
    const text = GOOD.replace('every: 1h', 'every: 7h').replace(
      /destinations:[\s\S]*?sources:/,
      'destinations:\n  warehouse:\n    type: postgres\n    url: postgres://u:hunter2secret@db:5432/x\n    bogus: 1\nsources:',
    );
    const msg = problem(text.replace('$'.concat('{AC_TEST_KEY}'), 'literal-key-value-99'));
    expect(msg).toMatch(/every/);
    expect(msg).not.toContain('literal-key-value-99');
    expect(msg).not.toContain('hunter2secret');
  });

  it('selectSources finds a source by name, case-insensitively, and lists names when not found', () => {
    const cfg = loadConfig(write(GOOD), { env: { AC_TEST_KEY: 'k123' } });
    expect(selectSources(cfg, 'prod').map((s) => s.name)).toEqual(['Prod']);
    expect(() => selectSources(cfg, 'staging')).toThrow(/no source named "staging" .*sources: "Prod"/);
  });
});
