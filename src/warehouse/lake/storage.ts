// The lake family: Storage over an object store (lake/store.ts). A lake has no transactions and no
// updates, so a unit of work is made of immutable files plus small JSON objects written in an order that
// keeps every moment consistent:
//   1. the batch's rows become Parquet files under RudderStack's layout (invisible: no manifest lists them);
//   2. schema objects of the tables the unit created or widened;
//   3. the run's manifest, rewritten whole to list the new files too: this is the commit of the rows;
//   4. the bookkeeping objects the unit changed: the staged ids' objects (lake/seen.ts), then the JSON
//      objects (the state last of all).
// Marking deletes (markUnseen) appends row versions the same way: one more file in the unit (lake/deletes.ts).
// A process killed anywhere leaves at worst files no manifest lists (ignored by readers) or committed rows
// whose state was not stored; the next run extracts those records again and appends them again, and the
// documented read (newest row per key, lake/read.ts) gives the same result as an uninterrupted run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommitPrecondition } from '../../core/contracts.ts';
import type { FittedStream } from '../batch.ts';
import type { DestinationDialect, RudderType } from '../capabilities.ts';
import { SEEN_TABLE } from '../deletes.ts';
import { Mutex } from '../driver.ts';
import type { ColumnSpec, RecordSpec, RecordTable, Storage, TableColumns } from '../storage.ts';
import { writeMarks } from './deletes.ts';
import { LakeLayout } from './layout.ts';
import { ParquetWriter } from './parquet.ts';
import { type Manifest, type ManifestFile, openLakeReader, readManifests, type TableSchema } from './read.ts';
import { LakeRecords, type RecordsHost } from './records.ts';
import { LakeSeen, type SeenHost } from './seen.ts';
import type { ObjectStore } from './store.ts';

/** What one unit of work has written so far, committed together. */
interface Unit {
  files: ManifestFile[];
  schemas: Set<string>;
  records: LakeRecords[];
  /** The staged ids, when the unit staged or removed some. */
  seen?: LakeSeen;
  /** Run after every bookkeeping object is written (the state included): markUnseen's staged-id removal. */
  afterState: Array<() => Promise<void>>;
  /** The manifest lists the unit's files: from then on they are committed rows, never deleted. */
  listed?: boolean;
}

export class LakeStorage implements Storage, RecordsHost, SeenHost {
  private readonly layout: LakeLayout;
  private readonly mutex = new Mutex();
  private readonly session = randomBytes(4).toString('hex');
  private readonly startedAt = new Date();
  /** The schema objects that exist (listed on first use, then kept up to date). */
  private schemaKeys: Set<string> | null = null;
  /** table → its schema, or null when it has none; read on first use. */
  private readonly schemas = new Map<string, TableSchema | null>();
  /** This process's manifest: the files its units committed. */
  private readonly manifest: Manifest;
  private readonly manifestKey: string;
  private unit: Unit | null = null;
  private fileSeq = 0;
  private writer: ParquetWriter | null = null;
  private tempDir: string | null = null;
  /** The staged ids (opened by records(SEEN_SPEC)), which markUnseen reads. */
  private seen: LakeSeen | null = null;

  constructor(
    private readonly store: ObjectStore,
    readonly dialect: DestinationDialect,
    readonly namespace: string,
  ) {
    this.layout = new LakeLayout(namespace);
    this.manifestKey = this.layout.manifest(this.startedAt, this.session);
    this.manifest = {
      session: this.session,
      startedAt: this.startedAt.toISOString(),
      committedAt: this.startedAt.toISOString(),
      files: [],
    };
  }

  private get temp(): string {
    this.tempDir ??= mkdtempSync(join(tmpdir(), 'acsync-lake-'));
    return this.tempDir;
  }

  async ensureNamespace(): Promise<void> {
    // Nothing to create: a namespace is a key prefix.
  }

  async records(spec: RecordSpec): Promise<RecordTable> {
    // The one bookkeeping table that grows with the account: append-only objects, not one JSON (seen.ts).
    if (spec.table === SEEN_TABLE) {
      this.seen ??= await LakeSeen.open(this.store, this.layout, this.session, this);
      return this.seen;
    }
    const key = this.layout.records(spec.table);
    return new LakeRecords(this, spec, key, LakeRecords.decode(spec, await this.store.get(key)));
  }

  joinUnit(table: LakeSeen): boolean {
    if (this.unit) this.unit.seen = table;
    return this.unit !== null;
  }

