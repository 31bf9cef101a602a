// Offset scans on the hard emulator: lists come back in a stable order that is not id order, documented
// sorts have ties dealt differently on every request (MySQL under LIMIT/OFFSET), and records are inserted and
// deleted while a collection is paged. A scan must still return every record that lived through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { scanOnce } from './support.ts';

let emulator: RunningEmulator;
let client: ApiClient;
beforeAll(async () => {
  // 900 contacts → about 1,800 activities, with a same-second blast larger than a page.
  emulator = await startEmulator({ port: 0, contacts: 900, rateLimit: 0, seed: 11, junk200: 0 });
  client = new ApiClient({ url: emulator.url, apiKey: emulator.apiKey, requestsPerSecond: 0 });
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

const idsOf = (collection: string) => new Set([...emulator.records(collection)].map((r) => String(r.id)));

describe('offset scans over an unstable order', () => {
  it('reads every activity when tied timestamps are re-dealt on every request (orders[tstamp]=ASC)', async () => {
    const all = idsOf('activities');
    const res = await scanOnce(client, 'activities', { fullRefresh: true });
    const seen = res.written.get('activities') ?? new Set();
    const missing = [...all].filter((id) => !seen.has(id));
    expect(res.done).toBe(true);
    expect(missing.length, `missing ${missing.length} of ${all.size} activities`).toBe(0);
    // Each page re-reads the tie group it ends in, and a group larger than a page costs about ten requests
    // (each answer shows a random 100 of it): about twice the plain page count, not 10-22 times.
    expect(res.requests).toBeLessThanOrEqual(2.5 * Math.ceil(all.size / 100) + 12);
  });

  it('reads every activity that lived through a scan while activities are added and deleted', async () => {
    const before = idsOf('activities');
    emulator.setChurn(3, ['activities']);
    let res: Awaited<ReturnType<typeof scanOnce>>;
    try {
      res = await scanOnce(client, 'activities', { fullRefresh: true });
    } finally {
      emulator.setChurn(0);
    }
    const after = idsOf('activities');
    const seen = res.written.get('activities') ?? new Set();
    const lived = [...before].filter((id) => after.has(id));
    const missing = lived.filter((id) => !seen.has(id));
    expect(res.done).toBe(true);
    expect(lived.length).toBeLessThan(before.size);
    expect(missing.length, `missing ${missing.length} of ${lived.length} activities`).toBe(0);
  });

  it('reads every record that lived through a scan of a churned, scrambled collection', async () => {
    const before = idsOf('contactTags');
    emulator.setChurn(3, ['contactTags']);
    let res: Awaited<ReturnType<typeof scanOnce>>;
    try {
      res = await scanOnce(client, 'contact_tags', { fullRefresh: true });
    } finally {
      emulator.setChurn(0);
    }
    const after = idsOf('contactTags');
    const seen = res.written.get('contact_tags') ?? new Set();
    const lived = [...before].filter((id) => after.has(id));
    const missing = lived.filter((id) => !seen.has(id));
    expect(res.done).toBe(true);
    expect(missing.length, `missing ${missing.length} of ${lived.length} contact tags`).toBe(0);
    // Overlapping pages and the occasional step back: a few requests more than the plain page count.
    expect(res.requests).toBeLessThanOrEqual(1.3 * Math.ceil(before.size / 100) + 3);
  });
});
