// Paginators: walk one collection page by page and say, for each page, which records are new and where to
// resume. Neither keeps a set of ids (memory stays flat); duplicates that reach the warehouse merge by id.
//
// Offset paging reads with a ONE-RECORD OVERLAP: each page starts at the previous page's last record.
// If that record is not where we expect it, the collection shifted under us:
//   - found further down the page → records were inserted before us; the leading ones are repeats (skipped);
//   - not found → records before us were deleted and the page slid past some records; we step back a page
//     (up to 3 times) and look again, so nothing is lost.
// The cost is one record per page (~1% more requests). `meta.total` is only a hint, used to fetch the next
// pages ahead (several requests in flight) when it says they exist; a short or empty page ends the scan.
import type { ApiClient, ApiResponse, QueryParams, RequestCounter } from '../api/client.ts';

export const PAGE_SIZE = 100;
const MAX_BACKTRACKS = 3;

export interface PagePosition {
  /** keyset (older states): the last id read. */
  after?: string;
  /** keyset: each id range's last id read. */
  parts?: KeysetPart[];
  /** offset: where the next request starts, and the key of the record expected first there. */
  offset?: number;
  lastKey?: string | null;
}

export interface RawPage {
  body: Record<string, unknown>;
  bytes: number;
  /** Records of the paging array itself. */
  records: Record<string, unknown>[];
  /** Leading records of `records` already returned by an earlier page. */
  skip: number;
  /** True on the last page. */
  done: boolean;
  /** Where to resume after this page (null when done). */
  next: PagePosition | null;
}

/** `meta.total` of a page, for progress displays (never to stop). */
export function pageTotal(page: RawPage): number | null {
  return totalHint(page.body);
}

export interface PagingTarget {
  client: ApiClient;
  path: string;
  arrayKey: string;
  primaryKey: string;
  params: QueryParams;
  counter: RequestCounter;
  /** Requests kept in flight ahead of the reader when meta.total says the pages exist. Default 3. */
  prefetch?: number;
}

export function arrayOf(body: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = body[key];
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}

/** `meta.total` as a number, whatever its JSON type; null when absent or not a count. */
export function totalHint(body: Record<string, unknown>): number | null {
  const meta = body.meta as { total?: unknown } | undefined;
  const n = Number(meta?.total);
  return meta && meta.total !== null && meta.total !== '' && Number.isFinite(n) && n >= 0 ? n : null;
}

function keyOf(record: Record<string, unknown>, pk: string): string {
  return String(record[pk]);
}

/** One id range of a partitioned keyset scan: ids in (after, below). */
export interface KeysetPart {
  after: string | null;
  below: string | null;
  done: boolean;
}

/**
 * Contacts: `orders[id]=ASC` + `id_greater`, AC's advice for large accounts; immune to records shifting.
 * Keyset pages come one after another, which at 150–400 ms of latency would leave the request budget
 * idle; so when `meta.total` says many pages remain, the rest of the id range is split into `partitions`
 * ranges (`id_greater` + `id_less`) read side by side. The last range has no upper bound, so contacts
 * created during the scan are still read. The resume point is every range's last id.
 */