  /** A bookkeeping table changed: written with the unit's commit, or at once outside a unit. */
  async changed(table: LakeRecords): Promise<void> {
    if (this.unit) {
      if (!this.unit.records.includes(table)) this.unit.records.push(table);
      return;
    }
    try {
      await this.store.put(table.key, table.encode());
      table.commit();
    } catch (err) {
      table.rollback();
      throw err;
    }
  }

  private async schemaOf(table: string): Promise<TableSchema | null> {
    if (!this.schemas.has(table)) {
      // One listing instead of a request per table that does not exist yet (most, on a first sync).
      this.schemaKeys ??= new Set(await this.store.list(this.layout.schemas));
      const key = this.layout.schema(table);
      const body = this.schemaKeys.has(key) ? await this.store.get(key) : null;
      this.schemas.set(table, body ? (JSON.parse(body.toString('utf8')) as TableSchema) : null);
    }
    return this.schemas.get(table)!;
  }

  private async schemaChanged(table: string): Promise<void> {
    if (this.unit) this.unit.schemas.add(table);
    else await this.writeSchema(table);
  }

  private async writeSchema(table: string): Promise<void> {
    const key = this.layout.schema(table);
    await this.store.put(key, JSON.stringify(this.schemas.get(table)));
    this.schemaKeys?.add(key);
  }

  async ensureTable(table: string, columns: readonly ColumnSpec[], key: readonly string[]): Promise<void> {
    if (await this.schemaOf(table)) return;
    await this.createTable(
      table,
      columns.map((c): [string, RudderType] => [c.name, c.type]),
      key,
    );
  }

  async readColumns(table: string): Promise<TableColumns | null> {
    const schema = await this.schemaOf(table);
    return schema ? new Map(schema.columns) : null;
  }

  async createTable(
    table: string,
    columns: ReadonlyArray<[string, RudderType]>,
    key: readonly string[],
  ): Promise<void> {
    this.schemas.set(table, { table, key: [...key], columns: columns.map(([n, t]) => [n, t]) });
    await this.schemaChanged(table);
  }

  async addColumns(table: string, columns: ReadonlyArray<[string, RudderType]>): Promise<void> {
    const schema = await this.schemaOf(table);
    if (!schema) throw new Error(`${table}: no such table in the lake`);
    const have = new Set(schema.columns.map(([n]) => n));
    for (const [name, type] of columns) if (!have.has(name)) schema.columns.push([name, type]);
    await this.schemaChanged(table);
  }

  async hasRows(table: string): Promise<boolean> {
    if (this.manifest.files.some((f) => f.table === table && f.rows > 0)) return true;
    for (const m of await readManifests(this.store, this.layout))
      if (m.files.some((f) => f.table === table && f.rows > 0)) return true;
    return false;
  }

  /** One Parquet file (zstd) under RudderStack's layout, committed with the unit. */
  async appendRows(table: string, rows: FittedStream): Promise<void> {
    const unit = this.unit;
    if (!unit) throw new Error('lake rows are written inside a unit of work (Storage.atomically)');
    const schema = await this.schemaOf(table);
    if (!schema) throw new Error(`${table}: no such table in the lake`);
    this.writer ??= await ParquetWriter.open(this.dialect.types, this.temp);
    const local = join(this.temp, `file-${this.fileSeq + 1}.parquet`);
    try {
      const count = await this.writer.write(local, schema.columns, rows);
      if (count === 0) return;
      const key = this.layout.dataFile(table, new Date(), this.session, ++this.fileSeq);
      // Listed before the upload: a failed unit deletes what it may have left.
      unit.files.push({ table, key, rows: count });
      await this.store.putFile(key, local);
    } finally {
      rmSync(local, { force: true });
    }
  }

