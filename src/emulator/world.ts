// The account: every collection's generated records (computed from ids on demand) plus an overlay of
// records that writes created, changed or deleted. Only the overlay takes memory.

import { BY_NAME, CATALOG, type CollectionDef } from './catalog.ts';
import { generatedSpan } from './clock.ts';
import { saltOf } from './hash.ts';
import {
  childCount,
  childrenOf,
  childSlot,
  type Distribution,
  makeDistribution,
  parentOf,
  type Slot,
  timesIn,
  topSlot,
} from './layout.ts';
import { type ApiRecord, buildRecord, type FieldSpec, type GenContext, parseShape } from './shape.ts';

/** A record held in memory because a write touched it; null marks a deletion. */
export interface OverlayEntry {
  rec: ApiRecord;
  created: number;
  updated: number;
  parent: number;
}

export class Collection {
  readonly fields: FieldSpec[];
  /** Number of generated records (ids 1..n). */
  n = 0;
  dist?: Distribution;
  parent?: Collection;
  readonly children: Collection[] = [];
  readonly overlay = new Map<number, OverlayEntry | null>();
  /** Sorted ids present in the overlay. */
  touched: number[] = [];
  nextId = 1;
  private readonly salt: number;

  constructor(
    readonly def: CollectionDef,
    private readonly world: World,
  ) {
    this.fields = parseShape(def.name, def.shape, def.custom);
    this.salt = saltOf(`time:${def.name}`);
  }

  get name(): string {
    return this.def.name;
  }

  /** Time slot of generated record `id` (nested inside its parent's slot). */
  slot(id: number): Slot {
    if (this.parent && this.dist) {
      const { parent, slot } = parentOf(this.dist, id);
      return childSlot(this.parent.slot(parent), this.dist, slot);
    }
    const [from, to] = this.world.span;
    const span: Slot = this.def.early ? [from, from + (to - from) * 0.05] : [from, to];
    return topSlot(span, this.n, id);
  }

  times(id: number): { created: number; updated: number } {
    return timesIn(this.slot(id), this.world.seed, this.salt, id);
  }

  parentId(id: number): number {
    return this.dist ? parentOf(this.dist, id).parent : 0;
  }

  private readonly sizeOf = (c: string) => this.world.get(c).n;
  private readonly parentIn = (c: string, child: number) => this.world.get(c).parentId(child);
  private readonly childrenIn = (c: string, p: number) => this.world.get(c).generatedChildren(p);
  private readonly recordIn = (c: string, id: number) => this.world.get(c).generatedCached(id);
  private cache?: Map<number, ApiRecord>;

  /** generateFull, memoised for small (configuration) collections that other records consult. */
  generatedCached(id: number): ApiRecord {
    if (this.n > 1000) return this.generateFull(id);
    this.cache ??= new Map();
    let rec = this.cache.get(id);
    if (!rec) this.cache.set(id, (rec = this.generateFull(id)));
    return rec;
  }

  context(id: number): GenContext {
    const { created, updated } = this.times(id);
    const where = this.dist ? parentOf(this.dist, id) : { parent: 0, slot: 0 };
    return {
      seed: this.world.seed,
      id,
      parent: where.parent,
      slot: where.slot,
      created,
      updated,
      linkBase: `${this.world.baseUrl}/api/3/${this.def.name}`,
      sizeOf: this.sizeOf,
      parentIn: this.parentIn,
      childrenIn: this.childrenIn,
      recordIn: this.recordIn,
    };
  }

  /** The generated record (ignoring writes). */
  generate(id: number): ApiRecord {
    const ctx = this.context(id);
    const rec = buildRecord(this.fields, ctx);
    return this.def.finish ? this.def.finish(rec, ctx) : rec;
  }

  /** The generated record before any permission shaping (what a write starts from). */
  generateFull(id: number): ApiRecord {
    return buildRecord(this.fields, this.context(id));
  }

  /** The record as the API shows it now, or undefined when it does not exist. */
  get(id: number): ApiRecord | undefined {
    const o = this.overlay.get(id);
    if (o !== undefined) return o ? o.rec : undefined;
    if (id >= 1 && id <= this.n) return this.generate(id);
    return undefined;
  }

  exists(id: number): boolean {
    const o = this.overlay.get(id);
    return o !== undefined ? o !== null : id >= 1 && id <= this.n;
  }

  /** Ids of generated children of `p` (empty for parents created by writes). */
  generatedChildren(p: number): number[] {
    const child = this.dist;
    if (!child || !this.parent || p < 1 || p > this.parent.n) return [];
    const [first, last] = childrenOf(child, p);
    const out: number[] = [];
    for (let id = first; id <= last; id++) out.push(id);
    return out;
  }

  /** Live children of `p`: generated ones not deleted/changed, plus overlay records pointing at p. */
  childrenIds(p: number): number[] {
    const ids = this.generatedChildren(p).filter((id) => !this.overlay.has(id));
    for (const [id, e] of this.overlay) if (e && e.parent === p) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  put(id: number, entry: OverlayEntry | null): void {
    if (!this.overlay.has(id)) {
      // Keep `touched` sorted: binary insertion.
      let lo = 0;
      let hi = this.touched.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.touched[mid] < id) lo = mid + 1;
        else hi = mid;
      }
      this.touched.splice(lo, 0, id);
    }
    this.overlay.set(id, entry);
    if (id >= this.nextId) this.nextId = id + 1;
  }
}

export class World {
  readonly collections = new Map<string, Collection>();
  readonly span: [number, number];
  baseUrl = 'http://127.0.0.1';

  constructor(
    readonly seed: number,
    readonly contacts: number,
    startedAt: number,
  ) {
    const { from, to } = generatedSpan(seed, startedAt);
    this.span = [from, to];
    for (const def of CATALOG) this.collections.set(def.name, new Collection(def, this));
    // Sizes: parents are listed before their children in the catalog, except where noted; resolve
    // in dependency order.
    const sized = new Set<string>();
    const size = (c: Collection): void => {
      if (sized.has(c.name)) return;
      const s = c.def.size;
      if ('fixed' in s) c.n = s.fixed;
      else if ('perContact' in s)
        c.n = Math.max(s.perContact === 1 ? 0 : 1, Math.round(s.perContact * contacts));
      else {
        const parent = this.get(s.parent);
        size(parent);
        c.parent = parent;
        parent.children.push(c);
        c.dist = makeDistribution(seed, saltOf(`dist:${c.name}`), s.ratio, s.exact);
        c.n = childCount(c.dist, parent.n);
      }
      c.nextId = c.n + 1;
      sized.add(c.name);
    };
    for (const c of this.collections.values()) size(c);
  }

  get(name: string): Collection {
    const c = this.collections.get(name);
    if (!c) throw new Error(`no collection ${name}`);
    return c;
  }

  has(name: string): boolean {
    return BY_NAME.has(name);
  }
}
