// Deterministic pseudo-randomness: every generated value is a pure function of (seed, salt, id), so a
// record can be rebuilt from its id at any time and nothing has to be kept in memory.

/** A 32-bit integer hash of a string (FNV-1a), used to turn collection and field names into salts. */
export function saltOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into one well-distributed unsigned 32-bit value (murmur3 finaliser per step). */
export function mix(a: number, b: number, c = 0, d = 0): number {
  // Unrolled: this runs for every generated field value.
  let h = (a ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (b >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (c >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (d >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) for (seed, salt, id, extra). */
export function unit(seed: number, salt: number, id: number, extra = 0): number {
  return mix(seed, salt, id, extra) / 4294967296;
}

/** A sequential generator (mulberry32) for things that happen in order: faults, latency. */
export function sequence(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
