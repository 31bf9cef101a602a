// DuckDB: one file, one writer process. Rows go in through DuckDB's CSV bulk path (read_csv is built in,
// no extension needed); SQL through one connection per target. Targets on the same file inside one process
// share the instance and its lock, because a process must not attach the same file twice.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DestinationUnreachableError } from '../../core/errors.ts';
import type { LoadColumn } from '../batch.ts';
import { writeCsvFile } from '../csv.ts';
import { duckdb } from '../dialects/duckdb.ts';
import { Mutex, type SqlDriver, type SqlParam } from '../driver.ts';
import { quoteIdent } from '../naming.ts';
import { SqlStorage } from '../sql/storage.ts';
import type { Storage } from '../storage.ts';
import type { CellValue } from '../types.ts';

interface Shared {
  instance: DuckDBInstance;
  refs: number;
  mutex: Mutex;
}
const open = new Map<string, Promise<Shared>>();

/** How long to keep retrying a file another process holds before calling it busy. */
const lockWaitMs = () => Number(process.env.ACSYNC_DUCKDB_LOCK_WAIT_MS ?? 5000);

async function createInstance(path: string): Promise<DuckDBInstance> {
  const waitMs = lockWaitMs();
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await DuckDBInstance.create(path, {
        // DuckDB's default (80% of RAM) would let its buffer pool dwarf the rest of the process;
        // loading needs little, and larger work spills to disk.
        memory_limit: process.env.ACSYNC_DUCKDB_MEMORY_LIMIT ?? '256MB',
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const locked = /lock/i.test(message);
      if (locked && Date.now() + delay < deadline) {
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      const holder = /\(PID (\d+)\)/.exec(message)?.[1];
      throw new DestinationUnreachableError(
        locked
          ? `DuckDB file ${path} is busy: another process${holder ? ` (PID ${holder})` : ''} has it open; ` +
              `a DuckDB file can be written by one process at a time (waited ${waitMs} ms)`
          : `cannot open DuckDB file ${path}: ${message}`,
        { cause: err },
      );
    }
  }
}

async function acquire(path: string): Promise<Shared> {
  let entry = open.get(path);
  if (!entry) {
    entry = (async () => {
      const dir = dirname(path);
      if (!existsSync(dir)) {
        try {
          mkdirSync(dir, { recursive: true });
        } catch (err) {
          throw new DestinationUnreachableError(
            `cannot create the directory ${dir} for DuckDB file ${path}`,
            {
              cause: err,
            },
          );
        }
      }
      return { instance: await createInstance(path), refs: 0, mutex: new Mutex() };
    })();
    open.set(path, entry);
    entry.catch(() => open.delete(path));
  }
  const shared = await entry;
  shared.refs++;
  return shared;
}

function release(path: string, shared: Shared): void {
  shared.refs--;
  if (shared.refs === 0) {
    open.delete(path);
    shared.instance.closeSync();
  }
}

/** The driver file's plug (index.ts): a SQL Storage on the file. */
export async function openStorage(dest: { path: string }, namespace: string): Promise<Storage> {
  return new SqlStorage(await DuckDBDriver.open(dest.path), namespace);
}

export class DuckDBDriver implements SqlDriver {
  readonly dialect = duckdb;
  private closed = false;
  private tempDir: string | null = null;
  private loads = 0;

  private constructor(
    private readonly path: string,
    private readonly shared: Shared,
    private readonly connection: DuckDBConnection,
    private readonly catalog: string,
  ) {}

  static async open(path: string): Promise<DuckDBDriver> {
    const full = resolve(path);
    const shared = await acquire(full);
    try {
      const connection = await shared.instance.connect();
      const reader = await connection.runAndReadAll('SELECT current_database() AS db');
      return new DuckDBDriver(full, shared, connection, String(reader.getRowObjects()[0].db));
    } catch (err) {
      release(full, shared);
      throw new DestinationUnreachableError(`cannot connect to DuckDB file ${full}`, { cause: err });
    }
  }

  // A schema named like the file (bench.duckdb + schema "bench") is ambiguous unless the catalog is named.
  qualifySchema(schema: string): string {
    return `${quoteIdent(this.catalog)}.${quoteIdent(schema)}`;
  }

  async exec(sql: string, params?: SqlParam[]): Promise<number> {
    return (await this.connection.run(sql, params)).rowsChanged;
  }

  async query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /**
   * DuckDB's own bulk path: the rows go to a CSV file in a private temp directory, then one
   * INSERT ... SELECT FROM read_csv with explicit column types (inside the open transaction). The
   * Appender cost one N-API call per value, several times the CSV encoding; read_csv is built in (no
   * extension). Strings are always quoted and quoted empties are not NULL, so '' stays ''; NUL, newlines
   * and any Unicode pass through unchanged.
   */
  async load(
    schema: string | null,
    table: string,
    columns: readonly LoadColumn[],
    rows: Iterable<ReadonlyArray<CellValue | null>>,
  ): Promise<void> {
    this.tempDir ??= mkdtempSync(join(tmpdir(), 'acsync-duckdb-'));
    const file = join(this.tempDir, `load-${++this.loads}.csv`);
    const options = writeCsvFile(file, rows, columns.length);
    try {
      // A temp table is addressed by its bare name (the `temp` catalog is searched first).
      const target =
        schema === null ? quoteIdent(table) : `${this.qualifySchema(schema)}.${quoteIdent(table)}`;
      const names = columns.map((c) => quoteIdent(c.name)).join(', ');
      // Positional column names: the real names may hold any character.
      const spec = columns.map((c, i) => `'c${i}': '${this.dialect.types[c.type]}'`).join(', ');
      await this.connection.run(
        `INSERT INTO ${target} (${names}) SELECT * FROM read_csv('${file.replace(/'/g, "''")}', ` +
          `${options}, columns = {${spec}})`,
      );
    } finally {
      rmSync(file, { force: true });
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.shared.mutex.run(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    await this.shared.mutex.run(async () => {
      this.connection.closeSync();
    });
    release(this.path, this.shared);
  }
}
