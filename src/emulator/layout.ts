// Where generated records live: how many there are, which parent each child belongs to, and when it
// was created and updated. All of it is arithmetic on the id, so a million contacts cost no memory.
//
// Children are spread over parents by a repeating pattern of per-parent counts (drawn from the seed),
// so "which contact owns fieldValue j" and "which fieldValues does contact c own" are both O(1).
//
// Timestamps: every record owns a time slot; its `created` lies in the first half of the slot and its
// `updated` in the second half, and a child's slot lies inside the second half of its parent's slot.
// Hence created and updated times are non-decreasing in id within every collection, which is what lets
// date filters find their start by binary search instead of scanning.
import { unit } from './hash.ts';

export interface Distribution {
  /** Per-parent child counts, repeating every pattern.length parents. */
  pattern: number[];
  /** prefix[i] = sum of pattern[0..i). */
  prefix: number[];
  max: number;
}

export function makeDistribution(seed: number, salt: number, ratio: number, exact = false): Distribution {
  if (exact) {
    const n = Math.max(0, Math.round(ratio));
    return { pattern: [n], prefix: [0, n], max: Math.max(1, n) };
  }
  const length = ratio >= 1 ? 20 : ratio >= 0.2 ? 50 : 200;
  const total = Math.max(1, Math.round(ratio * length));
  const pattern = new Array<number>(length).fill(0);
  for (let k = 0; k < total; k++) pattern[Math.floor(unit(seed, salt, k, 77) * length)]++;
  const prefix = [0];
  for (const n of pattern) prefix.push(prefix[prefix.length - 1] + n);
  return { pattern, prefix, max: Math.max(1, ...pattern) };
}

/** Number of children of the first `parents` parents. */
export function childCount(d: Distribution, parents: number): number {
  const L = d.pattern.length;
  return Math.floor(parents / L) * d.prefix[L] + d.prefix[parents % L];
}

/** The children of parent p as the id range [first, last] (empty when last < first). */
export function childrenOf(d: Distribution, p: number): [number, number] {
  const first = childCount(d, p - 1) + 1;
  return [first, first + d.pattern[(p - 1) % d.pattern.length] - 1];
}

/** Parent id and slot index of child j. */
export function parentOf(d: Distribution, j: number): { parent: number; slot: number } {
  const L = d.pattern.length;
  const per = d.prefix[L];
  const block = Math.floor((j - 1) / per);
  const rem = j - 1 - block * per;
  // Small pattern: a linear scan is as fast as a binary search here.
  let t = 0;
  while (d.prefix[t + 1] <= rem) t++;
  return { parent: block * L + t + 1, slot: rem - d.prefix[t] };
}

/** A time slot [from, to) in UTC ms. */
export type Slot = [number, number];

export function topSlot(span: Slot, count: number, id: number): Slot {
  const step = (span[1] - span[0]) / Math.max(1, count);
  return [span[0] + (id - 1) * step, span[0] + id * step];
}

export function childSlot(parent: Slot, d: Distribution, slot: number): Slot {
  const half = (parent[1] - parent[0]) / 2;
  const start = parent[0] + half;
  return [start + (half * slot) / d.max, start + (half * (slot + 1)) / d.max];
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Created and updated instants inside a slot (jittered, whole seconds, monotonic across slots). */
export function timesIn(
  slot: Slot,
  seed: number,
  salt: number,
  id: number,
): { created: number; updated: number } {
  const w = slot[1] - slot[0];
  return {
    created: wholeSecond(slot[0] + 0.5 * w * unit(seed, salt, id, 1)),
    updated: wholeSecond(slot[0] + w * (0.5 + 0.49 * unit(seed, salt, id, 2))),
  };
}

// ───────────── same-second bursts ─────────────
// Records written together (a campaign blast, an import) share one timestamp. Consecutive ids are grouped
// into bursts by a repeating pattern of burst sizes; every member of a burst takes the created time of the
// burst's first or last member. Times stay non-decreasing in id, so date filters still binary-search.

export interface TieSpec {
  /** Largest ordinary burst (sizes 1..small, singles `single` of the time). */
  small: number;
  single: number;
  /** One large burst (a campaign blast, an import) of [min, max] records per `every` ids. */
  blast?: { size: [number, number]; every: number };
  /** Whose time the burst takes: `last` keeps every member at or after its own slot (children after
   * their parent), `first` keeps it at or before (a parent before its children). */
  anchor: 'first' | 'last';
}

export interface Bursts {
  pattern: number[];
  prefix: number[];
  anchor: 'first' | 'last';
}

export function makeBursts(seed: number, salt: number, spec: TieSpec): Bursts {
  const pattern: number[] = [];
  const period = spec.blast?.every ?? 1000;
  let total = 0;
  let k = 0;
  while (total < period) {
    const u = unit(seed, salt, k, 91);
    const size = u < spec.single ? 1 : 2 + Math.floor(unit(seed, salt, k, 92) * Math.max(1, spec.small - 1));
    pattern.push(size);
    total += size;
    k++;
  }
  if (spec.blast) {
    const [lo, hi] = spec.blast.size;
    const at = Math.floor(unit(seed, salt, 0, 93) * pattern.length);
    pattern.splice(at, 0, lo + Math.floor(unit(seed, salt, 0, 94) * (hi - lo + 1)));
  }
  const prefix = [0];
  for (const n of pattern) prefix.push(prefix[prefix.length - 1] + n);
  return { pattern, prefix, anchor: spec.anchor };
}

/** The burst holding `id`, as the id range [first, last]. */
export function burstOf(b: Bursts, id: number): [number, number] {
  const per = b.prefix[b.prefix.length - 1];
  const block = Math.floor((id - 1) / per);
  const rem = id - 1 - block * per;
  let lo = 0;
  let hi = b.pattern.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (b.prefix[mid] <= rem) lo = mid;
    else hi = mid - 1;
  }
  const first = block * per + b.prefix[lo] + 1;
  return [first, first + b.pattern[lo] - 1];
}
