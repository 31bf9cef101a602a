// Naive timestamps are the account's local time, and the API does not say which zone that is, so the
// extractor reads them as UTC and never looks back less than the widest offset (14 h). On an account at
// UTC−12, a contact tag written now carries an `updated_timestamp` that reads 12 h in the past: with a
// cursor at the last run's start (where the clamp puts it after a future date) and a 1 h look-back, only
// the floor keeps the next run from skipping it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { call } from '../emulator/helpers.ts';
import { scanOnce } from './support.ts';

let emulator: RunningEmulator;
let client: ApiClient;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    contacts: 200,
    rateLimit: 0,
    seed: 8,
    timezone: 'Etc/GMT+12',
    junk200: 0,
  });
  client = new ApiClient({ url: emulator.url, apiKey: emulator.apiKey, requestsPerSecond: 0 });
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

describe('account time zone', () => {
  it('writes a record updated after the last run on an account at UTC−12, with a 1 h look-back', async () => {
    const lastRunStart = new Date(Date.now() - 60_000).toISOString();
    const res = await call(emulator, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '7', tag: '3' } },
    });
    expect([200, 201]).toContain(res.status);
    const id = String(res.json.contactTag.id);
    const stamp = String(res.json.contactTag.updated_timestamp);
    // Naive and local: read as UTC it lies about 12 h before the write.
    expect(Date.parse(`${stamp.replace(' ', 'T')}Z`)).toBeLessThan(Date.now() - 11 * 3_600_000);
    const next = await scanOnce(client, 'contact_tags', {
      state: { v: 1, cursor: lastRunStart },
      lookbackHours: 1,
    });
    expect(next.done).toBe(true);
    expect(next.written.get('contact_tags')?.has(id)).toBe(true);
  });
});
