// The staged ids of reconcile scans (`_acsync_seen`, warehouse/deletes.ts) on a lake. The other bookkeeping
// tables are one JSON object each, in memory and rewritten whole (records.ts): fine for state and history,
// but a scan stages every id of a collection, so that object would grow with the account and be rewritten
// with every batch (O(n²) bytes, all ids in memory). Here the table is append-only objects instead: each
// unit of work that stages ids writes, at its commit, one newline-delimited JSON object per scan holding
// only its own rows (`_acsync/seen/<scan>/<time>-<writer>-<n>.ndjson`, lines {"id","seq"}); DuckDB reads
// them straight from the objects to mark deletes (lake/deletes.ts); removing a scan's ids deletes its
// objects. Memory holds one unit's rows at most. A class of its own, chosen by LakeStorage.records for this
// one table, rather than a mode of LakeRecords: the two share the RecordTable interface, not their storage.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEEN_SPEC } from '../deletes.ts';
import type { FindOptions, RecordRow, RecordTable } from '../storage.ts';
import type { LakeLayout } from './layout.ts';
import { literal } from './parquet.ts';
import { keyIdentity, keyText, LakeRecords, select } from './records.ts';
import type { ObjectStore } from './store.ts';

/** What a LakeSeen asks of its storage: whether a unit of work is in progress (and joining it if so). */
export interface SeenHost {
  /** True when a unit is in progress: the table's changes are then written by its commit. */
  joinUnit(table: LakeSeen): boolean;
}

/** DuckDB's read of staged-id objects (local paths): columns id and seq, both text. */
export function seenObjectsSql(paths: readonly string[]): string {
  return (
    `read_json([${paths.map(literal).join(', ')}], format = 'newline_delimited', ` +
    `columns = {'id': 'VARCHAR', 'seq': 'VARCHAR'})`
  );
}

const TABLE = SEEN_SPEC.table;

export class LakeSeen implements RecordTable {
  /** The rows the unit in progress staged (one batch's ids): written as objects by its commit. */
  private pending: RecordRow[] = [];
  /** Stored objects the unit in progress removed: deleted by its commit, invisible to it until then. */
  private readonly removing = new Set<string>();
  private objectSeq = 0;

  private constructor(
    private readonly store: ObjectStore,
    private readonly layout: LakeLayout,
    private readonly session: string,
    private readonly host: SeenHost,
  ) {}

  /**
   * Opens the table. A lake written by an earlier version holds the staged ids as one JSON object
   * (`records/_acsync_seen.json`): its rows become one object per scan (a fixed name, so a crash before the
   * old object is deleted rewrites the same objects), then it is deleted, so a scan in progress keeps them.
   */
  static async open(
    store: ObjectStore,
    layout: LakeLayout,
    session: string,
    host: SeenHost,
  ): Promise<LakeSeen> {
    const legacyKey = layout.records(TABLE);
    const legacy = await store.get(legacyKey);
    if (legacy) {
      for (const [scan, rows] of byScan(LakeRecords.decode(SEEN_SPEC, legacy)))
        await store.put(`${layout.seenScan(scan)}legacy.ndjson`, lines(rows));
      await store.delete(legacyKey);
    }
    return new LakeSeen(store, layout, session, host);
  }

  /** Inside a unit, checked only against the unit's own rows: the scan's stored ids are never loaded. */
  async insert(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    const complete = rows.map(completeRow);
    if (!this.host.joinUnit(this)) return this.write(complete);
    const keys = new Set(this.pending.map((r) => keyIdentity(r, SEEN_SPEC.key)));
    for (const row of complete) {
      const key = keyIdentity(row, SEEN_SPEC.key);
      if (keys.has(key)) throw new Error(`${TABLE}: a row with key ${keyText(row, SEEN_SPEC.key)} exists`);
      keys.add(key);
    }
    this.pending.push(...complete);
  }

  async put(): Promise<void> {
    throw new Error(`${TABLE}: a lake's staged ids are only inserted and removed (append-only objects)`);
  }

