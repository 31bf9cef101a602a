// Parquet files from fitted rows, written by an in-memory DuckDB (the parquet writer is built in; no
// extension to download): the rows go to a CSV file, then one COPY … TO … (FORMAT parquet, zstd) types
// them by the table's schema. Every file holds all of the table's columns at the time it is written,
// NULL where the batch had none, so each file is self-describing for Athena, Spark or DuckDB.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FittedStream } from '../batch.ts';
import type { RudderType } from '../capabilities.ts';
import { writeCsvFile } from '../csv.ts';
import { quoteIdent } from '../naming.ts';

/** A string as a DuckDB literal. */
export const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export class ParquetWriter {
  private files = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
    private readonly types: Record<RudderType, string>,
    private readonly tempDir: string,
  ) {}

  static async open(types: Record<RudderType, string>, tempDir: string): Promise<ParquetWriter> {
    // DuckDB's default (80% of RAM) is far more than writing one batch needs; larger work spills.
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: process.env.ACSYNC_DUCKDB_MEMORY_LIMIT ?? '256MB',
      threads: '1',
      // Reading a whole table back (marking deletes) may exceed the limit: spill here, not into the cwd.
      temp_directory: join(tempDir, 'spill'),
    });
    return new ParquetWriter(instance, await instance.connect(), types, tempDir);
  }

  /**
   * Writes `rows` as the Parquet file `file` with the columns `table` (name and type, in order); returns
   * how many rows it holds. Columns the rows lack are NULL.
   */
  async write(
    file: string,
    table: ReadonlyArray<readonly [string, RudderType]>,
    rows: FittedStream,
  ): Promise<number> {
    const csv = join(this.tempDir, `rows-${++this.files}.csv`);
    try {
      const options = writeCsvFile(csv, rows.rows, rows.columns.length);
      const at = new Map(rows.columns.map((c, i) => [c.name, i]));
      // Positional CSV column names: the real names may hold any character.
      const spec = rows.columns.map((c, i) => `'c${i}': '${this.types[c.type]}'`).join(', ');
      const select = table
        .map(([name, type]) => {
          const i = at.get(name);
          return `${i === undefined ? `CAST(NULL AS ${this.types[type]})` : `c${i}`} AS ${quoteIdent(name)}`;
        })
        .join(', ');
      await this.connection.run(
        `COPY (SELECT ${select} FROM read_csv(${literal(csv)}, ${options}, columns = {${spec}})) ` +
          `TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      return rows.count();
    } finally {
      rmSync(csv, { force: true });
    }
  }

  /** Runs a statement (a COPY of a query, a temporary table) in the writer's session. */
  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