export async function* keysetPages(
  t: PagingTarget & { partitions?: number },
  start: PagePosition = {},
): AsyncGenerator<RawPage> {
  const fetchPart = async (part: KeysetPart) => {
    const res = await t.client.get(
      t.path,
      {
        ...t.params,
        'orders[id]': 'ASC',
        ...(part.after !== null ? { id_greater: part.after } : {}),
        ...(part.below !== null ? { id_less: part.below } : {}),
        limit: PAGE_SIZE,
      },
      t.counter,
    );
    const records = arrayOf(res.body, t.arrayKey);
    let maxId = part.after;
    let beyond = false;
    for (const rec of records) {
      const id = keyOf(rec, t.primaryKey);
      if (maxId === null || compareIds(id, maxId) > 0) maxId = id;
      if (part.below !== null && compareIds(id, part.below) >= 0) beyond = true;
    }
    // A full page that did not move forward would loop for ever.
    if (records.length >= PAGE_SIZE && maxId === part.after) {
      throw new Error(`${t.path}: keyset paging made no progress after id ${part.after}`);
    }
    // `beyond`: the server ignored id_less; the next range covers those ids, so this range is finished.
    const next: KeysetPart = { after: maxId, below: part.below, done: records.length < PAGE_SIZE || beyond };
    return { res, records, next };
  };

  let parts: KeysetPart[];
  if (start.parts?.length) {
    parts = start.parts.map((p) => ({ ...p }));
  } else {
    const first = await fetchPart({ after: start.after ?? null, below: null, done: false });
    parts = [first.next];
    const total = totalHint(first.res.body);
    const wanted = Math.max(1, t.partitions ?? 3);
    if (
      !first.next.done &&
      wanted > 1 &&
      total !== null &&
      total - first.records.length > PAGE_SIZE * 4 * wanted
    ) {
      const top = await t.client.get(t.path, { ...t.params, 'orders[id]': 'DESC', limit: 1 }, t.counter);
      const lo = Number(first.next.after);
      const hi = Number(arrayOf(top.body, t.arrayKey)[0]?.[t.primaryKey]);
      if (Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && hi - lo > PAGE_SIZE * wanted) {
        const width = Math.ceil((hi - lo) / wanted);
        parts = Array.from({ length: wanted }, (_, k) => ({
          after: String(lo + k * width),
          below: k === wanted - 1 ? null : String(lo + (k + 1) * width + 1),
          done: false,
        }));
      }
    }
    const done = parts.every((p) => p.done);
    yield {
      body: first.res.body,
      bytes: first.res.bytes,
      records: first.records,
      skip: 0,
      done,
      next: done ? null : { parts: parts.map((p) => ({ ...p })) },
    };
    if (done) return;
  }

  type Flight = Promise<{ i: number; r: Awaited<ReturnType<typeof fetchPart>> }>;
  const inFlight = new Map<number, Flight>();
  const launch = (i: number) => {
    const f: Flight = fetchPart(parts[i]).then((r) => ({ i, r }));
    f.catch(() => {});
    inFlight.set(i, f);
  };
  parts.forEach((p, i) => {
    if (!p.done) launch(i);
  });
  while (inFlight.size) {
    const { i, r } = await Promise.race(inFlight.values());
    inFlight.delete(i);
    parts[i] = r.next;
    // Ask for this range's next page before handing this one over, so requests stay in flight.
    if (!r.next.done) launch(i);
    const done = parts.every((p) => p.done);
    yield {
      body: r.res.body,
      bytes: r.res.bytes,
      records: r.records,
      skip: 0,
      done,
      next: done ? null : { parts: parts.map((p) => ({ ...p })) },
    };
  }
}

/** Numeric ids compare as numbers, anything else as strings. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isSafeInteger(na) && Number.isSafeInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Offset paging with a one-record overlap (see the top of this file). */
export async function* offsetPages(t: PagingTarget, start: PagePosition = {}): AsyncGenerator<RawPage> {
  const step = PAGE_SIZE - 1;
  const window = Math.max(1, t.prefetch ?? 3);
  let offset = start.offset ?? 0;
  let lastKey = start.lastKey ?? null;
  let backtracks = 0;
  let total: number | null = null;
  const ahead = new Map<number, Promise<ApiResponse>>();
  const fetchAt = (o: number) => {
    const p = t.client.get(t.path, { ...t.params, limit: PAGE_SIZE, offset: o }, t.counter);
    // A prefetch can fail while the reader is busy writing: mark it handled at once (awaiting it later
    // still throws), or Node ends the process on an unhandled rejection before the reader gets to it.
    p.catch(() => {});
    return p;
  };
  // Unclaimed prefetches must not surface as unhandled rejections.
  const drop = () => {
    for (const p of ahead.values()) p.catch(() => {});
    ahead.clear();
  };
  try {
    for (;;) {
      const pending = ahead.get(offset) ?? fetchAt(offset);
      ahead.delete(offset);
      const res = await pending;
      const records = arrayOf(res.body, t.arrayKey);
      total = totalHint(res.body) ?? total;
      let skip = 0;
      let backtrack = false;
      if (lastKey !== null) {
        const idx = records.findIndex((r) => keyOf(r, t.primaryKey) === lastKey);
        if (idx >= 0) {
          skip = idx + 1;
          backtracks = 0;
        } else if (offset > 0 && backtracks < MAX_BACKTRACKS) {
          backtrack = true;
          backtracks++;
        }
      }
      if (backtrack) {
        // Everything on this page is still returned (and written); then look for lastKey a page earlier.
        drop();
        const back = Math.max(0, offset - step);
        yield {
          body: res.body,
          bytes: res.bytes,
          records,
          skip: 0,
          done: false,
          next: { offset: back, lastKey },
        };
        offset = back;
        continue;
      }
      const done = records.length < PAGE_SIZE;
      if (records.length > 0) lastKey = keyOf(records[records.length - 1], t.primaryKey);
      const nextOffset = offset + records.length - 1;
      if (!done) {
        // Put the pages meta.total says exist in flight before handing this one over (never past the
        // total: no wasted requests), so latency overlaps with the reader's work and other requests.
        for (let k = 0; k < window; k++) {
          const o = nextOffset + k * step;
          if (total === null || o >= total) break;
          if (!ahead.has(o)) ahead.set(o, fetchAt(o));
        }
      }
      yield {
        body: res.body,
        bytes: res.bytes,
        records,
        skip,
        done,
        next: done ? null : { offset: nextOffset, lastKey },
      };
      if (done) return;
      offset = nextOffset;
    }
  } finally {
    drop();
  }
}
