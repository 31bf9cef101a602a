// ClickHouse over its HTTP interface (@clickhouse/client), as a Storage of its own: ClickHouse has no
// transactions, so the SQL family's unit of work does not apply. How it stays exact without them:
//
// - Resource rows are only appended (dialect `merge: 'append'`) into RudderStack's
//   ReplacingMergeTree() ORDER BY ("received_at","id") tables, one INSERT … FORMAT JSONEachRow per batch.
//   The newest row per id is the record: `SELECT * FROM t FINAL ORDER BY received_at DESC LIMIT 1 BY id`
//   (FINAL collapses rows of one id written in the same second, keeping the last inserted).
// - A batch writes its rows, then its discards, then its state, each an INSERT that stands once it is
//   answered. A crash leaves rows without their state, never state ahead of rows; the next run reads
//   those records again from the last committed state and appends them again, which the newest-row read
//   absorbs.
// - Bookkeeping tables (state, run history) are versioned: ReplacingMergeTree(_version) keyed by the
//   record's key; a put, update or remove inserts a new version (a remove, a tombstone) and reads take the
//   newest version per key. Their datetimes are ISO-8601 strings, exact to the millisecond (DateTime has
//   seconds only, and the run history orders runs by their start).
// - Deletes (markUnseen) append versions too: the newest row of each id a complete scan did not see, copied
//   with `_acsync_deleted_at` set, and of each marked id it saw again, copied with it cleared.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { CommitPrecondition } from '../../core/contracts.ts';
import { DestinationUnreachableError } from '../../core/errors.ts';
import { redact } from '../../core/secrets.ts';
import type { FittedStream } from '../batch.ts';
import { type RudderType, rudderTypeOf } from '../capabilities.ts';
import { SEEN_SPEC } from '../deletes.ts';
import {
  clickhouse,
  createDataTable,
  DDL_SETTINGS,
  latestRows,
  literal,
  quote,
} from '../dialects/clickhouse.ts';
import { Mutex } from '../driver.ts';
import {
  type ColumnSpec,
  decodeRecordValue,
  type FindOptions,
  type RecordRow,
  type RecordSpec,
  type RecordTable,
  type RecordValue,
  type Storage,
  type TableColumns,
} from '../storage.ts';
import type { CellValue } from '../types.ts';

export interface ClickHouseDestination {
  /** The HTTP interface, e.g. http://127.0.0.1:8123. */
  url: string;
  user?: string;
  password?: string;
}

/** ISO datetimes parse only with best_effort on 18.16. */
const INSERT_SETTINGS = { date_time_input_format: 'best_effort' } as const;

/** Filters on a subquery with LIMIT BY must see its newest rows, never be pushed below it to older ones. */
const NEWEST_ONLY = { enable_optimize_predicate_expression: 0 } as const;

/** Rows per chunk of the JSONEachRow request body. */
const CHUNK_ROWS = 1000;

/** Errors that mean the server is not there, or not ours to use, rather than a bad statement. */
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|socket hang up|Timeout error|Code: (192|193|194|195|516)\b|Authentication failed|Wrong password|Unknown user/i;

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'the configured URL';
  }
}

/** The driver file's plug (index.ts). */
export async function openStorage(dest: ClickHouseDestination, namespace: string): Promise<Storage> {
  const where = describeUrl(dest.url);
  const client = createClient({
    url: dest.url,
    // Else from the URL (http://user:password@host:8123), else `default` without a password.
    ...(dest.user !== undefined ? { username: dest.user } : {}),
    ...(dest.password !== undefined ? { password: dest.password } : {}),
    request_timeout: 300_000,
    // Its logger prints failed statements; errors reach our callers, redacted, instead.
    log: { level: ClickHouseLogLevel.OFF },
  });
  const ping = await client.ping();
  if (!ping.success) {
    await client.close().catch(() => undefined);
    throw new DestinationUnreachableError(
      `cannot reach ClickHouse at ${where}: ${redact(ping.error.message)}`,
      { cause: ping.error },
    );
  }
  const driver = new ClickHouseDriver(client, where);
  // /ping needs no login: a first statement checks the user and password.
  await driver.query('SELECT 1 AS ok').catch(async (err) => {
    await client.close().catch(() => undefined);
    throw err;
  });
  return new ClickHouseStorage(driver, namespace);
}

