import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  configText,
  putDestination,
  readConfigDocument,
  type SourceEdit,
  upsertSource,
  writeConfigText,
} from '../../src/config/edit.ts';
import { loadConfig } from '../../src/config/load.ts';
import { starterConfig } from '../../src/config/starter.ts';
import { tempDir } from '../support/env.ts';

const tmp = tempDir('edit');
afterAll(() => tmp.cleanup());

const edit: SourceEdit = {
  name: 'Prod',
  accountName: 'acme',
  url: 'https://acme.api-us1.com',
  apiKeyVar: 'PROD_KEY',
  apiKeyNote: 'kept in acsync.secrets.env, not here',
  tablePrefix: 'test_',
  schedule: { type: 'cron', expression: '0 */6 * * *', timezone: 'Europe/Berlin' },
  resources: ['contacts', 'tags'],
  destination: 'warehouse',
};

describe('editing acsync.yaml through the YAML document', () => {
  it('changes only what changed: comments, key order and untouched keys stay', () => {
    const file = join(tmp.path, 'acsync.yaml');
    const before = starterConfig({
      sourceName: 'Prod',
      accountName: 'acme',
      url: 'https://acme.api-us1.com',
      apiKeyEnv: 'AC_API_KEY',
      tablePrefix: 'ac_',
      destination: { type: 'duckdb', path: './w.duckdb' },
      requestsPerSecond: 3,
    });
    writeFileSync(file, before);
    const doc = readConfigDocument(file);
    upsertSource(doc, 'prod', edit);
    const after = configText(doc);
    // Every comment line of the starter survives.
    for (const line of before.split('\n').filter((l) => l.trim().startsWith('#')))
      expect(after).toContain(line.trim());
    expect(after).toContain('# Settings > Account; should match the URL');
    expect(after).toContain('requestsPerSecond: 3');
    expect(after).toMatch(/apiKey: "\$\{PROD_KEY\}" # kept in acsync.secrets.env, not here/);
    expect(after).toMatch(
      /schedule: \{ type: cron, expression: "0 \*\/6 \* \* \*", timezone: "Europe\/Berlin" \}/,
    );
    expect(after).toContain('resources: [ contacts, tags ]');
    const keys = [...after.slice(after.indexOf('sources:')).matchAll(/^(?: {4}| {2}- )([a-zA-Z]+):/gm)].map(
      (m) => m[1],
    );
    expect(keys).toEqual([
      'name',
      'accountName',
      'url',
      'apiKey',
      'tablePrefix',
      'schedule',
      'resources',
      'requestsPerSecond',
      'destination',
    ]);
    writeConfigText(file, after);
    const loaded = loadConfig(file, { env: { PROD_KEY: 'k-123456' } });
    expect(loaded.sources[0]).toMatchObject({
      tablePrefix: 'test_',
      schedule: { type: 'cron', expression: '0 */6 * * *', timezone: 'Europe/Berlin' },
      resources: ['contacts', 'tags'],
      requestsPerSecond: 3,
    });
  });

  it('creates the file when absent (mode 0600), adds destinations and sources the loader accepts', () => {
    const file = join(tmp.path, 'new.yaml');
    const doc = readConfigDocument(file);
    putDestination(doc, 'pg', { type: 'postgres', url: 'postgres://u:$' + '{PGPW}@h:5432/db' });
    upsertSource(doc, null, {
      ...edit,
      destination: 'pg',
      schedule: { type: 'basic', every: '1h', startAt: '02:00' },
    });
    upsertSource(doc, null, {
      ...edit,
      name: 'Second',
      tablePrefix: 'b_',
      destination: 'pg',
      resources: 'all',
    });
    writeConfigText(file, configText(doc));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# acsync configuration/);
    expect(text).toContain('startAt: "02:00"');
    const loaded = loadConfig(file, { env: { PROD_KEY: 'k-123456', PGPW: 'pw-123456' } });
    expect(loaded.sources.map((s) => [s.name, s.destination, s.resources])).toEqual([
      ['Prod', 'pg', ['contacts', 'tags']],
      ['Second', 'pg', 'all'],
    ]);
    expect(() => upsertSource(doc, 'nope', edit)).toThrow(/no source named "nope"/);
  });
});

describe('a second destination', () => {
  it('names the first destination on sources that relied on it being the only one', () => {
    const file = join(tmp.path, 'two.yaml');
    writeFileSync(
      file,
      'destinations:\n  warehouse: { type: duckdb, path: ./w.duckdb }\nsources:\n' +
        '  - { name: A, accountName: a, url: "https://a.api-us1.com", apiKey: k-1234, tablePrefix: a_ }\n',
    );
    const doc = readConfigDocument(file);
    putDestination(doc, 'pg', { type: 'postgres', url: 'postgres://u@h/db' });
    writeConfigText(file, configText(doc));
    expect(loadConfig(file, { env: {} }).sources[0]!.destination).toBe('warehouse');
  });
});
