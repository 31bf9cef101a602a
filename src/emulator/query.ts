// Listing a collection: filters narrow the generated id range arithmetically (id bounds, parent,
// binary search on the monotonic timestamps), the overlay is checked record by record, and the two
// are merged in the listing order. Only field-equality filters scan, and only the narrowed range.
//
// Three orders: `id` (orders[id], and everything in idealised mode), `scrambled` (no honoured sort: the
// stable non-id order of order.ts), `created` (orders[tstamp], orders[cdate], …: by created time, whose
// ties are broken by id, or — with a tie salt — differently on every request, as MySQL does for equal
// ORDER BY values under LIMIT/OFFSET). Each is a sequence over the generated range with a rank/unrank
// pair, so a page at any offset costs the page, not the collection.
import { mix } from './hash.ts';
import { childrenOf } from './layout.ts';
import type { ApiRecord } from './shape.ts';
import type { Collection, OverlayEntry } from './world.ts';

export type OrderKind = 'id' | 'scrambled' | 'created';

export interface ListQuery {
  /** Inclusive id bounds. */
  minId: number;
  maxId: number;
  parent?: number;
  /** [from, to) in UTC ms on the created / updated instant. */
  created?: [number, number];
  updated?: [number, number];
  eq: Array<[field: string, value: string]>;
  order: OrderKind;
  /** For `created`: breaks ties differently for each value (one per request); undefined = by id. */
  tieSalt?: number;
  desc: boolean;
  offset: number;
  limit: number;
}

export interface ListResult {
  ids: number[];
  total: number;
}

export function emptyQuery(limit = 20): ListQuery {
  return { minId: 1, maxId: Number.MAX_SAFE_INTEGER, eq: [], order: 'id', desc: false, offset: 0, limit };
}

/** A sort key: compared lexicographically. */
type Key = [number, number];
const cmp = (a: Key, b: Key) => a[0] - b[0] || a[1] - b[1];

/** First id in [lo, hi] whose value is >= t (hi + 1 when none); `value` must be non-decreasing. */
function lowerBound(lo: number, hi: number, t: number, value: (id: number) => number): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (value(mid) < t) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** First id in [lo, hi] whose value is > t. */
function upperBound(lo: number, hi: number, t: number, value: (id: number) => number): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (value(mid) <= t) a = mid + 1;
    else b = mid;
  }
  return a;
}

const inRange = (ms: number, r?: [number, number]) => !r || (ms >= r[0] && ms < r[1]);

function overlayMatches(id: number, e: OverlayEntry, q: ListQuery): boolean {
  if (id < q.minId || id > q.maxId) return false;
  if (q.parent !== undefined && e.parent !== q.parent) return false;
  if (!inRange(e.created, q.created) || !inRange(e.updated, q.updated)) return false;
  return q.eq.every(([f, v]) => String(e.rec[f]) === v);
}

/** The generated id range [lo, hi] the query can touch. */
function generatedRange(c: Collection, q: ListQuery): [number, number] {
  let lo = Math.max(1, q.minId);
  let hi = Math.min(c.n, q.maxId);
  if (q.parent !== undefined) {
    if (!c.dist || !c.parent || q.parent < 1 || q.parent > c.parent.n) return [1, 0];
    const [first, last] = childrenOf(c.dist, q.parent);
    lo = Math.max(lo, first);
    hi = Math.min(hi, last);
  }
  if (lo > hi) return [lo, hi];
  for (const [range, which] of [
    [q.created, 'created'],
    [q.updated, 'updated'],
  ] as const) {
    if (!range) continue;
    const at = (id: number) => c.times(id)[which];
    lo = lowerBound(lo, hi, range[0], at);
    hi = lowerBound(lo, hi, range[1], at) - 1;
    if (lo > hi) break;
  }
  return [lo, hi];
}

/** The generated ids lo..hi in one order, before exclusions: rank ↔ id, and the rank of any key. */
interface GenSeq {
  size: number;
  key(id: number): Key;
  /** Number of ids of the range whose key is below k. */
  rankOf(k: Key): number;
  at(rank: number): number;
}

function sequenceOf(c: Collection, q: ListQuery, lo: number, hi: number): GenSeq {
  const size = Math.max(0, hi - lo + 1);
  if (q.order === 'scrambled') {
    const range = c.order.range(lo, hi);
    return {
      size,
      key: (id) => [c.order.position(id), 0],
      rankOf: (k) => range.rankOf(k[0]),
      at: (r) => range.at(r),
    };
  }
  if (q.order === 'created') {
    const created = (id: number) => c.times(id).created;
    return {
      size,
      key: (id) => [created(id), id],
      rankOf: ([t, id]) => {
        if (size === 0) return 0;
        const a = lowerBound(lo, hi, t, created);
        const b = upperBound(a, hi, t, created);
        return a - lo + Math.max(0, Math.min(id - a, b - a));
      },
      at: (r) => lo + r,
    };
  }
  return {
    size,
    key: (id) => [id, 0],
    rankOf: ([id, sub]) =>
      Math.max(0, Math.min(size, Math.ceil(id) - lo + (sub > 0 && Number.isInteger(id) ? 1 : 0))),
    at: (r) => lo + r,
  };
}

function overlayKey(c: Collection, q: ListQuery, id: number, e: OverlayEntry): Key {
  if (q.order === 'scrambled') return [c.positionOf(id), 0];
  if (q.order === 'created') return [e.created, id];
  return [id, 0];
}

/** Number of sorted values below x. */
function countBelow(sorted: number[], x: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid] < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

