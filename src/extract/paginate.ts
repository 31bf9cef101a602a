// Paginators: walk one collection page by page and say, for each page, which records are new to this scan
// and where to resume. Each scan keeps the ids it has seen in an IdSet (a bitmap: memory stays flat), so a
// record is handed over once however often pages overlap, and the scan can count what it read.
//
// Three ways to walk (catalog `paging`):
// - keyset-id (contacts): `orders[id]=ASC` + `id_greater`, id ranges read side by side; immune to shifts.
// - keyset-time (activities): `orders[tstamp]=ASC` + `after=T`. The API deals records with equal
//   timestamps in a different order on every request (MySQL under LIMIT/OFFSET), so offsets are useless
//   inside a tie group. Each request starts at the previous page's last timestamp instead: the whole tie
//   group at T comes first in that answer, so every page covers [T, last) completely. A group larger than
//   a page is measured (meta.total for after=T minus that for after=T+1s) and read until that many
//   distinct ids were seen.
// - offset (everything else): a stable order that need not be id order, with records inserted and deleted
//   while we page. Consecutive pages must OVERLAP: a page holding none of the previous page's ids may have
//   slid past records (deletes before the read position), so the scan steps back until it overlaps (no
//   give-up: at offset 0 overlap is trivial) and widens the overlap. At the end, the distinct ids seen are
//   counted against meta.total: a shortfall beyond the growth of meta.total during the scan (inserts at
//   positions already passed, which the next run's look-back covers) starts another pass; after
//   MAX_PASSES the scan ends incomplete and says why.
import type { QueryParams, RequestCounter } from '../api/client.ts';
import { fetchList, IncompleteScanError, type ListPage, type PageFetcher, totalHint } from './fetcher.ts';
import { IdSet } from './id-set.ts';
import { recordKey } from './keys.ts';
import { parseApiInstant, toIso } from './timestamps.ts';

export { totalHint };

export const PAGE_SIZE = 100;
/** Full passes an offset scan may take to account for every record meta.total announces. */
const MAX_PASSES = 3;
/** Overlap of consecutive offset pages: starts small, doubles on every step back, up to this. */
const MIN_OVERLAP = 2;
const MAX_OVERLAP = 32;
/** Full pages in a row that repeat the page before, before an offset scan gives up (offset ignored). */
const STALE_PAGES = 5;
/** Keys of the last page a stored position keeps, to find the overlap again on resume. */
const RESUME_ANCHORS = 8;
/** A short page that contradicts its own meta.total is asked again this many times. */
const SHORT_PAGE_RETRIES = 3;
/** Requests spent re-reading one tie group larger than a page before the scan gives up on it. */
const MAX_GROUP_REQUESTS = 200;

export interface PagePosition {
  /** keyset-id (older states): the last id read. */
  after?: string;
  /** keyset-id: each id range's last id read. */
  parts?: KeysetPart[];
  /** offset: where the next request starts, and the key of a record expected on that page. */
  offset?: number;
  lastKey?: string | null;
  /** offset: a few more keys of the last page (any of them found on the next page shows the overlap). */
  anchors?: string[];
  /** offset: distinct records read before this position, and the growth of meta.total seen so far. */
  seen?: number;
  grown?: number;
  /** keyset-time: the timestamp (ISO) the next request starts at. */
  from?: string;
}

export interface RawPage {
  body: Record<string, unknown>;
  bytes: number;
  /** Records of the paging array itself, as returned. */
  records: Record<string, unknown>[];
  /** Those of `records` this scan had not handed over yet (the ones to write). */
  fresh: Record<string, unknown>[];
  /** `meta.total` of the answer (progress). */
  total: number | null;
  /** True on the last page. */
  done: boolean;
  /** On the last page: why the scan cannot show it read everything (the cursor must not move). */
  incomplete?: string;
  /** Where to resume after this page (null when done). */
  next: PagePosition | null;
}

