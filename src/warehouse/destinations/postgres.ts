// PostgreSQL: one pg client per target (temp tables and transactions are per session). Rows go in with
// COPY ... FROM STDIN (FORMAT csv), streamed in chunks with back-pressure.
//
// NUL (U+0000) cannot be stored in PostgreSQL text or jsonb at all, so no lossless rule exists: every NUL
// in a string is replaced by U+FFFD (the Unicode replacement character). Everything else loads unchanged.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DestinationUnreachableError } from '../../core/errors.ts';
import { redact } from '../../core/secrets.ts';
import type { LoadColumn } from '../batch.ts';
import { csvChunks } from '../csv.ts';
import { postgres } from '../dialects/postgres.ts';
import { Mutex, type SqlDriver, type SqlParam } from '../driver.ts';
import { quoteIdent } from '../naming.ts';
import { SqlStorage } from '../sql/storage.ts';
import type { Storage } from '../storage.ts';
import type { CellValue } from '../types.ts';

/** What replaces NUL in PostgreSQL strings. */
export const PG_NUL_REPLACEMENT = '\uFFFD';

// Error classes (SQLSTATE) that mean the server or the connection is gone rather than a bad statement.
const UNREACHABLE = /^(08|57P0[123]|53300|28)/;

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** The driver file's plug (index.ts): a SQL Storage on the server. */
export async function openStorage(dest: { url: string }, namespace: string): Promise<Storage> {
  return new SqlStorage(await PostgresDriver.open(dest.url), namespace);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = postgres;
  private readonly mutex = new Mutex();
  private closed = false;
  private lostError: Error | null = null;

  private constructor(
    private readonly client: pg.Client,
    private readonly where: string,
  ) {
    // A dropped connection emits 'error' outside any query; remember it instead of crashing the process.
    client.on('error', (err) => {
      this.lostError = err;
    });
  }

  static async open(url: string): Promise<PostgresDriver> {
    const where = describeUrl(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new DestinationUnreachableError(
        `cannot reach PostgreSQL at ${where}: ${redact(err instanceof Error ? err.message : String(err))}`,
        { cause: err },
      );
    }
    return new PostgresDriver(client, where);
  }

  private wrap(err: unknown): unknown {
    const code = (err as { code?: string }).code ?? '';
    const message = err instanceof Error ? err.message : String(err);
    if (
      this.lostError ||
      UNREACHABLE.test(code) ||
      /ECONNRESET|ECONNREFUSED|Connection terminated/i.test(message)
    )
      return new DestinationUnreachableError(
        `lost the connection to PostgreSQL at ${this.where}: ${message}`,
        {
          cause: err,
        },
      );
    return err;
  }

  qualifySchema(schema: string): string {
    return quoteIdent(schema);
  }

  async exec(sql: string, params?: SqlParam[]): Promise<number> {
    try {
      return (await this.client.query(sql, params)).rowCount ?? 0;
    } catch (err) {
      throw this.wrap(err);
    }
  }

  async query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.client.query(sql, params)).rows;
    } catch (err) {
      throw this.wrap(err);
    }
  }

  async load(
    schema: string | null,
    table: string,
    columns: readonly LoadColumn[],
    rows: Iterable<ReadonlyArray<CellValue | null>>,
  ): Promise<void> {
    const target = schema === null ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
    const names = columns.map((c) => quoteIdent(c.name)).join(', ');
    try {
      const ingest = this.client.query(copyFrom(`COPY ${target} (${names}) FROM STDIN WITH (FORMAT csv)`));
      await pipeline(Readable.from(csvChunks(rows, columns.length, PG_NUL_REPLACEMENT)), ingest);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(() => this.client.end().catch(() => undefined));
  }
}
