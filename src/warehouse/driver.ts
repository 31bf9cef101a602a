// The seam between the shared loading code (target.ts) and one warehouse. A new warehouse is one file
// implementing this: its capabilities row (dialects.ts), how to run SQL, bulk-load rows and hold a lock.
// The SQL the shared code sends uses $1-style parameters, double-quoted identifiers, CAST(... AS type),
// DELETE ... USING and TEMP tables: the common ground of PostgreSQL and DuckDB.
import type { LoadColumn } from './batch.ts';
import type { Dialect } from './dialects.ts';
import type { CellValue } from './types.ts';

export type SqlParam = string | number | boolean | null;

export interface Driver {
  readonly dialect: Dialect;
  /**
   * Whether `load` takes any subset of a table's columns in any order (PostgreSQL's COPY column list).
   * When false (a loader that fills whole rows), loads into real tables pass every column in order.
   */
  readonly loadsByName: boolean;
  /** The schema as SQL, qualified as far as needed to be unambiguous (DuckDB: with the file's catalog). */
  qualifySchema(schema: string): string;
  exec(sql: string, params?: SqlParam[]): Promise<void>;
  query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]>;
  /**
   * Bulk-loads rows into an existing table (`schema` null = a temp table), values already fitted to
   * `columns` types: int/float numbers (or digit strings), booleans, ISO datetimes, strings, JSON text.
   * Rows may be one reused array: consume each before asking for the next.
   */
  load(
    schema: string | null,
    table: string,
    columns: readonly LoadColumn[],
    rows: Iterable<ReadonlyArray<CellValue | null>>,
  ): Promise<void>;
  /** Runs `fn` with exclusive use of the connection (a transaction spans several calls). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A tiny promise-chain mutex. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
