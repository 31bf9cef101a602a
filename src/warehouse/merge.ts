// Merging by key: after a write the table holds one row per key, as the destination keeps it (dialect
// `merge`). For delete-insert destinations, a first load skips the replace while every key of a batch is
// new to the table (known because the table was empty when first seen), which makes a first sync a plain
// bulk load.
import type { FittedStream } from './batch.ts';
import type { Storage } from './storage.ts';

/** Beyond this many keys, a first load stops tracking them (memory stays bounded) and merges. */
const KNOWN_KEYS_LIMIT = 2_000_000;

export interface MergeInput {
  /** Columns rows are merged on. */
  key: readonly string[];
  /** The batch's keys (single-column keys only): enables the first-load skip. */
  ids?: readonly string[];
  /** The table was created for this batch (so it is empty). */
  created?: boolean;
}

export class Merger {
  /** table → keys of every row in it while it was empty when first seen; null = unknown, replace. */
  private readonly known = new Map<string, Set<string> | null>();

  constructor(
    private readonly storage: Storage,
    private readonly onStaged?: () => void | Promise<void>,
  ) {}

  /** Forgets what it learned: a rolled-back batch may have undone it. */
  forget(): void {
    this.known.clear();
  }

  /** Writes `rows` (iterated once, lazily); returns how many were written. */
  async write(table: string, rows: FittedStream, input: MergeInput): Promise<number> {
    if (this.storage.dialect.merge === 'append') {
      await this.storage.appendRows(table, rows);
      await this.onStaged?.();
      return rows.count();
    }
    const ids = input.ids;
    let known: Set<string> | null = null;
    if (ids) {
      if (!this.known.has(table))
        this.known.set(table, input.created || !(await this.storage.hasRows(table)) ? new Set() : null);
      known = this.known.get(table)!;
    }
    if (ids && known && !ids.some((k) => known.has(k))) {
      await this.storage.appendRows(table, rows);
      await this.onStaged?.();
    } else await this.storage.replaceRows(table, rows, input.key, this.onStaged);
    if (ids) {
      if (known && known.size + ids.length <= KNOWN_KEYS_LIMIT) for (const k of ids) known.add(k);
      else this.known.set(table, null);
    }
    return rows.count();
  }
}
