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
import { DIALECTS } from '../dialects.ts';
import { type Driver, Mutex, type SqlParam } from '../driver.ts';
import { quoteIdent } from '../naming.ts';
import type { CellValue } from '../types.ts';

/** What replaces NUL in PostgreSQL strings. */
export const PG_NUL_REPLACEMENT = '\uFFFD';

const CHUNK = 256 * 1024;
const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * Rows as CSV, written straight into 256 kB buffers (no per-field strings: at tens of fields a row the
 * garbage of string concatenation cost more than the encoding). Unquoted empty = NULL; strings are always
 * quoted, so '' stays an empty string.
 */
export function* csvChunks(
  rows: Iterable<ReadonlyArray<CellValue | null>>,
  width: number,
): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let at = 0;
  const room = (bytes: number): Generator<Buffer> | null => (at + bytes > buf.length ? flush(bytes) : null);
  function* flush(bytes: number): Generator<Buffer> {
    if (at > 0) yield buf.subarray(0, at);
    buf = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
    at = 0;
  }
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const v = row[i];
      // Worst case for this field: 3 bytes per UTF-16 unit, every quote doubled, quotes, comma, newline.
      if (v === null || v === undefined) {
        const f = room(2);
        if (f) yield* f;
      } else if (typeof v === 'string') {
        let s = v.includes('\u0000') ? v.replace(/\u0000/g, PG_NUL_REPLACEMENT) : v;
        if (s.includes('"')) s = s.replace(/"/g, '""');
        const f = room(s.length * 3 + 4);
        if (f) yield* f;
        buf[at++] = QUOTE;
        at += buf.write(s, at, 'utf8');
        buf[at++] = QUOTE;
      } else {
        const t = String(v);
        const f = room(t.length + 2);
        if (f) yield* f;
        at += buf.write(t, at, 'latin1');
      }
      buf[at++] = i === width - 1 ? NEWLINE : COMMA;
    }
  }
  if (at > 0) yield buf.subarray(0, at);
}

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

export class PostgresDriver implements Driver {
  readonly dialect = DIALECTS.postgres;
  readonly loadsByName = true;
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

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    try {
      await this.client.query(sql, params);
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
      await pipeline(Readable.from(csvChunks(rows, columns.length)), ingest);
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