  async update(): Promise<number> {
    throw new Error(`${TABLE}: a lake's staged ids are only inserted and removed (append-only objects)`);
  }

  /** Removes a scan's ids (its objects): with the unit's commit, or at once outside a unit. */
  async remove(where: RecordRow): Promise<void> {
    const scan = where.scan;
    if (typeof scan !== 'string' || Object.keys(where).some((k) => k !== 'scan'))
      throw new Error(`${TABLE}: a lake's staged ids are removed by scan only`);
    const keys = await this.objects(scan);
    if (!this.host.joinUnit(this)) {
      for (const key of keys) await this.store.delete(key);
      return;
    }
    this.pending = this.pending.filter((r) => r.scan !== scan);
    for (const key of keys) this.removing.add(key);
  }

  /** Reads the matching scans' objects (every scan's without a `scan`): for tests and tools, not marking. */
  async find(where: RecordRow, options: FindOptions = {}): Promise<RecordRow[]> {
    const scans =
      typeof where.scan === 'string'
        ? [where.scan]
        : [...new Set((await this.store.list(this.layout.seen)).map((k) => this.layout.scanOf(k)))];
    const rows: RecordRow[] = [];
    for (const scan of scans) {
      if (scan === null) continue;
      for (const key of await this.objects(scan)) {
        const body = await this.store.get(key);
        for (const line of (body?.toString('utf8') ?? '').split('\n'))
          if (line) {
            const { id, seq } = JSON.parse(line) as { id: string; seq: string };
            if (select([{ scan, id, seq }], where).length) rows.push({ scan, id, seq });
          }
      }
    }
    rows.push(...this.pending);
    return select(rows, where, options);
  }

  /**
   * Local files holding every id staged for `scan` as the unit in progress sees it (for DuckDB,
   * seenObjectsSql): the stored objects (on S3, copies written into `dir`) and the unit's own rows.
   */
  async localFiles(scan: string, dir: string): Promise<string[]> {
    const files: string[] = [];
    for (const key of await this.objects(scan)) files.push(await this.store.localCopy(key, dir));
    const own = this.pending.filter((r) => r.scan === scan);
    if (own.length > 0) {
      const file = join(dir, 'seen-pending.ndjson');
      writeFileSync(file, lines(own));
      files.push(file);
    }
    return files;
  }

  /** The unit's commit (before the state): the removed objects are deleted, then its rows written. */
  async commit(): Promise<void> {
    for (const key of this.removing) await this.store.delete(key);
    this.removing.clear();
    const rows = this.pending;
    this.pending = [];
    await this.write(rows);
  }

  /** The unit failed: its changes are dropped. */
  rollback(): void {
    this.pending = [];
    this.removing.clear();
  }

  /** One object per scan. */
  private async write(rows: readonly RecordRow[]): Promise<void> {
    for (const [scan, own] of byScan(rows))
      await this.store.put(
        this.layout.seenObject(scan, new Date(), this.session, ++this.objectSeq),
        lines(own),
      );
  }

  /** The scan's stored objects the unit in progress still sees. */
  private async objects(scan: string): Promise<string[]> {
    return (await this.store.list(this.layout.seenScan(scan)))
      .filter((k) => k.endsWith('.ndjson') && !this.removing.has(k))
      .sort();
  }
}

function completeRow(row: RecordRow): RecordRow {
  const out: RecordRow = {};
  for (const c of SEEN_SPEC.columns) {
    const v = row[c.name];
    if (v === null || v === undefined) throw new Error(`${TABLE}: ${c.name} cannot be NULL`);
    out[c.name] = String(v);
  }
  return out;
}

function byScan(rows: readonly RecordRow[]): Map<string, RecordRow[]> {
  const out = new Map<string, RecordRow[]>();
  for (const row of rows) {
    const scan = String(row.scan);
    const list = out.get(scan);
    if (list) list.push(row);
    else out.set(scan, [row]);
  }
  return out;
}

function lines(rows: readonly RecordRow[]): string {
  return rows.map((r) => `${JSON.stringify({ id: r.id, seq: r.seq })}\n`).join('');
}
