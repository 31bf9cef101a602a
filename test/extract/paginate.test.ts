// Paginators against the real emulator: keyset ranges read side by side cover every contact exactly once and
// resume from their saved positions; offset paging with its one-record overlap loses nothing when records
// before the read position are deleted mid-scan (the case plain offset paging silently skips).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { keysetPages, offsetPages, type PagePosition, totalHint } from '../../src/extract/paginate.ts';

let emulator: RunningEmulator;
let client: ApiClient;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, contacts: 3000, rateLimit: 0, seed: 5 });
  client = new ApiClient({ url: emulator.url, apiKey: emulator.apiKey, requestsPerSecond: 0 });
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

const target = (path: string, counter = { requests: 0 }) => ({
  client,
  path,
  arrayKey: path,
  primaryKey: 'id',
  params: {},
  counter,
});

describe('keyset paging (contacts)', () => {
  it('splits a large scan into id ranges read side by side: every contact once, few extra requests', async () => {
    const counter = { requests: 0 };
    const seen = new Map<string, number>();
    let maxParts = 0;
    let pages = 0;
    for await (const page of keysetPages(target('contacts', counter))) {
      pages++;
      for (const r of page.records) seen.set(String(r.id), (seen.get(String(r.id)) ?? 0) + 1);
      maxParts = Math.max(maxParts, page.next?.parts?.length ?? 0);
    }
    expect(maxParts).toBe(3);
    expect(seen.size).toBe(3000);
    for (const n of seen.values()) expect(n).toBe(1);
    // 30 full pages; extra: the max-id probe and one short page per range.
    expect(counter.requests).toBe(pages + 1);
    expect(counter.requests).toBeLessThanOrEqual(30 + 1 + 3);
  });

  it('resumes from the saved range positions without re-reading', async () => {
    const seen = new Set<string>();
    let saved: PagePosition | null = null;
    let n = 0;
    for await (const page of keysetPages(target('contacts'))) {
      for (const r of page.records) seen.add(String(r.id));
      if (++n === 8) {
        saved = page.next;
        break;
      }
    }
    expect(saved?.parts?.length).toBe(3);
    const counter = { requests: 0 };
    let again = 0;
    for await (const page of keysetPages(target('contacts', counter), saved!)) {
      for (const r of page.records) {
        if (seen.has(String(r.id))) again++;
        seen.add(String(r.id));
      }
    }
    expect(again).toBe(0);
    expect(seen.size).toBe(3000);
    expect(counter.requests).toBeLessThanOrEqual(30 - 8 + 3);
  });
});

describe('offset paging with overlap', () => {
  it('reads every record that still exists when earlier records are deleted mid-scan', async () => {
    const seen = new Set<string>();
    let pages = 0;
    const all = [...emulator.records('contactTags')].map((r) => String(r.id));
    for await (const page of offsetPages(target('contactTags'))) {
      for (const r of page.fresh) seen.add(String(r.id));
      if (++pages === 6) {
        // Delete 12 records the scan has already passed: everything after them slides back 12 places.
        for (const id of all.slice(100, 112)) {
          const res = await fetch(`${emulator.url}/api/3/contactTags/${id}`, {
            method: 'DELETE',
            headers: { 'Api-Token': emulator.apiKey },
          });
          expect(res.status).toBe(200);
        }
      }
    }
    const remaining = [...emulator.records('contactTags')].map((r) => String(r.id));
    expect(remaining.length).toBe(all.length - 12);
    for (const id of remaining) expect(seen.has(id), id).toBe(true);
  });

  it('steps back as far as it takes when more than three pages of passed records are deleted', async () => {
    const seen = new Set<string>();
    let pages = 0;
    for await (const page of offsetPages(target('contactTags'))) {
      for (const r of page.fresh) seen.add(String(r.id));
      if (++pages === 12) {
        // 350 records the scan has passed disappear: the rest slides back three and a half pages.
        const passed = [...seen].slice(50, 400);
        for (const id of passed) {
          const res = await fetch(`${emulator.url}/api/3/contactTags/${id}`, {
            method: 'DELETE',
            headers: { 'Api-Token': emulator.apiKey },
          });
          expect(res.status).toBe(200);
        }
      }
    }
    const remaining = [...emulator.records('contactTags')].map((r) => String(r.id));
    const missing = remaining.filter((id) => !seen.has(id));
    expect(missing.length, `missing ${missing.length} of ${remaining.length}`).toBe(0);
  });

  it('reads meta.total whatever its JSON type', () => {
    expect(totalHint({ meta: { total: '6' } })).toBe(6);
    expect(totalHint({ meta: { total: 3 } })).toBe(3);
    expect(totalHint({ meta: {} })).toBeNull();
    expect(totalHint({})).toBeNull();
    expect(totalHint({ meta: { total: 'many' } })).toBeNull();
  });
});
