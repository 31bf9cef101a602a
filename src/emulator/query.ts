// Listing a collection: filters narrow the generated id range arithmetically (id bounds, parent,
// binary search on the monotonic timestamps), the overlay is checked record by record, and the two
// are merged in id order. Only field-equality filters scan, and only the narrowed range.
import { childrenOf } from './layout.ts';
import type { ApiRecord } from './shape.ts';
import type { Collection, OverlayEntry } from './world.ts';

export interface ListQuery {
  /** Inclusive id bounds. */
  minId: number;
  maxId: number;
  parent?: number;
  /** [from, to) in UTC ms on the created / updated instant. */
  created?: [number, number];
  updated?: [number, number];
  eq: Array<[field: string, value: string]>;
  desc: boolean;
  offset: number;
  limit: number;
}

export interface ListResult {
  ids: number[];
  total: number;
}

export function emptyQuery(limit = 20): ListQuery {
  return { minId: 1, maxId: Number.MAX_SAFE_INTEGER, eq: [], desc: false, offset: 0, limit };
}

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

export function list(c: Collection, q: ListQuery): ListResult {
  const [lo, hi] = generatedRange(c, q);
  const matches: number[] = [];
  for (const id of c.touched) {
    const e = c.overlay.get(id);
    if (e && overlayMatches(id, e, q)) matches.push(id);
  }
  if (q.eq.length > 0) return listByScan(c, q, lo, hi, matches);

  // Generated ids in [lo, hi] minus those the overlay holds (changed or deleted).
  const excluded = c.touched.filter((id) => id >= lo && id <= hi);
  const genTotal = lo <= hi ? hi - lo + 1 - excluded.length : 0;
  const total = genTotal + matches.length;
  const nthGenerated = (k: number): number => {
    let id = lo + k;
    for (const e of excluded) {
      if (e <= id) id++;
      else break;
    }
    return id;
  };
  const generatedBefore = (id: number): number => {
    if (lo > hi || id <= lo) return 0;
    const top = Math.min(id - 1, hi);
    let skipped = 0;
    for (const e of excluded) if (e <= top) skipped++;
    return top - lo + 1 - skipped;
  };
  // Ascending positions [start, end) of the merged sequence; DESC pages read it from the end.
  const wanted = Math.max(0, Math.min(q.limit, total - q.offset));
  const start = q.desc ? total - q.offset - wanted : q.offset;
  let m = 0;
  while (m < matches.length && generatedBefore(matches[m]) + m < start) m++;
  let g = start - m;
  const ids: number[] = [];
  while (ids.length < wanted) {
    const next = g < genTotal ? nthGenerated(g) : Number.POSITIVE_INFINITY;
    if (m < matches.length && matches[m] < next) ids.push(matches[m++]);
    else {
      ids.push(next);
      g++;
    }
  }
  if (q.desc) ids.reverse();
  return { ids, total };
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
  const all = mergeSorted(hits, matches);
  if (q.desc) all.reverse();
  return { ids: all.slice(q.offset, q.offset + q.limit), total: all.length };
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
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
