// A scan calls itself complete only when it can show it: the distinct ids it read are counted against
// meta.total, a 200 without the array key or a short page that its own meta.total contradicts does not end
// it, an incomplete scan leaves the cursor where it was and says why, and records without a usable key are
// written, never failing the run. Real HTTP against the emulator; the lossy pages come from a fetcher that
// wraps the real client and drops what a misbehaving API would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type QueryParams, type RequestCounter } from '../../src/api/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { PageFetcher } from '../../src/extract/fetcher.ts';
import { IncompleteScanError } from '../../src/extract/fetcher.ts';
import { CONTENT_KEY_PREFIX } from '../../src/extract/keys.ts';
import { call } from '../emulator/helpers.ts';
import { scanOnce } from './support.ts';

let emulator: RunningEmulator;
let client: ApiClient;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, contacts: 300, rateLimit: 0, seed: 21, junk200: 0 });
  client = new ApiClient({ url: emulator.url, apiKey: emulator.apiKey, requestsPerSecond: 0 });
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

const idsOf = (collection: string) => new Set([...emulator.records(collection)].map((r) => String(r.id)));

/** The real client, with each answer passed through `edit` (which may change the body). */
function tampered(
  edit: (path: string, params: QueryParams, body: Record<string, unknown>) => Record<string, unknown>,
): PageFetcher {
  return {
    async get(path: string, params: QueryParams, counter?: RequestCounter) {
      const res = await client.get(path, params, counter);
      return { body: edit(path, params, res.body), bytes: res.bytes };
    },
  };
}