/** Runs statements on one server, serialised, with errors made readable and secret-free. */
export class ClickHouseDriver {
  private readonly mutex = new Mutex();
  /** For `acsync query`: USE holds for later statements of the session. */
  private readonly session = randomUUID();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly where: string,
  ) {}

  private wrap(err: unknown): Error {
    const message = redact(err instanceof Error ? err.message : String(err));
    if (UNREACHABLE.test(message))
      return new DestinationUnreachableError(`cannot use ClickHouse at ${this.where}: ${message}`, {
        cause: err,
      });
    return new Error(`ClickHouse: ${message.replace(/, e\.what\(\) = DB::Exception\s*$/, '')}`, {
      cause: err,
    });
  }

  async exec(
    sql: string,
    options: { settings?: Record<string, string | number>; session?: boolean; body?: Readable } = {},
  ): Promise<void> {
    try {
      const params = {
        query: sql,
        clickhouse_settings: options.settings,
        ...(options.session ? { session_id: this.session } : {}),
      };
      const result = options.body
        ? await this.client.exec({ ...params, values: options.body })
        : await this.client.exec(params);
      for await (const _ of result.stream) {
        // Drain: the answer is empty, the statement stands once it is read.
      }
    } catch (err) {
      throw this.wrap(err);
    }
  }

  async query(
    sql: string,
    options: { settings?: Record<string, string | number>; session?: boolean } = {},
  ): Promise<Record<string, unknown>[]> {
    try {
      const result = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        clickhouse_settings: options.settings,
        ...(options.session ? { session_id: this.session } : {}),
      });
      return (await result.json()) as Record<string, unknown>[];
    } catch (err) {
      throw this.wrap(err);
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  close(): Promise<void> {
    return this.mutex.run(() => this.client.close());
  }
}

// ───────────────────────────── values ─────────────────────────────

/** A fitted cell as JSON for a column of `type`: ints stay digits (beyond 2^53 too), booleans 0/1. */
function jsonCell(type: RudderType, value: CellValue | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if ((type === 'int' || type === 'float') && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
    return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value);
}

