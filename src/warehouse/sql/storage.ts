// The SQL family: Storage for any SQL destination, on its driver and the SQL of its dialect row.
// Delete-insert merges go through a connection-private stage table (they work without any key or index
// on the table, as on tables RudderStack created); transactions where the dialect has them.
import type { CommitPrecondition } from '../../core/contracts.ts';
import type { FittedStream } from '../batch.ts';
import { type RudderType, rudderTypeOf } from '../capabilities.ts';
import type { SqlDriver } from '../driver.ts';
import type { ColumnSpec, RecordSpec, RecordTable, Storage, TableColumns } from '../storage.ts';
import type { SqlDestinationDialect } from './dialect.ts';
import { SqlRecords } from './records.ts';
import {
  addColumns,
  anyRow,
  createStage,
  createTable,
  dropTable,
  insertFromStage,
  keyIndexName,
  markUnseenStatements,
} from './statements.ts';

/** Attempts at a CREATE … IF NOT EXISTS that keeps losing a race with another process. */
const DDL_ATTEMPTS = 4;

export class SqlStorage implements Storage {
  readonly dialect: SqlDestinationDialect;
  /** Tables whose key index is known to exist (forgotten when a transaction rolls back). */
  private readonly indexed = new Set<string>();
  private stageCounter = 0;

  constructor(
    private readonly driver: SqlDriver,
    readonly namespace: string,
  ) {
    this.dialect = driver.dialect;
  }

  /** `table` in the namespace, qualified and quoted. */
  private target(table: string): string {
    return `${this.driver.qualifySchema(this.namespace)}.${this.dialect.sql.quote(table)}`;
  }

  /** Concurrent CREATE … IF NOT EXISTS can still collide in the catalog; the loser retries. */
  private async retryDdl(sql: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.driver.exclusive(() => this.driver.exec(sql));
        return;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (attempt >= DDL_ATTEMPTS || !this.dialect.sql.ddlRaceCodes.has(code)) throw err;
      }
    }
  }

  async markUnseen(
    table: string,
    column: string,
    seen: { table: string; scan: string },
    at: Date,
  ): Promise<{ marked: number; unmarked: number }> {
    const st = markUnseenStatements(
      this.dialect,
      this.target(table),
      column,
      { target: this.target(seen.table), scan: seen.scan },
      at,
    );
    const marked = await this.driver.exec(st.mark.text, st.mark.params);
    const unmarked = await this.driver.exec(st.unmark.text, st.unmark.params);
    await this.driver.exec(st.clear.text, st.clear.params);
    return { marked, unmarked };
  }

  ensureNamespace(): Promise<void> {
    return this.retryDdl(this.dialect.sql.createNamespace(this.driver.qualifySchema(this.namespace)));
  }

  async records(spec: RecordSpec): Promise<RecordTable> {
    const target = this.target(spec.table);
    await this.retryDdl(
      createTable(this.dialect, target, spec.columns, { ifNotExists: true, key: spec.key, primaryKey: true }),
    );
    return new SqlRecords(this.driver, target, spec);
  }

  ensureTable(table: string, columns: readonly ColumnSpec[], key: readonly string[]): Promise<void> {
    return this.retryDdl(createTable(this.dialect, this.target(table), columns, { ifNotExists: true, key }));
  }

  async readColumns(table: string): Promise<TableColumns | null> {
    const st = this.dialect.sql.readColumns(this.namespace, table);
    const rows = await this.driver.query(st.text, st.params);
    if (rows.length === 0) return null;
    const columns: TableColumns = new Map();
    for (const r of rows) columns.set(String(r.column_name), rudderTypeOf(this.dialect, String(r.data_type)));
    return columns;
  }

  async createTable(
    table: string,
    columns: ReadonlyArray<[string, RudderType]>,
    key: readonly string[],
  ): Promise<void> {
    const specs = columns.map(([name, type]) => ({ name, type }));
    await this.driver.exec(createTable(this.dialect, this.target(table), specs, { key }));
  }

  async addColumns(table: string, columns: ReadonlyArray<[string, RudderType]>): Promise<void> {
    for (const sql of addColumns(this.dialect, this.target(table), columns)) await this.driver.exec(sql);
  }

  async hasRows(table: string): Promise<boolean> {
    return (await this.driver.query(anyRow(this.target(table)))).length > 0;
  }

  appendRows(table: string, rows: FittedStream): Promise<void> {
    return this.driver.load(this.namespace, table, rows.columns, rows.rows);
  }

  /** Stage, delete the staged keys, insert the stage: the batch replaces its keys' rows at once. */
  async replaceRows(
    table: string,
    rows: FittedStream,
    key: readonly string[],
    onStaged?: () => void | Promise<void>,
  ): Promise<void> {
    const d = this.dialect;
    const target = this.target(table);
    // Built at the first replace, so a first load of new ids never pays for maintaining it.
    if (d.sql.keyIndex && key.length === 1 && !this.indexed.has(table)) {
      await this.driver.exec(d.sql.keyIndex(target, keyIndexName(table, key), key));
      this.indexed.add(table);
    }
    const stage = `_acsync_stage_${++this.stageCounter}`;
    await this.driver.exec(createStage(d, stage, rows.columns));
    await this.driver.load(null, stage, rows.columns, rows.rows);
    await onStaged?.();
    await this.driver.exec(d.sql.deleteStaged(target, stage, key));
    await this.driver.exec(insertFromStage(d, target, stage, rows.columns));
    await this.driver.exec(dropTable(d, stage));
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.driver.exclusive(fn);
  }

  atomically<T>(fn: () => Promise<T>, beforeCommit?: CommitPrecondition): Promise<T> {
    const tx = this.dialect.sql.transactions;
    if (beforeCommit && !tx) throw new Error('a commit precondition needs a destination with transactions');
    return this.driver.exclusive(async () => {
      if (tx) await this.driver.exec(tx.begin);
      try {
        const result = await fn();
        if (beforeCommit) await beforeCommit(this.driver);
        if (tx) await this.driver.exec(tx.commit);
        return result;
      } catch (err) {
        if (tx)
          try {
            await this.driver.exec(tx.rollback);
          } catch {
            // The connection may be gone; the server rolls back on its own.
          }
        // An index created in the rolled-back work is gone with it.
        this.indexed.clear();
        throw err;
      }
    });
  }

  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.driver.exclusive(async () => {
      // A schema not created yet: the query itself will say what is missing.
      await this.driver.exec(this.dialect.sql.useNamespace(this.namespace)).catch(() => undefined);
      return this.driver.query(sql);
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