describe('completeness of offset scans', () => {
  it('reads the records a page silently dropped in another pass', async () => {
    const all = idsOf('contactTags');
    let dropped: string | null = null;
    const lossy = tampered((_path, params, body) => {
      const list = body.contactTags as Record<string, unknown>[];
      if (dropped === null && Number(params.offset) > 150 && list.length > 50) {
        // The page stays full: record 40 is replaced by a second copy of record 39.
        dropped = String(list[40].id);
        return { ...body, contactTags: list.map((r, i) => (i === 40 ? list[39] : r)) };
      }
      return body;
    });
    const res = await scanOnce(lossy as ApiClient, 'contact_tags', { fullRefresh: true });
    expect(dropped).not.toBeNull();
    // A second pass: about twice the pages of one.
    expect(res.requests).toBeGreaterThan(2 * Math.floor(all.size / 100));
    expect(res.done).toBe(true);
    expect([...all].filter((id) => !res.written.get('contact_tags')?.has(id))).toEqual([]);
  });

  it('ends incomplete, says why and keeps the cursor, when a record never comes back', async () => {
    let victim: string | null = null;
    const lossy = tampered((_path, _params, body) => {
      const list = body.contactTags as Record<string, unknown>[];
      victim ??= String(list[0].id);
      return { ...body, contactTags: list.filter((r) => String(r.id) !== victim) };
    });
    const prev = { v: 1, cursor: '2020-01-01T00:00:00.000Z' };
    const states: unknown[] = [];
    const err = await scanOnce(lossy as ApiClient, 'contact_tags', {
      state: prev,
      onState: (s) => states.push(s),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteScanError);
    expect(String((err as Error).message)).toMatch(/contactTags.*distinct records of the \d+ meta\.total/);
    // The second pass found nothing new, so there is no third.
    expect(String((err as Error).message)).toMatch(/in 2 passes/);
    // The state committed with the last page: the old cursor, no half-done scan to resume.
    expect(states.at(-1)).toEqual(prev);
  });

  it('does not end on a 200 without the array key or on a short page its meta.total contradicts', async () => {
    const all = idsOf('contactTags');
    let junk = 0;
    let cut = 0;
    const flaky = tampered((_path, params, body) => {
      const offset = Number(params.offset);
      if (offset > 0 && junk < 2) {
        junk++;
        return {};
      }
      const list = body.contactTags as Record<string, unknown>[];
      if (offset > 300 && cut < 1) {
        cut++;
        return { ...body, contactTags: list.slice(0, 30) };
      }
      return body;
    });
    const res = await scanOnce(flaky as ApiClient, 'contact_tags', { fullRefresh: true });
    expect(junk).toBe(2);
    expect(cut).toBe(1);
    // One pass: the junk answers and the short page were asked again, not the whole collection.
    expect(res.requests).toBeLessThanOrEqual(Math.ceil(all.size / 98) + 1 + 3);
    expect(res.done).toBe(true);
    expect([...all].filter((id) => !res.written.get('contact_tags')?.has(id))).toEqual([]);
  });

  it('resumes from a stored mid-scan position and still counts what it read before against meta.total', async () => {
    const all = idsOf('contactTags');
    const states: Array<Record<string, unknown>> = [];
    const first = await scanOnce(client, 'contact_tags', { onState: (s) => states.push(s) });
    expect(states.length).toBeGreaterThan(4);
    const k = Math.floor(states.length / 2);
    const mid = states[k] as { scan?: { position?: { offset?: number; seen?: number } } };
    expect(mid.scan?.position?.offset).toBeGreaterThan(0);
    expect(mid.scan?.position?.seen).toBeGreaterThan(0);
    const before = new Set([...(first.written.get('contact_tags') ?? [])].slice(0, mid.scan!.position!.seen));
    const rest = await scanOnce(client, 'contact_tags', { state: states[k] as never });
    expect(rest.done).toBe(true);
    // Only the pages after the stop were asked for, in one pass.
    expect(rest.requests).toBeLessThanOrEqual(states.length - k + 1);
    const union = new Set([...before, ...(rest.written.get('contact_tags') ?? [])]);
    expect([...all].filter((id) => !union.has(id))).toEqual([]);
  });

  it('resumes from the start, counting afresh, when the records of its stored position were deleted', async () => {
    const states: Array<Record<string, unknown>> = [];
    await scanOnce(client, 'contact_tags', { onState: (s) => states.push(s) });
    const mid = states[Math.floor(states.length / 2)] as {
      scan: { position: { lastKey: string; anchors: string[]; seen: number } };
    };
    const gone = new Set([mid.scan.position.lastKey, ...mid.scan.position.anchors]);
    expect(gone.size).toBeGreaterThan(4);
    for (const id of gone)
      expect((await call(emulator, `contactTags/${id}`, { method: 'DELETE' })).status).toBe(200);
    const all = idsOf('contactTags');
    const rest = await scanOnce(client, 'contact_tags', { state: mid as never });
    expect(rest.done).toBe(true);
    expect([...all].filter((id) => !rest.written.get('contact_tags')?.has(id))).toEqual([]);
  });

  it('fails the scan with a clear message when answers keep coming without the array key', async () => {
    const empty = tampered(() => ({}));
    const err = await scanOnce(empty as ApiClient, 'tags', { fullRefresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteScanError);
    expect(String((err as Error).message)).toMatch(/\/tags: 3 answers in a row had no "tags" array/);
  });
});

describe('completeness of keyset scans (contacts)', () => {
  it('asks again for a short page that its own meta.total contradicts', async () => {
    const all = idsOf('contacts');
    let cut = 0;
    const flaky = tampered((path, params, body) => {
      const list = body.contacts as Record<string, unknown>[] | undefined;
      if (path === 'contacts' && params.id_greater !== undefined && list && list.length === 100 && cut < 2) {
        cut++;
        return { ...body, contacts: list.slice(0, 60) };
      }
      return body;
    });
    const res = await scanOnce(flaky as ApiClient, 'contacts', { fullRefresh: true });
    expect(cut).toBe(2);
    expect(res.done).toBe(true);
    expect([...all].filter((id) => !res.written.get('contacts')?.has(id))).toEqual([]);
  });
});

describe('an API that ignores paging', () => {
  it('stops an offset scan with a clear message when every page is the first one', async () => {
    const deaf: PageFetcher = {
      get: (path, params, counter) => {
        const { offset: _offset, ...rest } = params;
        return client.get(path, rest, counter);
      },
    };
    const err = await scanOnce(deaf as ApiClient, 'contact_tags', { fullRefresh: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IncompleteScanError);
    expect(String((err as Error).message)).toMatch(
      /\/contactTags: 5 full pages in a row .* repeated the page before: the API ignores offset/,
    );
  });
});

describe('completeness of time-keyset scans', () => {
  it('stops with a clear message when the API ignores the after= filter', async () => {
    const deaf: PageFetcher = {
      get: (path, params, counter) => {
        const { after: _after, ...rest } = params;
        return client.get(path, rest, counter);
      },
    };
    const err = await scanOnce(deaf as ApiClient, 'activities', { fullRefresh: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IncompleteScanError);
    expect(String((err as Error).message)).toMatch(
      /\/activities: the answer to after=.* the filter was not honoured/,
    );
  });
});

describe('records without a usable key', () => {
  it('keys /eventTrackingEvents by name (the API serves them without ids)', async () => {
    const names = new Set([...emulator.records('eventTrackingEvents')].map((r) => String(r.name)));
    expect(names.size).toBeGreaterThan(0);
    const res = await scanOnce(client, 'event_tracking_events', { fullRefresh: true });
    expect(res.done).toBe(true);
    expect(res.written.get('event_tracking_events')).toEqual(names);
  });

  it('gives records that arrive without their key a content key instead of failing', async () => {
    const count = [...emulator.records('brandings')].length;
    const keyless = tampered((path, _params, body) =>
      path === 'brandings'
        ? {
            ...body,
            brandings: (body.brandings as Record<string, unknown>[]).map(({ id: _id, ...rest }) => rest),
          }
        : body,
    );
    const res = await scanOnce(keyless as ApiClient, 'brandings', { fullRefresh: true });
    const keys = [...(res.written.get('brandings') ?? [])];
    expect(res.done).toBe(true);
    expect(keys.length).toBe(count);
    for (const k of keys) expect(k.startsWith(CONTENT_KEY_PREFIX)).toBe(true);
  });
});
