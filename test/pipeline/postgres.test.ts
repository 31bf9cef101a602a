// The same pipeline into PostgreSQL: a full then incremental sync of a few resources (keyset contacts,
// filtered deals, the /fields scan feeding three tables) lands exactly the account's records in a schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { dropSchema, POSTGRES_URL, postgresAvailable, uniqueSchema } from '../support/env.ts';
import { collectionOf, defOf, qualified, sourceFor, tableIds, withQuery } from './support.ts';

const RESOURCES = ['contacts', 'deals', 'fields', 'field_options', 'field_rels', 'tags', 'contact_tags'];
const schema = uniqueSchema('pipeline');

describe.runIf(await postgresAvailable('pipeline into PostgreSQL'))('runSync into PostgreSQL', () => {
  let emulator: RunningEmulator;
  const dest: DestinationConfig = { type: 'postgres', name: 'pg', url: POSTGRES_URL, schema };
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, contacts: 1500, rateLimit: 0, seed: 41 });
  });
  afterAll(async () => {
    await emulator?.close();
    await dropSchema(schema);
  });

  it('full then incremental sync: exactly the account’s records, changes applied', async () => {
    const source = sourceFor(emulator);
    const first = await runSync({ source, destination: dest, resources: RESOURCES, logger: silentLogger() });
    expect(first.status).toBe('success');
    const contact = [...emulator.records('contacts')][42];
    const res = await fetch(`${emulator.url}/api/3/contacts/${String(contact.id)}`, {
      method: 'PUT',
      headers: { 'Api-Token': emulator.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ contact: { lastName: 'Changed' } }),
    });
    expect(res.status).toBe(200);
    const second = await runSync({ source, destination: dest, resources: RESOURCES, logger: silentLogger() });
    expect(second.status).toBe('success');
    await withQuery(dest, async (q) => {
      for (const name of RESOURCES) {
        const expected = [...emulator.records(collectionOf(defOf(name)))].map((r) => String(r.id));
        const got = await tableIds(q, dest, source, name);
        expect(got.size, name).toBe(expected.length);
        for (const id of expected) expect(got.get(id), `${name} ${id}`).toBe(1);
      }
      const rows = await q(
        `SELECT last_name FROM ${qualified(dest, source, 'contacts')} WHERE id = '${String(contact.id)}'`,
      );
      expect(rows[0].last_name).toBe('Changed');
    });
  });
});
