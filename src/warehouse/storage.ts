// The seam between the warehouse layer and a family of destinations. Schema tracking (schema.ts), merging
// (merge.ts), the state store (state.ts) and the run log (run-log.ts) are written once against this
// interface; a family implements it once (sql/storage.ts for SQL databases, on a driver and the dialect
// row's SQL), and each destination of the family is then one driver and one capabilities row.

import type { CommitPrecondition } from '../core/contracts.ts';
import type { FittedStream } from './batch.ts';
import type { DestinationDialect, RudderType } from './capabilities.ts';

/** A column of one of acsync's own tables. */
export interface ColumnSpec {
  name: string;
  type: RudderType;
  /** false = the column never holds NULL (NOT NULL where the destination can say so). */
  nullable?: boolean;
}

/**
 * One of acsync's bookkeeping tables (state, run history): small, written a row or a few at a time, and
 * read by equality on its columns. `key` identifies a row.
 */
export interface RecordSpec {
  table: string;
  columns: readonly ColumnSpec[];
  key: readonly string[];
}

/** Values as the bookkeeping code sees them: datetimes are Dates, ints numbers, strings strings. */
export type RecordValue = string | number | Date | null;
export type RecordRow = Record<string, RecordValue>;

/** A value read back from a destination, as a RecordValue of its column's RudderStack type. */
export function decodeRecordValue(v: unknown, type: string): RecordValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'datetime':
      return v instanceof Date ? v : new Date(String(v));
    case 'int':
    case 'float':
      return Number(v);
    default:
      return String(v);
  }
}

export interface FindOptions {
  orderBy?: ReadonlyArray<readonly [column: string, direction: 'asc' | 'desc']>;
  limit?: number;
}

/** A bookkeeping table. Every method takes part in the unit of work it is called in (Storage.atomically). */
export interface RecordTable {
  /** Rows whose columns equal `where`'s values (NULL matches nothing), decoded by the spec's types. */
  find(where: RecordRow, options?: FindOptions): Promise<RecordRow[]>;
  /** Adds rows whose keys are new. */
  insert(rows: readonly RecordRow[]): Promise<void>;
  /** Adds or replaces rows by key. */
  put(rows: readonly RecordRow[]): Promise<void>;
  /**
   * Sets `set` on the rows matching `where`; returns how many matched. Exact and locking inside a unit
   * of work where the destination has transactions, so it can serve as a fence (issue 11: "update the
   * lease row where its token is mine" returning 0 means the lease moved).
   */
  update(where: RecordRow, set: RecordRow): Promise<number>;
  /** Removes the rows matching `where`. */
  remove(where: RecordRow): Promise<void>;
}

/** A table's columns as the destination reports them (its own types win over anything acsync would pick). */
export type TableColumns = Map<string, RudderType>;

/**
 * One source's namespace on one destination. Methods other than `exclusive` and `atomically` expect to
 * run inside one of them.
 */
export interface Storage {
  readonly dialect: DestinationDialect;
  /** The schema (database, prefix) the source writes to. */
  readonly namespace: string;
  /** Creates the namespace if missing. Safe to race with another process doing the same. */
  ensureNamespace(): Promise<void>;
  /** Creates a bookkeeping table if missing (an existing one is kept as it is) and returns it. */
  records(spec: RecordSpec): Promise<RecordTable>;
  /** Creates a data table merged on `key` if missing; an existing one (RudderStack's) is kept as it is. */
  ensureTable(table: string, columns: readonly ColumnSpec[], key: readonly string[]): Promise<void>;
  /** The table's columns, or null when it does not exist. */
  readColumns(table: string): Promise<TableColumns | null>;
  /** Creates a data table. `key` is what rows are merged on (a destination may sort or order by it). */
  createTable(
    table: string,
    columns: ReadonlyArray<[string, RudderType]>,
    key: readonly string[],
  ): Promise<void>;
  addColumns(table: string, columns: ReadonlyArray<[string, RudderType]>): Promise<void>;
  /** Whether the table holds any row. */
  hasRows(table: string): Promise<boolean>;
  /** Adds rows (any subset of the table's columns, in any order) without looking at what is there. */
  appendRows(table: string, rows: FittedStream): Promise<void>;
  /**
   * Adds rows, replacing those with the same `key` (delete-insert destinations). `onStaged` runs once
   * the rows are in the destination but before anything is replaced (a test seam).
   */
  replaceRows(
    table: string,
    rows: FittedStream,
    key: readonly string[],
    onStaged?: () => void | Promise<void>,
  ): Promise<void>;
  /** Runs `fn` with exclusive use of the destination connection. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` exclusively and all-or-nothing where the destination has transactions. Where it has none,
   * writes stand as they land: the family's docs say why a retry is still exact. `beforeCommit` runs last,
   * inside the transaction; throwing rolls it back (fleet fencing).
   */
  atomically<T>(fn: () => Promise<T>, beforeCommit?: CommitPrecondition): Promise<T>;
  /**
   * Deletes (deletes.ts): sets `column` to `at` on the table's unmarked rows whose id the seen table does
   * not hold under `scan`, clears it on marked rows whose id it holds, and returns how many were marked.
   * Optional: a family without it does not mark deletes (the pipeline says so).
   */
  markUnseen?(
    table: string,
    column: string,
    seen: { table: string; scan: string },
    at: Date,
  ): Promise<{ marked: number; unmarked: number }>;
  /** Runs a user's query (`acsync query`) with the namespace as the default. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
