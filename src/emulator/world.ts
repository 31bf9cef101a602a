// The account: every collection's generated records (computed from ids on demand) plus an overlay of
// records that writes (and churn) created, changed or deleted. Only the overlay takes memory.

import { BY_NAME, CATALOG, type CollectionDef } from './catalog.ts';
import { FUTURE_SPAN, futureBase, generatedSpan, wholeSecond, Zone } from './clock.ts';
import { saltOf, unit } from './hash.ts';
import {
  type Bursts,
  burstOf,
  childCount,
  childrenOf,
  childSlot,
  type Distribution,
  makeBursts,
  makeDistribution,
  parentOf,
  type Slot,
  timesIn,
  topSlot,
} from './layout.ts';
import { Scramble, ScrambledOrder } from './order.ts';
import { type ApiRecord, buildRecord, type FieldSpec, type GenContext, parseShape } from './shape.ts';

export interface WorldOptions {
  /** IANA zone of the account (default UTC). */
  timezone?: string;
  /** Share of future-capable records that carry a future date (default 0). */
  futureDates?: number;
}

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
  /** Same-second bursts of created times (catalog `ties`). */
  bursts?: Bursts;
  /** Generated records at the top of the id range whose created time lies in the future. */
  futureTop = 0;
  /** Where each record sits when the collection is listed without an honoured sort. */
  readonly order: ScrambledOrder;
  private readonly salt: number;
  private readonly futureSalt: number;
  private readonly futureFields: FieldSpec[];

  constructor(
    readonly def: CollectionDef,
    private readonly world: World,
  ) {
    this.fields = parseShape(def.name, def.shape, def.custom);
    this.salt = saltOf(`time:${def.name}`);
    this.futureSalt = saltOf(`future:${def.name}`);
    const future = def.future && !def.future.moves ? def.future.fields : [];
    this.futureFields = this.fields.filter((f) => future.includes(f.key));
    if (def.ties) this.bursts = makeBursts(world.seed, saltOf(`ties:${def.name}`), def.ties);
    this.order = new ScrambledOrder(world.scramble, world.seed, def.name, () => this.n);
  }

  get name(): string {
    return this.def.name;
  }

  get zone(): Zone {
    return this.world.zone;
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

  private rawTimes(id: number): { created: number; updated: number } {
    return timesIn(this.slot(id), this.world.seed, this.salt, id);
  }

  /** Created and updated instants of generated record `id`; both non-decreasing in id. */
  times(id: number): { created: number; updated: number } {
    if (id > this.n) return this.rawTimes(id); // a new record: its write stamps it
    const limit = this.n - this.futureTop;
    if (id > limit) {
      // Future records: spread over the years ahead, in id order.
      const k = id - limit - 1;
      const step = FUTURE_SPAN / this.futureTop;
      const at = wholeSecond(this.world.futureBase + (k + unit(this.world.seed, this.futureSalt, id)) * step);
      return { created: at, updated: at };
    }
    const raw = this.rawTimes(id);
    if (!this.bursts) return raw;
    const [first, last] = burstOf(this.bursts, id);
    const anchor = this.bursts.anchor === 'first' ? first : Math.min(last, limit);
    const created = anchor === id ? raw.created : this.rawTimes(anchor).created;
    return { created, updated: Math.max(raw.updated, created) };
  }

  /** The created instant of a record of the collection as it is now (overlay or generated). */
  createdOf(id: number): number {
    const o = this.overlay.get(id);
    return o ? o.created : this.times(id).created;
  }

  /** Where the record sits in the unsorted (scrambled) order: generated ones by block arithmetic,
   * later ones at a seeded random place between two generated ones. */
  positionOf(id: number): number {
    return id >= 1 && id <= this.n ? this.order.position(id) : this.order.newPosition(id);
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
      zone: this.world.zone,
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
    const rec = this.withFuture(buildRecord(this.fields, ctx), ctx);
    return this.def.finish ? this.def.finish(rec, ctx) : rec;
  }

  /** The generated record before any permission shaping (what a write starts from). */
  generateFull(id: number): ApiRecord {
    const ctx = this.context(id);
    return this.withFuture(buildRecord(this.fields, ctx), ctx);
  }

  /** A new record `id` (not generated) under `parent`, created and updated at `now`. */
  generateNew(id: number, parent: number, now: number): ApiRecord {
    const ctx = { ...this.context(id), parent, created: now, updated: now };
    return buildRecord(this.fields, ctx);
  }

  /** Whether generated record `id` is one of the --future-dates share (field-level futures). */
  private isFuture(id: number): boolean {
    return (
      this.futureFields.length > 0 && unit(this.world.seed, this.futureSalt, id) < this.world.futureShare
    );
  }

  private withFuture(rec: ApiRecord, ctx: GenContext): ApiRecord {
    if (ctx.id > this.n || !this.isFuture(ctx.id)) return rec;
    const ahead = unit(this.world.seed, this.futureSalt, ctx.id, 1) * FUTURE_SPAN;
    const at = wholeSecond(this.world.futureBase + ahead);
    for (const f of this.futureFields) {
      rec[f.key] = f.stamp ? f.stamp.format(at, ctx.id, ctx.zone) : ctx.zone.isoLocal(at);
    }
    return rec;
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
  readonly zone: Zone;
  readonly futureShare: number;
  /** Future dates start here (a day or more after the start). */
  readonly futureBase: number;
  readonly scramble: Scramble;
  baseUrl = 'http://127.0.0.1';

  constructor(
    readonly seed: number,
    readonly contacts: number,
    startedAt: number,
    opts: WorldOptions = {},
  ) {
    const { from, to } = generatedSpan(seed, startedAt);
    this.span = [from, to];
    this.zone = new Zone(opts.timezone ?? 'UTC');
    this.futureShare = opts.futureDates ?? 0;
    this.futureBase = futureBase(startedAt);
    this.scramble = new Scramble(seed);
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
      if (c.def.future?.moves === 'created') c.futureTop = Math.round(c.n * this.futureShare);
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