/** JSONEachRow text of the rows, a chunk at a time (rows may be one reused array). */
function* jsonLines(
  columns: ReadonlyArray<{ name: string; type: RudderType }>,
  rows: Iterable<ReadonlyArray<CellValue | null>>,
): Generator<string> {
  const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
  let chunk = '';
  let n = 0;
  for (const row of rows) {
    let line = '{';
    for (let i = 0; i < keys.length; i++)
      line += `${i ? ',' : ''}${keys[i]}${jsonCell(columns[i]!.type, row[i] ?? null)}`;
    chunk += `${line}}\n`;
    if (++n % CHUNK_ROWS === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

// ───────────────────────────── the storage ─────────────────────────────

export class ClickHouseStorage implements Storage {
  readonly dialect = clickhouse;

  constructor(
    private readonly driver: ClickHouseDriver,
    readonly namespace: string,
  ) {}

  private target(table: string): string {
    return `${quote(this.namespace)}.${quote(table)}`;
  }

  async ensureNamespace(): Promise<void> {
    await this.driver.exclusive(() =>
      this.driver.exec(`CREATE DATABASE IF NOT EXISTS ${quote(this.namespace)}`),
    );
  }

  async records(spec: RecordSpec): Promise<RecordTable> {
    const target = this.target(spec.table);
    const defs = spec.columns.map((c) => {
      const base = c.type === 'datetime' ? 'String' : clickhouse.types[c.type];
      const nullable = c.nullable !== false && !spec.key.includes(c.name);
      return `${quote(c.name)} ${nullable ? `Nullable(${base})` : base}`;
    });
    await this.driver.exclusive(() =>
      this.driver.exec(
        `CREATE TABLE IF NOT EXISTS ${target} (${defs.join(', ')}, "_version" UInt64, "_deleted" UInt8) ` +
          `ENGINE = ReplacingMergeTree("_version") ORDER BY (${spec.key.map(quote).join(', ')})`,
      ),
    );
    return new VersionedRecords(this.driver, target, spec);
  }

  async ensureTable(table: string, columns: readonly ColumnSpec[], key: readonly string[]): Promise<void> {
    const sql = createDataTable(
      this.target(table),
      columns.map((c) => [c.name, c.type]),
      key,
    );
    await this.driver.exclusive(() => this.driver.exec(sql, { settings: DDL_SETTINGS }));
  }

  async readColumns(table: string): Promise<TableColumns | null> {
    const rows = await this.driver.query(
      `SELECT name, type FROM system.columns WHERE database = ${literal(this.namespace)} ` +
        `AND table = ${literal(table)}`,
    );
    if (rows.length === 0) return null;
    return new Map(rows.map((r) => [String(r.name), rudderTypeOf(clickhouse, String(r.type))]));
  }

  async createTable(
    table: string,
    columns: ReadonlyArray<[string, RudderType]>,
    key: readonly string[],
  ): Promise<void> {
    await this.driver.exec(createDataTable(this.target(table), columns, key), { settings: DDL_SETTINGS });
  }

  /** ADD COLUMN per column (18.16 has no IF NOT EXISTS): one another process added meanwhile is fine. */
  async addColumns(table: string, columns: ReadonlyArray<[string, RudderType]>): Promise<void> {
    for (const [name, type] of columns) {
      try {
        await this.driver.exec(
          `ALTER TABLE ${this.target(table)} ADD COLUMN ${quote(name)} Nullable(${clickhouse.types[type]})`,
        );
      } catch (err) {
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
    }
  }

  async hasRows(table: string): Promise<boolean> {
    return (await this.driver.query(`SELECT 1 AS x FROM ${this.target(table)} LIMIT 1`)).length > 0;
  }

  async appendRows(table: string, rows: FittedStream): Promise<void> {
    const names = rows.columns.map((c) => quote(c.name)).join(', ');
    await this.driver.exec(`INSERT INTO ${this.target(table)} (${names}) FORMAT JSONEachRow`, {
      settings: INSERT_SETTINGS,
      body: Readable.from(jsonLines(rows.columns, rows.rows)),
    });
  }

  /**
   * Deletes (deletes.ts) as new row versions, never UPDATE (tables are append-only): INSERT … SELECT on
   * the server copies the newest row (the documented read) of each id the scan's staged ids (a NOT IN
   * anti-join on the id as text) lack and that is unmarked, with `column` = `at`; then of each marked id
   * they hold, with `column` NULL. The copy's received_at is the greater of its own and `at`, so it is the
   * newest row of its id (an equal second collapses under FINAL, the last inserted kept).
   *
   * Exact when repeated after a crash: each step copies only rows whose newest version is not yet what it
   * writes, so a rerun finishes what a crash left (an INSERT lands per partition) and never marks a row
   * twice or moves its first mark's time. The staged ids are NOT removed here, unlike the SQL family: with
   * no transaction, removing them before the completing batch's state lands would let a crash leave a
   * resumed scan holding only its last batch's ids, and its rerun would mark every other row. They are
   * tombstoned when the resource's next scan starts afresh (Target.stageSeen's `fresh` remove).
   */
  async markUnseen(
    table: string,
    column: string,
    seen: { table: string; scan: string },
    at: Date,
  ): Promise<{ marked: number; unmarked: number }> {
    const target = this.target(table);
    const rows = await this.driver.query(
      `SELECT name FROM system.columns WHERE database = ${literal(this.namespace)} ` +
        `AND table = ${literal(table)} AND default_kind NOT IN ('MATERIALIZED', 'ALIAS')`,
    );
    const columns = rows.map((r) => String(r.name));
    if (!columns.includes(column) || !columns.includes('received_at'))
      throw new Error(`${target} has no ${column} or received_at column to mark deletes with`);
    // DateTime from Unix seconds: no dependence on the server's time zone.
    const stamp = `toDateTime(${Math.floor(at.getTime() / 1000)})`;
    const staged =
      `SELECT "id" FROM (SELECT "id", "_deleted" FROM ${this.target(seen.table)} ` +
      `WHERE "scan" = ${literal(seen.scan)} ORDER BY "_version" DESC LIMIT 1 BY ${SEEN_SPEC.key.map(quote).join(', ')}) ` +
      'WHERE "_deleted" = 0';
    const newest = `(${latestRows(target)})`;
    const col = quote(column);
    const toMark = `${col} IS NULL AND toString("id") NOT IN (${staged})`;
    const toUnmark = `${col} IS NOT NULL AND toString("id") IN (${staged})`;
    // Counted first, in one read: 18.16 does not say how many rows an INSERT … SELECT wrote.
    const [counts] = await this.driver.query(
      `SELECT countIf(${toMark}) AS marked, countIf(${toUnmark}) AS unmarked FROM ${newest}`,
      { settings: NEWEST_ONLY },
    );
    const marked = Number(counts?.marked ?? 0);
    const unmarked = Number(counts?.unmarked ?? 0);
    const copy = async (where: string, value: string) => {
      const values = columns.map((c) =>
        c === column
          ? `CAST(${value} AS Nullable(DateTime))`
          : c === 'received_at'
            ? `greatest("received_at", ${stamp})`
            : quote(c),
      );
      await this.driver.exec(
        `INSERT INTO ${target} (${columns.map(quote).join(', ')}) SELECT ${values.join(', ')} FROM ${newest} WHERE ${where}`,
        { settings: { ...NEWEST_ONLY, ...DDL_SETTINGS } },
      );
    };
    if (marked > 0) await copy(toMark, stamp);
    if (unmarked > 0) await copy(toUnmark, 'NULL');
    return { marked, unmarked };
  }

  replaceRows(): Promise<void> {
    return Promise.reject(
      new Error('ClickHouse tables are appended to; the newest row per id is the record'),
    );
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.driver.exclusive(fn);
  }

  /** No transactions: writes stand as they land, in the order that keeps a retry exact (see the top). */
  atomically<T>(fn: () => Promise<T>, beforeCommit?: CommitPrecondition): Promise<T> {
    if (beforeCommit) throw new Error('a commit precondition needs a destination with transactions');
    return this.driver.exclusive(fn);
  }

  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.driver.exclusive(async () => {
      // A database not created yet: the query itself will say what is missing.
      await this.driver.exec(`USE ${quote(this.namespace)}`, { session: true }).catch(() => undefined);
      return this.driver.query(sql, { session: true });
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

// ───────────────────────────── bookkeeping ─────────────────────────────

/** Versions grow within a process and across restarts (microseconds of the clock, never repeated). */
let lastVersion = 0;
function nextVersion(): number {
  lastVersion = Math.max(Date.now() * 1000, lastVersion + 1);
  return lastVersion;
}

/** A RecordTable as versions in a ReplacingMergeTree(_version): the newest version per key is the row. */
class VersionedRecords implements RecordTable {
  constructor(
    private readonly driver: ClickHouseDriver,
    private readonly target: string,
    private readonly spec: RecordSpec,
  ) {}

  private value(v: RecordValue): string {
    if (v === null) return 'NULL';
    if (v instanceof Date) return literal(v.toISOString());
    return typeof v === 'number' ? String(v) : literal(v);
  }

  private typeOf(column: string): RudderType {
    const c = this.spec.columns.find((x) => x.name === column);
    if (!c) throw new Error(`${this.spec.table} has no column ${column}`);
    return c.type;
  }

  /** The newest live version per key matching `where`: `FROM …` of a statement run with NEWEST_ONLY. */
  private newest(where: RecordRow): string {
    const conditions = Object.entries(where).map(([c, v]) => {
      this.typeOf(c);
      return `${quote(c)} = ${this.value(v)}`;
    });
    return (
      `FROM (SELECT * FROM ${this.target} ORDER BY "_version" DESC LIMIT 1 BY ${this.spec.key.map(quote).join(', ')}) ` +
      `WHERE ${['"_deleted" = 0', ...conditions].join(' AND ')}`
    );
  }

  async find(where: RecordRow, options: FindOptions = {}): Promise<RecordRow[]> {
    let sql = `SELECT ${this.spec.columns.map((c) => quote(c.name)).join(', ')} ${this.newest(where)}`;
    if (options.orderBy?.length)
      sql += ` ORDER BY ${options.orderBy.map(([c, dir]) => `${quote(c)} ${dir.toUpperCase()}`).join(', ')}`;
    if (options.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
    const rows = await this.driver.query(sql, { settings: NEWEST_ONLY });
    return rows.map((r) => {
      const out: RecordRow = {};
      for (const c of this.spec.columns) out[c.name] = decodeRecordValue(r[c.name], c.type);
      return out;
    });
  }

  private async write(rows: readonly RecordRow[], deleted: boolean): Promise<void> {
    if (rows.length === 0) return;
    const version = nextVersion();
    const lines = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of this.spec.columns) {
        const v = row[c.name] ?? null;
        out[c.name] = v instanceof Date ? v.toISOString() : v;
      }
      return `${JSON.stringify({ ...out, _version: version, _deleted: deleted ? 1 : 0 })}\n`;
    });
    const names = [...this.spec.columns.map((c) => c.name), '_version', '_deleted'].map(quote).join(', ');
    await this.driver.exec(`INSERT INTO ${this.target} (${names}) FORMAT JSONEachRow`, {
      body: Readable.from(lines),
    });
  }

  insert(rows: readonly RecordRow[]): Promise<void> {
    return this.write(rows, false);
  }

  put(rows: readonly RecordRow[]): Promise<void> {
    return this.write(rows, false);
  }

  /** Not exact under concurrent writers (no locks): acsync runs one writer per source and prefix. */
  async update(where: RecordRow, set: RecordRow): Promise<number> {
    const rows = await this.find(where);
    await this.write(
      rows.map((r) => ({ ...r, ...set })),
      false,
    );
    return rows.length;
  }

  /**
   * Tombstones written by the server, none of the rows read here (a scan's staged ids can be millions).
   * Where `where` names key columns only, every version of a matching key matches too, so the versions up
   * to the tombstones' are then dropped for good (an asynchronous mutation, 18.16's ALTER … DELETE): the
   * newest read is the same before and after it lands, and each reconcile's staged ids do not pile up as
   * tombstones. Versions written later are newer and untouched.
   */
  async remove(where: RecordRow): Promise<void> {
    const columns = this.spec.columns.map((c) => quote(c.name)).join(', ');
    const version = nextVersion();
    await this.driver.exec(
      `INSERT INTO ${this.target} (${columns}, "_version", "_deleted") ` +
        `SELECT ${columns}, ${version}, 1 ${this.newest(where)}`,
      { settings: NEWEST_ONLY },
    );
    const entries = Object.entries(where);
    if (entries.length === 0 || entries.some(([c, v]) => !this.spec.key.includes(c) || v === null)) return;
    const conditions = entries.map(([c, v]) => `${quote(c)} = ${this.value(v)}`);
    await this.driver.exec(
      `ALTER TABLE ${this.target} DELETE WHERE ${[...conditions, `"_version" <= ${version}`].join(' AND ')}`,
    );
  }
}
