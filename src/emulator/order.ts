// The order a collection is listed in when no documented sort is asked for. The real API returns such
// lists in a stable order that is not id order (the docs show /contacts 5,4,6,2,3,7 and /deals 46,1,2).
// The emulator scrambles generated ids block by block: ids are cut into blocks of BLOCK consecutive
// ids and each block is listed in one of a few seeded permutations. A generated id's position is
// therefore arithmetic (block start + its rank inside the block), and the k-th record of any id range
// is found without scanning the collection. Records created after the start (writes, churn) get a
// seeded random position between two generated ones (newPosition), so they do not land at the end.
import { mix, saltOf, unit } from './hash.ts';

export const BLOCK = 64;
const PERMUTATIONS = 32;

/** A few seeded permutations of 0..BLOCK-1 and their inverses, shared by a world's collections. */
export class Scramble {
  /** order[p][j] = offset (0..BLOCK-1) of the j-th id listed in a block using permutation p. */
  readonly order: Uint8Array[] = [];
  /** rank[p][o] = where the id at offset o is listed inside its block. */
  readonly rank: Uint8Array[] = [];

  constructor(seed: number) {
    for (let p = 0; p < PERMUTATIONS; p++) {
      const o = new Uint8Array(BLOCK);
      for (let i = 0; i < BLOCK; i++) o[i] = i;
      for (let i = BLOCK - 1; i > 0; i--) {
        const j = Math.floor(unit(seed, 0x5c7a, p, i) * (i + 1));
        const t = o[i];
        o[i] = o[j];
        o[j] = t;
      }
      const r = new Uint8Array(BLOCK);
      for (let j = 0; j < BLOCK; j++) r[o[j]] = j;
      this.order.push(o);
      this.rank.push(r);
    }
  }
}

/** One collection's scrambled order over its generated ids 1..n. */
export class ScrambledOrder {
  private readonly salt: number;

  constructor(
    private readonly s: Scramble,
    private readonly seed: number,
    name: string,
    private readonly n: () => number,
  ) {
    this.salt = saltOf(`order:${name}`);
  }

  private perm(block: number): number {
    return mix(this.seed, this.salt, block) % PERMUTATIONS;
  }

  /** Position of generated id `id` (an integer; positions of ids 1..n are a permutation of 0..). */
  position(id: number): number {
    const block = Math.floor((id - 1) / BLOCK);
    return block * BLOCK + this.s.rank[this.perm(block)][(id - 1) % BLOCK];
  }

  /** A seeded random position for a record created after the start: between two generated ones. */
  newPosition(id: number): number {
    const n = Math.max(1, this.n());
    return Math.floor(unit(this.seed, this.salt, id, 1) * n) + 0.5 + 0.49 * unit(this.seed, this.salt, id, 2);
  }

  /** The ids of [lo, hi] in position order, as rank/unrank functions (no scan of the range). */
  range(lo: number, hi: number): RangeOrder {
    return new RangeOrder(this, lo, hi);
  }

  /** Offsets of block `b` in listing order. */
  blockOrder(b: number): Uint8Array {
    return this.s.order[this.perm(b)];
  }
}

/** The generated ids lo..hi listed in scrambled order. */
export class RangeOrder {
  readonly size: number;
  private readonly firstBlock: number;
  private readonly lastBlock: number;
  /** In-range ids of the first block, in listing order (the block may be cut by lo or hi). */
  private readonly head: number[];
  /** In-range ids of the last block when it differs from the first one. */
  private readonly tail: number[];

  constructor(
    private readonly o: ScrambledOrder,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    this.size = Math.max(0, hi - lo + 1);
    this.firstBlock = Math.floor((lo - 1) / BLOCK);
    this.lastBlock = Math.floor((hi - 1) / BLOCK);
    this.head = this.size > 0 ? this.inRange(this.firstBlock) : [];
    this.tail = this.size > 0 && this.lastBlock > this.firstBlock ? this.inRange(this.lastBlock) : [];
  }

  private inRange(b: number): number[] {
    const out: number[] = [];
    for (const off of this.o.blockOrder(b)) {
      const id = b * BLOCK + off + 1;
      if (id >= this.lo && id <= this.hi) out.push(id);
    }
    return out;
  }

  /** The id at rank r (0-based) of the range in listing order. */
  at(r: number): number {
    if (r < this.head.length) return this.head[r];
    const rest = r - this.head.length;
    const b = this.firstBlock + 1 + Math.floor(rest / BLOCK);
    const j = rest % BLOCK;
    if (b === this.lastBlock) return this.tail[j];
    return b * BLOCK + this.o.blockOrder(b)[j] + 1;
  }

  /** Number of ids of the range whose position is below `pos`. */
  rankOf(pos: number): number {
    if (this.size === 0) return 0;
    const b = Math.floor(pos / BLOCK);
    if (b < this.firstBlock) return 0;
    if (b > this.lastBlock) return this.size;
    const count = (ids: number[]) => {
      let k = 0;
      for (const id of ids) if (this.o.position(id) < pos) k++;
      return k;
    };
    if (b === this.firstBlock) return count(this.head);
    const before = this.head.length + (b - this.firstBlock - 1) * BLOCK;
    if (b === this.lastBlock) return before + count(this.tail);
    return before + Math.min(BLOCK, Math.ceil(pos - b * BLOCK));
  }
}
