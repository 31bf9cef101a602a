// What a driver file (destinations/<id>.ts) gives the layer. A SQL destination's driver runs statements,
// bulk-loads rows and serialises use of its connection; the SQL family (sql/storage.ts) builds everything
// else from the dialect row. (A data-lake family would define its object-store driver here beside it.)
import type { LoadColumn } from './batch.ts';
import type { SqlDestinationDialect, SqlParam } from './sql/dialect.ts';
import type { CellValue } from './types.ts';

export type { SqlParam } from './sql/dialect.ts';

export interface SqlDriver {
  readonly dialect: SqlDestinationDialect;
  /** The schema as SQL, qualified as far as needed to be unambiguous (DuckDB: with the file's catalog). */
  qualifySchema(schema: string): string;
  /** Runs a statement; resolves to the number of rows it changed (0 where the warehouse does not say). */
  exec(sql: string, params?: SqlParam[]): Promise<number>;
  query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]>;
  /**
   * Bulk-loads rows into an existing table (`schema` null = a temp table), values already fitted to
   * `columns` types: int/float numbers (or digit strings), booleans, ISO datetimes, strings, JSON text.
   * `columns` may be any subset of the table's columns, in any order. Rows may be one reused array:
   * consume each before asking for the next.
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