export interface PagingTarget {
  client: PageFetcher;
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

const keyOf = recordKey;

function freshOf(seen: IdSet, records: Record<string, unknown>[], pk: string): Record<string, unknown>[] {
  const keys = records.map((r) => keyOf(r, pk));
  const lastAt = new Map<string, number>();
  const copies = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    lastAt.set(keys[i], i);
    copies.set(keys[i], (copies.get(keys[i]) ?? 0) + 1);
  }
  // A key repeated inside one page is written once, as its last occurrence (the last one wins, as in a
  // merge), even when an overlapping page had it already; otherwise a record is written the first time.
  return records.filter((_, i) => {
    const k = keys[i];
    const fresh = seen.add(k);
    if (copies.get(k)! > 1) return lastAt.get(k) === i;
    return fresh;
  });
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
  const seen = new IdSet();
  const fetchPart = async (part: KeysetPart) => {
    const params = {
      ...t.params,
      'orders[id]': 'ASC',
      ...(part.after !== null ? { id_greater: part.after } : {}),
      ...(part.below !== null ? { id_less: part.below } : {}),
      limit: PAGE_SIZE,
    };
    let res = await fetchList(t.client, t.path, t.arrayKey, params, t.counter);
    // A short page that its own meta.total contradicts would end the range early: ask again.
    for (let retry = 0; ; retry++) {
      const short = res.records.length < PAGE_SIZE && res.total !== null && res.total > res.records.length;
      if (!short) break;
      if (retry >= SHORT_PAGE_RETRIES) {
        throw new IncompleteScanError(
          `/${t.path}: ${retry + 1} short pages of ${res.records.length} after id ${part.after ?? 0} where meta.total said ${res.total}`,
        );
      }
      res = await fetchList(t.client, t.path, t.arrayKey, params, t.counter);
    }
    const records = res.records;
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
  const out = (res: ListPage, records: Record<string, unknown>[], done: boolean, parts: KeysetPart[]) => ({
    body: res.body,
    bytes: res.bytes,
    records,
    fresh: freshOf(seen, records, t.primaryKey),
    total: res.total,
    done,
    next: done ? null : { parts: parts.map((p) => ({ ...p })) },
  });

  let parts: KeysetPart[];
  if (start.parts?.length) {
    parts = start.parts.map((p) => ({ ...p }));
  } else {
    const first = await fetchPart({ after: start.after ?? null, below: null, done: false });
    parts = [first.next];
    const total = first.res.total;
    const wanted = Math.max(1, t.partitions ?? 3);
    if (
      !first.next.done &&
      wanted > 1 &&
      total !== null &&
      total - first.records.length > PAGE_SIZE * 4 * wanted
    ) {
      const top = await fetchList(
        t.client,
        t.path,
        t.arrayKey,
        { ...t.params, 'orders[id]': 'DESC', limit: 1 },
        t.counter,
      );
      const lo = Number(first.next.after);
      const hi = Number(top.records[0]?.[t.primaryKey]);
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
    yield out(first.res, first.records, done, parts);
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
    yield out(
      r.res,
      r.records,
      parts.every((p) => p.done),
      parts,
    );
  }
}

/** Numeric ids compare as numbers, anything else as strings. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isSafeInteger(na) && Number.isSafeInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Offset paging with overlapping pages and a count against meta.total (see the top of this file). */
export async function* offsetPages(t: PagingTarget, start: PagePosition = {}): AsyncGenerator<RawPage> {
  const window = Math.max(1, t.prefetch ?? 3);
  const seen = new IdSet();
  let overlap = MIN_OVERLAP;
  let offset = start.offset ?? 0;
  // Ids of the last page taken as contiguous: the next page must hold one of them.
  let anchors = new Set<string>([
    ...(start.anchors ?? []),
    ...(typeof start.lastKey === 'string' ? [start.lastKey] : []),
  ]);
  let resuming = anchors.size > 0;
  // Distinct records read before a resume (the set starts empty then).
  let before = start.seen ?? 0;
  let grown = start.grown ?? 0;
  let lastTotal: number | null = null;
  let pass = 1;
  let distinctAtPassStart = -1;
  let shortRetries = 0;
  let stale = 0;
  const ahead = new Map<number, Promise<ListPage>>();
  const fetchAt = (o: number) => {
    const p = fetchList(
      t.client,
      t.path,
      t.arrayKey,
      { ...t.params, limit: PAGE_SIZE, offset: o },
      t.counter,
    );
    // A prefetch can fail while the reader is busy writing: mark it handled at once (awaiting it later
    // still throws), or Node ends the process on an unhandled rejection before the reader gets to it.
    p.catch(() => {});
    return p;
  };
  const take = (o: number) => {
    for (const k of ahead.keys()) if (k < o) ahead.delete(k); // behind us: never used
    const p = ahead.get(o) ?? fetchAt(o);
    ahead.delete(o);
    return p;
  };
  const position = (o: number, lastKey: string | null): PagePosition => ({
    offset: o,
    lastKey,
    anchors: [...anchors].slice(-RESUME_ANCHORS),
    seen: before + seen.size,
    grown,
  });
  const pick = (set: Set<string>) => {
    let last: string | null = null;
    for (const k of set) last = k;
    return last;
  };
  try {
    for (;;) {
      const page = await take(offset);
      const records = page.records;
      if (page.total !== null) {
        if (lastTotal !== null && page.total > lastTotal) grown += page.total - lastTotal;
        lastTotal = page.total;
      }
      const keys = records.map((r) => keyOf(r, t.primaryKey));
      let anchorAt = -1;
      for (let i = keys.length - 1; i >= 0 && anchorAt < 0; i--) if (anchors.has(keys[i])) anchorAt = i;
      if (resuming && anchorAt >= 0) {
        // After a resume, what precedes the anchor was read before the stop (or inserted since).
        for (let i = 0; i <= anchorAt; i++) if (seen.add(keys[i])) before--;
      }
      const base = { body: page.body, bytes: page.bytes, records, total: page.total };
      const fresh = freshOf(seen, records, t.primaryKey);
      if (offset > 0 && anchors.size > 0 && anchorAt < 0) {
        // No overlap: deletes before us moved unread records behind this page. Step back and widen.
        overlap = Math.min(MAX_OVERLAP, overlap * 2);
        const back = Math.max(0, offset - (PAGE_SIZE - overlap));
        yield { ...base, fresh, done: false, next: position(back, pick(anchors)) };
        offset = back;
        continue;
      }
      // A resume that stepped back to the start without finding its anchors is a whole new pass.
      if (resuming && anchorAt < 0) before = 0;
      resuming = false;
      const repeats = offset > 0 && keys.length > 0 && keys.every((k) => anchors.has(k));
      if (records.length > 0) anchors = new Set(keys);
      const short = records.length < PAGE_SIZE;
      if (
        short &&
        page.total !== null &&
        page.total > offset + records.length &&
        shortRetries < SHORT_PAGE_RETRIES
      ) {
        // A short page that its own meta.total contradicts is not the end: ask again.
        shortRetries++;
        yield { ...base, fresh, done: false, next: position(offset, pick(anchors)) };
        continue;
      }
      if (!short) {
        shortRetries = 0;
        // Full pages that repeat the previous page at a later offset: the API ignores offset (a scan
        // would never end). Catching up after a step back re-reads pages, but never the same one twice.
        stale = repeats ? stale + 1 : 0;
        if (stale >= STALE_PAGES) {
          throw new IncompleteScanError(
            `/${t.path}: ${stale} full pages in a row up to offset ${offset} repeated the page before: the API ignores offset`,
          );
        }
        const nextOffset = offset + records.length - overlap;
        // Put the pages meta.total says exist in flight before handing this one over (never past the
        // total: no wasted requests), so latency overlaps with the reader's work and other requests.
        for (let k = 0; k < window; k++) {
          const o = nextOffset + k * (PAGE_SIZE - overlap);
          if (page.total === null || o >= page.total) break;
          if (!ahead.has(o)) ahead.set(o, fetchAt(o));
        }
        yield { ...base, fresh, done: false, next: position(nextOffset, keys[keys.length - 1]) };
        offset = nextOffset;
        continue;
      }
      // End of a pass: count the distinct records against meta.total. Another pass only while passes
      // still find records (a pass that found none will not find them the next time either).
      const distinct = before + seen.size;
      const shortfall = lastTotal === null ? 0 : lastTotal - distinct;
      const progress = distinct > distinctAtPassStart;
      distinctAtPassStart = distinct;
      if (shortfall > grown && pass < MAX_PASSES && progress) {
        pass++;
        shortRetries = 0;
        anchors = new Set();
        yield { ...base, fresh, done: false, next: position(0, null) };
        offset = 0;
        continue;
      }
      const incomplete =
        shortfall > grown
          ? `read ${distinct} distinct records of the ${lastTotal} meta.total announced (${grown} added during the scan) in ${pass} passes`
          : undefined;
      yield { ...base, fresh, done: true, incomplete, next: null };
      return;
    }
  } finally {
    for (const p of ahead.values()) p.catch(() => {});
    ahead.clear();
  }
}

/**
 * Keyset paging on a timestamp sort whose ties come back in any order (see the top of this file).
 * `since` is where a new scan starts (the incremental lower bound; null = from the beginning).
 */
export async function* timeKeysetPages(
  t: PagingTarget & { timeField: string; timeParam: string },
  start: PagePosition,
  since: number | null,
): AsyncGenerator<RawPage> {
  const seen = new IdSet();
  let from = start.from !== undefined ? parseApiInstant(start.from) : since;
  let shortRetries = 0;
  const timeOf = (r: Record<string, unknown>) => parseApiInstant(r[t.timeField]);
  const get = (at: number | null, extra: QueryParams = {}) =>
    fetchList(
      t.client,
      t.path,
      t.arrayKey,
      { ...t.params, ...(at !== null ? { [t.timeParam]: toIso(at) } : {}), limit: PAGE_SIZE, ...extra },
      t.counter,
    );
  const emit = (page: ListPage, done: boolean, next: number | null, incomplete?: string): RawPage => ({
    body: page.body,
    bytes: page.bytes,
    records: page.records,
    fresh: freshOf(seen, page.records, t.primaryKey),
    // Later answers count only what lies after their own `after=`: progress keeps the first count.
    total: scanTotal,
    done,
    incomplete,
    next: done ? null : next === null ? {} : { from: toIso(next) },
  });
  let scanTotal: number | null = null;
  for (let firstPage = true; ; firstPage = false) {
    const page = await get(from);
    if (firstPage) scanTotal = page.total;
    const records = page.records;
    if (records.length < PAGE_SIZE) {
      if (page.total !== null && page.total > records.length) {
        if (shortRetries++ < SHORT_PAGE_RETRIES) {
          yield emit(page, false, from);
          continue;
        }
        yield emit(
          page,
          true,
          null,
          `a short page of ${records.length} records where meta.total said ${page.total}`,
        );
        return;
      }
      yield emit(page, true, null);
      return;
    }
    shortRetries = 0;
    const first = timeOf(records[0]);
    const last = timeOf(records[records.length - 1]);
    if (from !== null && first !== null && first < from) {
      // The API ignores unknown filters silently; paging on one it ignored would never end.
      throw new IncompleteScanError(
        `/${t.path}: the answer to ${t.timeParam}=${toIso(from)} starts at ${toIso(first)}: the filter was not honoured`,
      );
    }
    if (last === null) {
      throw new IncompleteScanError(
        `/${t.path}: a record without a readable "${t.timeField}" ends a full page; cannot page by time`,
      );
    }
    const floor = from ?? first;
    if (floor === null || last > floor) {
      // [from, last) is complete in this answer; the tie group at `last` is read whole by the next one.
      yield emit(page, false, last);
      from = last;
      continue;
    }
    // The whole page is one second T: a tie group larger than a page. Measure it and read it whole.
    const T = last;
    yield emit(page, false, T);
    const atT = from === T && page.total !== null ? page.total : (await get(T, { limit: 1 })).total;
    const afterT = (await get(T + 1000, { limit: 1 })).total;
    if (atT === null || afterT === null) {
      throw new IncompleteScanError(
        `/${t.path}: no meta.total to measure the ${records.length}+ records at ${toIso(T)}`,
      );
    }
    // Deleted members would count among the ids seen and hide one not seen yet, so the group is counted
    // ATOMICALLY, from one answer (`measure`), when the count starts (an epoch) and when enough ids were
    // seen. Nothing can join a past second, so the same count at both ends means nobody left during the
    // epoch: every id seen is a member, and as many as the group holds were seen. A smaller count starts a
    // new epoch.
    const measure = async (estimate: number) => {
      let guess = estimate;
      for (let tries = 0; tries < 8; tries++) {
        const o = Math.max(0, guess - PAGE_SIZE / 2);
        const probe = await get(T, { offset: o });
        requests++;
        const at = probe.records.filter((r) => timeOf(r) === T);
        if (at.length === 0 && o > 0) guess = o - PAGE_SIZE / 2;
        else if (at.length === probe.records.length && probe.records.length === PAGE_SIZE)
          guess = o + PAGE_SIZE * 1.5;
        else return { count: o + at.length, probe, at };
      }
      return null;
    };
    let requests = 0;
    let group = new Set<string>();
    const epoch = await measure(atT - afterT);
    let size = epoch?.count ?? 0;
    if (epoch) {
      for (const r of epoch.at) group.add(keyOf(r, t.primaryKey));
      yield emit(epoch.probe, false, T);
    }
    let offset = 0;
    // A member deleted after the count could never be seen: count again every few answers too.
    const recountEvery = 3 * Math.ceil(size / PAGE_SIZE) + 3;
    let sinceCount = 0;
    while (epoch && requests < MAX_GROUP_REQUESTS) {
      if (group.size >= size || sinceCount >= recountEvery) {
        sinceCount = 0;
        const end = await measure(size);
        if (!end) break;
        yield emit(end.probe, false, T);
        if (end.count === size && group.size >= size) break;
        if (end.count !== size) {
          size = end.count;
          group = new Set(end.at.map((r) => keyOf(r, t.primaryKey)));
        }
        continue;
      }
      // Windows kept inside the group (each answer then shows 100 members), at changing offsets (a
      // server whose tie order depends on LIMIT/OFFSET still shows different members).
      const more = await get(T, { offset: Math.min(offset, Math.max(0, size - PAGE_SIZE)) });
      requests++;
      sinceCount++;
      for (const r of more.records) if (timeOf(r) === T) group.add(keyOf(r, t.primaryKey));
      yield emit(more, false, T);
      offset = offset + PAGE_SIZE >= size ? 0 : offset + PAGE_SIZE;
    }
    if (!epoch || group.size < size) {
      const why = epoch
        ? `read ${group.size} of the ${size} records sharing ${t.timeField} ${toIso(T)} in ${requests} requests`
        : `could not count the records sharing ${t.timeField} ${toIso(T)} (meta.total said about ${atT - afterT})`;
      yield emit({ ...page, records: [] }, true, null, why);
      return;
    }
    from = T + 1000;
  }
}
