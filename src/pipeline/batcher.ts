// Gathers one resource's pages into write batches bounded by rows and bytes. Bigger batches load faster;
// the bounds keep memory flat. A batch carries the state of its LAST page: once it commits, everything up to
// that page is in the warehouse, which is exactly what the state claims.
import type { ExtractedPage, JsonObject, SourceRecord } from '../core/contracts.ts';

export interface BatchLimits {
  maxRows: number;
  maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 5000, maxBytes: 16 * 1024 * 1024 };

export class PendingBatch {
  records: SourceRecord[] = [];
  events = 0;
  pages = 0;
  bytes = 0;
  state: JsonObject | null = null;
  /** Delete detection: the ids the batch's pages saw (ExtractedPage.seen), null when not staging. */
  seen: { ids: string[]; fresh: boolean; complete: boolean } | null = null;

  constructor(
    readonly resource: string,
    readonly primaryKey: string,
    private readonly limits: BatchLimits,
    /** The resource's fields of many types (catalog `mixedTypeFields`), passed on with every batch. */
    readonly stringFields?: readonly string[],
  ) {}

  add(page: ExtractedPage, bytes: number): void {
    for (const r of page.records) this.records.push(r);
    this.events += page.events;
    this.pages++;
    this.bytes += bytes;
    this.state = page.state;
    if (page.seen) {
      this.seen ??= { ids: [], fresh: false, complete: false };
      for (const id of page.seen.ids) this.seen.ids.push(id);
      this.seen.fresh ||= page.seen.fresh;
      this.seen.complete = page.seen.complete;
    }
  }

  get full(): boolean {
    const rows = Math.max(this.records.length, this.seen?.ids.length ?? 0);
    return rows >= this.limits.maxRows || this.bytes >= this.limits.maxBytes;
  }

  /** True when there is something to commit (rows or a state change). */
  get pending(): boolean {
    return this.state !== null;
  }

  /** Hands over the contents and starts empty. */
  take(): {
    records: SourceRecord[];
    events: number;
    pages: number;
    state: JsonObject;
    seen?: { ids: string[]; fresh: boolean; complete: boolean };
  } {
    const out = {
      records: this.records,
      events: this.events,
      pages: this.pages,
      state: this.state ?? {},
      ...(this.seen ? { seen: this.seen } : {}),
    };
    this.seen = null;
    this.records = [];
    this.events = 0;
    this.pages = 0;
    this.bytes = 0;
    this.state = null;
    return out;
  }
}
