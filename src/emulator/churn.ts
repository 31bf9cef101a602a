// Records change while a collection is being paged: other users and automations add and delete them.
// With churn R, every list request of a churned collection first makes on average R changes to that
// collection — floor(R) changes, plus one more with probability R − floor(R) — each an insert or a
// delete with equal chance. Inserts are new records under a random live parent, stamped with the real
// clock, at a random place of the unsorted order; deletes remove a random live record (generated or
// written) with what depends on it. Every draw comes from a sequence seeded by --seed.
import { BY_NAME } from './catalog.ts';
import { sequence } from './hash.ts';
import type { Collection } from './world.ts';

export interface ChurnTarget {
  /** Adds a new record `id` under `parent` (0 for top-level collections), created at `now`. */
  insert(c: Collection, parent: number, now: number): void;
  /** Deletes record `id` and what depends on it. */
  remove(c: Collection, id: number, now: number): void;
}

/** Records churn must never delete: the key's own user (/users/me). */
const PROTECTED: Record<string, number[]> = { users: [1] };

/** The collection a churn name designates (`customObjects/records/<schema>` is one collection). */
export function churnName(name: string): string {
  return name.startsWith('customObjects/records/') ? 'customObjects/records' : name;
}

/** Throws a message naming the first name that is not a listable collection. */
export function checkChurnCollections(names: string[]): void {
  for (const raw of names) {
    const def = BY_NAME.get(churnName(raw));
    if (!def || def.sideloadOnly)
      throw new Error(`churn-collections: "${raw}" is not a listable collection (see collections())`);
  }
}

export class Churn {
  private rate = 0;
  private only?: Set<string>;
  private readonly draw: () => number;
  /** Changes made so far, for tests. */
  readonly counts = { inserted: 0, deleted: 0 };

  constructor(seed: number, rate: number, collections?: string[]) {
    this.draw = sequence(seed ^ 0xc4c4);
    this.set(rate, collections);
  }

  set(rate: number, collections?: string[]): void {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`churn: ${rate} is not a number >= 0`);
    if (collections) checkChurnCollections(collections);
    this.rate = rate;
    this.only = collections ? new Set(collections.map(churnName)) : undefined;
  }

  /** Called once per list request of `c`, before the page is computed. */
  onList(c: Collection, now: number, target: ChurnTarget): void {
    if (this.rate <= 0 || (this.only && !this.only.has(c.name))) return;
    let changes = Math.floor(this.rate);
    if (this.draw() < this.rate - changes) changes++;
    for (let i = 0; i < changes; i++) {
      if (this.draw() < 0.5) {
        const parent = c.parent ? this.live(c.parent) : 0;
        if (parent === undefined) continue;
        target.insert(c, parent, now);
        this.counts.inserted++;
      } else {
        const id = this.live(c, PROTECTED[c.name]);
        if (id === undefined) continue;
        target.remove(c, id, now);
        this.counts.deleted++;
      }
    }
  }

  /** A random live record of c (a few tries; undefined when none was found). */
  private live(c: Collection, avoid: number[] = []): number | undefined {
    const top = c.nextId - 1;
    if (top < 1) return undefined;
    for (let tries = 0; tries < 40; tries++) {
      const id = 1 + Math.floor(this.draw() * top);
      if (!avoid.includes(id) && c.exists(id)) return id;
    }
    return undefined;
  }
}