export function list(c: Collection, q: ListQuery): ListResult {
  const [lo, hi] = generatedRange(c, q);
  const matches: number[] = [];
  for (const id of c.touched) {
    const e = c.overlay.get(id);
    if (e && overlayMatches(id, e, q)) matches.push(id);
  }
  if (q.eq.length > 0) return listByScan(c, q, lo, hi, matches);

  const seq = sequenceOf(c, q, lo, hi);
  // Generated ids the overlay holds (changed or deleted) leave the sequence: their ranks, sorted.
  const exRanks = c.touched
    .filter((id) => id >= lo && id <= hi)
    .map((id) => seq.rankOf(seq.key(id)))
    .sort((a, b) => a - b);
  const genTotal = seq.size - exRanks.length;
  const matchKeys = new Map<number, Key>();
  for (const id of matches) matchKeys.set(id, overlayKey(c, q, id, c.overlay.get(id)!));
  matches.sort((a, b) => cmp(matchKeys.get(a)!, matchKeys.get(b)!));
  const total = genTotal + matches.length;

  /** Generated records (after exclusions) whose key is below k. */
  const genBefore = (k: Key): number => {
    const r = seq.rankOf(k);
    return r - countBelow(exRanks, r);
  };
  /** The merged records at positions [start, start + count), in (ascending) listing order. */
  const window = (start: number, count: number): number[] => {
    let m = 0;
    while (m < matches.length && genBefore(matchKeys.get(matches[m])!) + m < start) m++;
    let g = start - m;
    // Rank of the g-th kept generated record: step over excluded ranks.
    let r = g;
    let x = 0;
    while (x < exRanks.length && exRanks[x] <= r) {
      r++;
      x++;
    }
    const out: number[] = [];
    while (out.length < count) {
      const gen = g < genTotal ? seq.at(r) : undefined;
      if (m < matches.length && (gen === undefined || cmp(matchKeys.get(matches[m])!, seq.key(gen)) < 0)) {
        out.push(matches[m++]);
        continue;
      }
      if (gen === undefined) break;
      out.push(gen);
      g++;
      r++;
      while (x < exRanks.length && exRanks[x] < r) x++;
      while (x < exRanks.length && exRanks[x] === r) {
        r++;
        x++;
      }
    }
    return out;
  };
  // Ascending positions [start, end) of the merged sequence; DESC pages read it from the end.
  const wanted = Math.max(0, Math.min(q.limit, total - q.offset));
  const start = q.desc ? total - q.offset - wanted : q.offset;
  let ids = window(start, wanted);
  if (q.order === 'created' && q.tieSalt !== undefined && ids.length > 0) {
    // Re-deal the tie groups the page touches, the ones cut by its edges included: read them whole,
    // order each by this request's salt, and keep the page's positions.
    const mergedBefore = (k: Key) => {
      let n = genBefore(k);
      for (const id of matches) if (cmp(matchKeys.get(id)!, k) < 0) n++;
      return n;
    };
    const gs = mergedBefore([c.createdOf(ids[0]), Number.NEGATIVE_INFINITY]);
    const ge = mergedBefore([c.createdOf(ids[ids.length - 1]), Number.POSITIVE_INFINITY]);
    const group = gs === start && ge === start + ids.length ? ids : window(gs, ge - gs);
    ids = dealTies(c, group, q.tieSalt).slice(start - gs, start - gs + wanted);
  }
  if (q.desc) ids.reverse();
  return { ids, total };
}

/** Orders ids by created time, ties by a per-request hash of the id. */
function dealTies(c: Collection, ids: number[], salt: number): number[] {
  const keyed = ids.map((id) => ({ id, t: c.createdOf(id), h: mix(salt, id) }));
  keyed.sort((a, b) => a.t - b.t || a.h - b.h);
  return keyed.map((k) => k.id);
}

function listByScan(c: Collection, q: ListQuery, lo: number, hi: number, matches: number[]): ListResult {
  const wantedFields = new Set(q.eq.map(([f]) => f));
  const fields = c.fields.filter((f) => wantedFields.has(f.key));
  const hits: number[] = [];
  for (let id = lo; id <= hi; id++) {
    if (c.overlay.has(id)) continue;
    const ctx = c.context(id);
    let ok = true;
    for (const [f, v] of q.eq) {
      const spec = fields.find((s) => s.key === f);
      if (!spec || String(spec.fn(ctx)) !== v) {
        ok = false;
        break;
      }
    }
    if (ok) hits.push(id);
  }
  let all = [...hits, ...matches];
  if (q.order === 'created' && q.tieSalt !== undefined) all = dealTies(c, all, q.tieSalt);
  else {
    const key = (id: number): Key => {
      const e = c.overlay.get(id);
      if (e) return overlayKey(c, q, id, e);
      if (q.order === 'scrambled') return [c.order.position(id), 0];
      return q.order === 'created' ? [c.times(id).created, id] : [id, 0];
    };
    const keys = new Map(all.map((id) => [id, key(id)]));
    all.sort((a, b) => cmp(keys.get(a)!, keys.get(b)!));
  }
  if (q.desc) all.reverse();
  return { ids: all.slice(q.offset, q.offset + q.limit), total: all.length };
}

/** Every record of a collection in id order (generated ones lazily). */
export function* allRecords(c: Collection): Iterable<ApiRecord> {
  let t = 0;
  for (let id = 1; id <= c.n; id++) {
    while (t < c.touched.length && c.touched[t] < id) {
      const e = c.overlay.get(c.touched[t++]);
      if (e) yield e.rec;
    }
    if (t < c.touched.length && c.touched[t] === id) {
      const e = c.overlay.get(c.touched[t++]);
      if (e) yield e.rec;
      continue;
    }
    yield c.generate(id);
  }
  while (t < c.touched.length) {
    const e = c.overlay.get(c.touched[t++]);
    if (e) yield e.rec;
  }
}
