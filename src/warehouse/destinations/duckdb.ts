// DuckDB: one file, one writer process. Rows go in through the Appender (no extension needed, no
// row-by-row INSERT); SQL through one connection per target. Targets on the same file inside one process
// share the instance and its lock, because a process must not attach the same file twice.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DestinationUnreachableError } from '../../core/errors.ts';
import type { LoadColumn } from '../batch.ts';
import { DIALECTS, type RudderType } from '../dialects.ts';
import { type Driver, Mutex, type SqlParam } from '../driver.ts';
import { quoteIdent } from '../naming.ts';
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

type Append = (a: DuckDBAppender, v: CellValue) => void;
const INT32 = 2 ** 31;
// The cheapest append per type (measured): small integers as INTEGER and datetimes as their ISO text
// let the Appender cast natively, several times faster than building BigInt/timestamp values in JS.
const APPEND: Record<RudderType, Append> = {
  int: (a, v) => {
    if (typeof v === 'number' && v < INT32 && v >= -INT32) a.appendInteger(v);
    else a.appendBigInt(BigInt(v as number | string));
  },
  float: (a, v) => a.appendDouble(v as number),
  string: (a, v) => a.appendVarchar(v as string),
  json: (a, v) => a.appendVarchar(v as string),
  boolean: (a, v) => a.appendBoolean(v as boolean),
  datetime: (a, v) => a.appendVarchar(v as string),
};

export class DuckDBDriver implements Driver {
  readonly dialect = DIALECTS.duckdb;
  // The Appender fills every column of a table, in order.
  readonly loadsByName = false;
  private closed = false;

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

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.connection.run(sql, params);
  }

  async query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async load(
    schema: string | null,
    table: string,
    columns: readonly LoadColumn[],
    rows: Iterable<ReadonlyArray<CellValue | null>>,
  ): Promise<void> {
    // A temp table lives in the `temp` catalog; the appender appends inside the open transaction.
    const appender = await this.connection.createAppender(
      table,
      schema ?? 'main',
      schema === null ? 'temp' : null,
    );
    const appends = columns.map((c) => APPEND[c.type]);
    try {
      for (const row of rows) {
        for (let i = 0; i < appends.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) appender.appendNull();
          else appends[i](appender, v);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.shared.mutex.run(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shared.mutex.run(async () => {
      this.connection.closeSync();
    });
    release(this.path, this.shared);
  }
}