  /**
   * Deletes (warehouse/deletes.ts): the rows whose mark changes, as a new version of each (lake/deletes.ts),
   * become one more file of the unit; the scan's staged ids are removed after the unit's state is stored.
   * The unit's commit lists the file in the manifest before it writes the staged ids and the state, so a
   * rerun after a crash is exact: killed before the manifest, nothing was marked and the rerun marks the
   * same rows; killed after it but before the state, the marks are already the newest rows and every id is
   * still staged, so the rerun of the completing batch finds those rows marked and neither marks them again
   * (their time stays) nor clears them.
   */
  async markUnseen(
    table: string,
    column: string,
    seen: { table: string; scan: string },
    at: Date,
  ): Promise<{ marked: number; unmarked: number }> {
    const unit = this.unit;
    if (!unit) throw new Error('lake deletes are marked inside a unit of work (Storage.atomically)');
    const schema = await this.schemaOf(table);
    if (!schema) throw new Error(`${table}: no such table in the lake`);
    const staged = seen.table === SEEN_TABLE ? this.seen : null;
    if (!staged) throw new Error(`${seen.table}: not opened on this lake (Storage.records)`);
    // The table's committed files (every run's manifest) and those this unit wrote before (its last page).
    const keys = new Set(unit.files.filter((f) => f.table === table).map((f) => f.key));
    for (const m of await readManifests(this.store, this.layout))
      for (const f of m.files) if (f.table === table) keys.add(f.key);
    this.writer ??= await ParquetWriter.open(this.dialect.types, this.temp);
    const dir = mkdtempSync(join(this.temp, 'mark-'));
    try {
      const files: string[] = [];
      for (const key of keys) files.push(await this.store.localCopy(key, dir));
      // The staged ids stay in their objects: DuckDB reads them there (on S3, from copies in `dir`).
      const seenFiles = await staged.localFiles(seen.scan, dir);
      const out = join(dir, 'marks.parquet');
      const result = await writeMarks(this.writer, this.dialect.types, {
        files,
        columns: schema.columns,
        column,
        seenFiles,
        at,
        out,
      });
      const count = result.marked + result.unmarked;
      if (count > 0) {
        const key = this.layout.dataFile(table, new Date(), this.session, ++this.fileSeq);
        unit.files.push({ table, key, rows: count });
        await this.store.putFile(key, out);
      }
      // Only once the state is stored: removed earlier, a crash before the state would resume the scan at
      // its last batch with only that batch's ids staged, and mark every other row. Lost, the ids are
      // removed by the next fresh scan of the resource (target.ts stageSeen).
      unit.afterState.push(() => staged.remove({ scan: seen.scan }));
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async replaceRows(): Promise<void> {
    throw new Error('a data lake only appends rows (merge: append)');
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  atomically<T>(fn: () => Promise<T>, beforeCommit?: CommitPrecondition): Promise<T> {
    if (beforeCommit)
      throw new Error('a commit precondition needs a destination with transactions; a data lake has none');
    return this.mutex.run(async () => {
      const unit: Unit = { files: [], schemas: new Set(), records: [], afterState: [] };
      this.unit = unit;
      try {
        const result = await fn();
        this.unit = null;
        await this.commit(unit);
        return result;
      } catch (err) {
        this.unit = null;
        await this.rollback(unit);
        throw err;
      }
    });
  }

  /** Schemas, then the manifest (the rows' commit), then the bookkeeping objects (state last). */
  private async commit(unit: Unit): Promise<void> {
    for (const table of unit.schemas) await this.writeSchema(table);
    if (unit.files.length > 0) {
      const committed: Manifest = {
        ...this.manifest,
        committedAt: new Date().toISOString(),
        files: [...this.manifest.files, ...unit.files],
      };
      await this.store.put(this.manifestKey, JSON.stringify(committed));
      unit.listed = true;
      this.manifest.files = committed.files;
      this.manifest.committedAt = committed.committedAt;
    }
    // The staged ids before the state that says their batch is done (a resumed scan needs them all).
    await unit.seen?.commit();
    for (const table of unit.records) {
      await this.store.put(table.key, table.encode());
      table.commit();
    }
    // The commit is done: a failure here must not roll the unit back (its files are listed).
    for (const fn of unit.afterState) await fn().catch(() => undefined);
  }

  /**
   * The unit failed: its bookkeeping changes not yet stored are dropped and, as a courtesy, its files are
   * deleted, unless the manifest already lists them (a bookkeeping write failed after the rows' commit):
   * then they are committed rows, and the state not stored makes the next run read them again (the newest
   * row per id absorbs the repeat).
   */
  private async rollback(unit: Unit): Promise<void> {
    for (const table of unit.records) table.rollback();
    unit.seen?.rollback();
    // Cached schemas may hold columns that were never stored: read them again.
    for (const table of unit.schemas) this.schemas.delete(table);
    if (unit.listed) return;
    for (const f of unit.files) await this.store.delete(f.key).catch(() => undefined);
  }

  /** `acsync query`: DuckDB over the committed files, each table the newest row per key. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const dir = mkdtempSync(join(this.temp, 'read-'));
    try {
      const reader = await openLakeReader(this.store, this.layout, this.namespace, this.dialect, dir);
      try {
        return await reader.query(sql);
      } finally {
        reader.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      this.writer?.close();
      this.writer = null;
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
      this.tempDir = null;
      await this.store.close();
    });
  }
}
