// The shared half of every destination: one source's WarehouseTarget on top of a Driver. Schema
// tracking (the warehouse's information_schema is the truth), stage + merge by id, discards, state and
// run history, each batch in one transaction.
import type {
  DestinationConfig,
  JsonObject,
  ResourceOutcome,
  RunHistoryRow,
  RunStatus,
  WarehouseTarget,
  WriteBatch,
  WriteResult,
} from '../core/contracts.ts';
import { redact } from '../core/secrets.ts';
import { VERSION } from '../core/version.ts';
import {
  type DiscardRow,
  type FittedStream,
  fitRowsStream,
  flattenBatch,
  type LoadColumn,
  planColumns,
  RUDDER_COLUMN_SET,
  type RudderValues,
} from './batch.ts';
import { type RudderType, rudderTypeOf } from './dialects.ts';
import type { Driver, SqlParam } from './driver.ts';
import { Flattener } from './flatten.ts';
import { releaseBatchMemory } from './memory.ts';
import { eventName, quoteIdent, resourceTableName, transformName } from './naming.ts';
import type { CellValue } from './types.ts';

export const STATE_TABLE = '_acsync_state';
export const RUNS_TABLE = '_acsync_runs';
export const DISCARDS_TABLE = 'rudder_discards';

/** Internal options (not part of the config file). */
export interface WarehouseOptions {
  /** Dotted raw key paths loaded whole into `json` columns (RudderStack's jsonPaths). */
  jsonPaths?: string[];
  /** Written into context_source_type. */
  sourceType?: string;
  /** Test seam: called at named points inside the batch transaction; throwing aborts the batch. */
  onStep?: (step: 'staged' | 'merged' | 'state') => void | Promise<void>;
}

interface TableInfo {
  columns: Map<string, RudderType>;
  /**
   * Keys of every row in the table, while the table was empty when this target first saw it (a first
   * load): a batch whose keys are all new loads straight in, with no delete. null = unknown, merge.
   */
  knownKeys: Set<string> | null;
  /** Whether the merge index (indexKey) is known to exist. */
  indexed: boolean;
}

/**
 * What concurrent CREATE ... IF NOT EXISTS can still raise in PostgreSQL: a unique violation in the
 * catalog, or the table, schema or the table's row type (42710) already existing.
 */
const DDL_RACE_CODES: ReadonlySet<string> = new Set(['23505', '42P07', '42P06', '42710']);

/** Beyond this many keys, a first load stops tracking them (memory stays bounded) and merges. */
const KNOWN_KEYS_LIMIT = 2_000_000;

const DISCARD_COLUMNS: LoadColumn[] = [
  { name: 'table_name', type: 'string' },
  { name: 'row_id', type: 'string' },
  { name: 'column_name', type: 'string' },
  { name: 'column_value', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'received_at', type: 'datetime' },
  { name: 'uuid_ts', type: 'datetime' },
];

export class Target implements WarehouseTarget {
  private readonly flattener: Flattener;
  private readonly tables = new Map<string, TableInfo | null>();
  private readonly prefixKey: string;
  private stageCounter = 0;

  constructor(
    private readonly driver: Driver,
    readonly schema: string,
    private readonly source: { name: string; tablePrefix: string },
    private readonly dest: DestinationConfig,
    private readonly options: WarehouseOptions = {},
  ) {
    this.flattener = new Flattener(driver.dialect, {
      jsonPaths: options.jsonPaths,
      reserved: RUDDER_COLUMN_SET,
    });
    // State and history rows are keyed by the normalised prefix, as the tables are.
    this.prefixKey = transformName(driver.dialect, source.tablePrefix);
  }

  private q(table: string): string {
    return `${this.driver.qualifySchema(this.schema)}.${quoteIdent(table)}`;
  }

  /** Creates the schema and acsync's own tables. Safe to race with another process doing the same. */
  async init(): Promise<void> {
    const t = this.driver.dialect.types;
    await this.retryDdl(() =>
      this.driver.exec(`CREATE SCHEMA IF NOT EXISTS ${this.driver.qualifySchema(this.schema)}`),
    );
    await this.retryDdl(() =>
      this.driver.exec(
        `CREATE TABLE IF NOT EXISTS ${this.q(STATE_TABLE)} (table_prefix ${t.string} NOT NULL, resource ${t.string} NOT NULL, ` +
          `state ${t.string} NOT NULL, updated_at ${t.datetime} NOT NULL, PRIMARY KEY (table_prefix, resource))`,
      ),
    );
    await this.retryDdl(() =>
      this.driver.exec(
        `CREATE TABLE IF NOT EXISTS ${this.q(RUNS_TABLE)} (run_id ${t.string} NOT NULL, source ${t.string} NOT NULL, ` +
          `table_prefix ${t.string} NOT NULL, resource ${t.string} NOT NULL, table_name ${t.string} NOT NULL, ` +
          `events ${t.int} NOT NULL, rows_written ${t.int} NOT NULL, started_at ${t.datetime} NOT NULL, ` +
          `finished_at ${t.datetime}, status ${t.string} NOT NULL, error ${t.string}, PRIMARY KEY (run_id, resource))`,
      ),
    );
    // Shared by every source in the schema: created here, outside any batch, so two sources' first
    // discards cannot race to create it inside their transactions. An existing one (RudderStack's) is kept.
    const discardColumns = DISCARD_COLUMNS.map((c) => `${quoteIdent(c.name)} ${t[c.type]}`).join(', ');
    await this.retryDdl(() =>
      this.driver.exec(`CREATE TABLE IF NOT EXISTS ${this.q(DISCARDS_TABLE)} (${discardColumns})`),
    );
  }

  /** Concurrent CREATE ... IF NOT EXISTS can still collide in PostgreSQL's catalog; the loser retries. */
  private async retryDdl(fn: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.driver.exclusive(fn);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || !DDL_RACE_CODES.has(code ?? '')) throw err;
      }
    }
  }

  tableFor(resource: string): string {
    return resourceTableName(this.driver.dialect, this.source.tablePrefix, resource);
  }

  async getState(resource: string): Promise<JsonObject | null> {
    const rows = await this.driver.exclusive(() =>
      this.driver.query(
        `SELECT state FROM ${this.q(STATE_TABLE)} WHERE table_prefix = $1 AND resource = $2`,
        [this.prefixKey, resource],
      ),
    );
    return rows.length ? (JSON.parse(String(rows[0].state)) as JsonObject) : null;
  }

  async resetState(resources?: string[]): Promise<void> {
    await this.transaction(async () => {
      if (!resources) {
        await this.driver.exec(`DELETE FROM ${this.q(STATE_TABLE)} WHERE table_prefix = $1`, [
          this.prefixKey,
        ]);
        return;
      }
      for (const resource of resources)
        await this.driver.exec(
          `DELETE FROM ${this.q(STATE_TABLE)} WHERE table_prefix = $1 AND resource = $2`,
          [this.prefixKey, resource],
        );
    });
  }

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    const table = this.tableFor(batch.resource);
    // Flattening needs no database: do it before taking the connection.
    const flat = flattenBatch(this.flattener, batch.records, batch.primaryKey, batch.resource);
    const rudder: RudderValues = {
      receivedAt: batch.receivedAt.toISOString(),
      event: eventName(this.source.tablePrefix, batch.resource),
      jobId: this.source.name,
      jobRunId: batch.runId,
      taskRunId: `${batch.runId}:${batch.resource}`,
      version: VERSION,
      sourceId: this.source.name,
      sourceType: this.options.sourceType ?? 'active_campaign',
      destinationId: this.dest.name,
      destinationType: this.driver.dialect.destinationType,
      uuidTs: new Date().toISOString(),
    };
    return this.transaction(async () => {
      let rowsWritten = 0;
      let discards: DiscardRow[] = [];
      if (flat.rows.length > 0) {
        const info = await this.tableInfo(table);
        const plan = planColumns(flat, info?.columns ?? null, this.driver.dialect.maxColumns);
        const current = await this.addColumns(table, info, plan.add);
        const batchKeys = flat.rows.map((r) => String(r.id));
        const known = current.knownKeys;
        // A first load skips the delete while every key in the batch is new to the table.
        const fresh = known !== null && !batchKeys.some((k) => known.has(k));
        const fitted = fitRowsStream(
          flat,
          current.columns,
          plan.overflow,
          rudder,
          table,
          this.driver.dialect.maxRowBytes,
          fresh && !this.driver.loadsByName ? [...current.columns.keys()] : undefined,
        );
        // The index is built when the first merge needs it: a first load of new ids never maintains it.
        if (!fresh && !current.indexed) {
          await this.indexKey(table);
          current.indexed = true;
        }
        rowsWritten = await this.merge(table, fitted, ['id'], fresh);
        if (known && known.size + batchKeys.length <= KNOWN_KEYS_LIMIT)
          for (const k of batchKeys) known.add(k);
        else current.knownKeys = null;
        discards = fitted.discards;
      }
      await this.options.onStep?.('merged');
      if (discards.length > 0) await this.writeDiscards(discards, rudder);
      await this.putState(batch.resource, batch.state);
      await this.options.onStep?.('state');
      return { rowsWritten, discards: discards.length };
    }).finally(releaseBatchMemory);
  }

  private async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.driver.exclusive(async () => {
      await this.driver.exec('BEGIN');
      try {
        const result = await fn();
        await this.driver.exec('COMMIT');
        return result;
      } catch (err) {
        try {
          await this.driver.exec('ROLLBACK');
        } catch {
          // The connection may be gone; the server rolls back on its own.
        }
        // Cached schemas may describe DDL that just rolled back.
        this.tables.clear();
        throw err;
      }
    });
  }

  private async tableInfo(table: string): Promise<TableInfo | null> {
    if (this.tables.has(table)) return this.tables.get(table)!;
    const rows = await this.driver.query(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() ' +
        'AND table_schema = $1 AND table_name = $2 ' +
        'ORDER BY ordinal_position',
      [this.schema, table],
    );
    let info: TableInfo | null = null;
    if (rows.length > 0) {
      const columns = new Map<string, RudderType>();
      for (const r of rows)
        columns.set(String(r.column_name), rudderTypeOf(this.driver.dialect, String(r.data_type)));
      const any = await this.driver.query(`SELECT 1 AS x FROM ${this.q(table)} LIMIT 1`);
      info = { columns, knownKeys: any.length === 0 ? new Set() : null, indexed: false };
    }
    this.tables.set(table, info);
    return info;
  }

  private async addColumns(
    table: string,
    info: TableInfo | null,
    add: Array<[string, RudderType]>,
  ): Promise<TableInfo> {
    const d = this.driver.dialect;
    const def = ([name, type]: [string, RudderType]) => `${quoteIdent(name)} ${d.types[type]}`;
    if (!info) {
      await this.driver.exec(`CREATE TABLE ${this.q(table)} (${add.map(def).join(', ')})`);
      const created: TableInfo = { columns: new Map(add), knownKeys: new Set(), indexed: false };
      this.tables.set(table, created);
      return created;
    }
    if (add.length > 0) {
      if (d.alterAddMany)
        await this.driver.exec(
          `ALTER TABLE ${this.q(table)} ${add.map((c) => `ADD COLUMN IF NOT EXISTS ${def(c)}`).join(', ')}`,
        );
      else
        for (const c of add)
          await this.driver.exec(`ALTER TABLE ${this.q(table)} ADD COLUMN IF NOT EXISTS ${def(c)}`);
      for (const [name, type] of add) info.columns.set(name, type);
    }
    return info;
  }

  /**
   * Where the dialect wants it (PostgreSQL), an index on `id` keeps delete-then-insert merges from
   * scanning the whole table each batch. Adopted tables get one too (RudderStack created none). Built
   * at the first merge, so a first load of new ids never pays for maintaining it.
   */
  private async indexKey(table: string): Promise<void> {
    if (!this.driver.dialect.indexMergeKey || table === DISCARDS_TABLE) return;
    const index = `${table.slice(0, 40)}_${hash8(table)}_id_idx`;
    await this.driver.exec(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(index)} ON ${this.q(table)} (${quoteIdent('id')})`,
    );
  }

  /**
   * Replaces rows by key: delete-then-insert through a staging table (works without any index or key
   * on the table, as on tables RudderStack created).
   */
  private async merge(
    table: string,
    fitted: FittedStream,
    keys: string[],
    /** No key of the batch is in the table yet (fitted then covers the whole table when the driver needs it). */
    fresh = false,
  ): Promise<number> {
    if (fresh) {
      await this.driver.load(this.schema, table, fitted.columns, fitted.rows);
      await this.options.onStep?.('staged');
    } else {
      const d = this.driver.dialect;
      const stage = `_acsync_stage_${++this.stageCounter}`;
      const cols = fitted.columns.map((c) => `${quoteIdent(c.name)} ${d.types[c.type]}`).join(', ');
      await this.driver.exec(`CREATE TEMP TABLE ${quoteIdent(stage)} (${cols})`);
      await this.driver.load(null, stage, fitted.columns, fitted.rows);
      await this.options.onStep?.('staged');
      if (keys.length === 1 && d.deleteByKeyArray) {
        const k = quoteIdent(keys[0]);
        await this.driver.exec(
          `DELETE FROM ${this.q(table)} WHERE ${k} = ANY(ARRAY(SELECT ${k} FROM ${quoteIdent(stage)}))`,
        );
      } else {
        const on = keys.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
        await this.driver.exec(
          `DELETE FROM ${this.q(table)} AS t USING ${quoteIdent(stage)} AS s WHERE ${on}`,
        );
      }
      const names = fitted.columns.map((c) => quoteIdent(c.name)).join(', ');
      await this.driver.exec(
        `INSERT INTO ${this.q(table)} (${names}) SELECT ${names} FROM ${quoteIdent(stage)}`,
      );
      await this.driver.exec(`DROP TABLE ${quoteIdent(stage)}`);
    }
    return fitted.count();
  }

  /** rudder_discards, shared with RudderStack's own when it exists; merged on (table, row, column). */
  private async writeDiscards(discards: DiscardRow[], rudder: RudderValues): Promise<void> {
    const info = await this.tableInfo(DISCARDS_TABLE);
    const missing = DISCARD_COLUMNS.filter((c) => !info?.columns.has(c.name)).map(
      (c) => [c.name, c.type] as [string, RudderType],
    );
    const current = await this.addColumns(DISCARDS_TABLE, info, missing);
    const unique = new Map<string, Array<CellValue | null>>();
    for (const d of discards)
      unique.set(JSON.stringify([d.tableName, d.rowId, d.columnName]), [
        d.tableName,
        d.rowId,
        d.columnName,
        d.columnValue,
        d.reason,
        rudder.receivedAt,
        rudder.uuidTs,
      ]);
    const columns = DISCARD_COLUMNS.map((c) => ({
      name: c.name,
      type: current.columns.get(c.name) ?? c.type,
    }));
    const rows = [...unique.values()];
    await this.merge(DISCARDS_TABLE, { columns, rows, discards: [], count: () => rows.length }, [
      'table_name',
      'row_id',
      'column_name',
    ]);
  }

  private async putState(resource: string, state: JsonObject): Promise<void> {
    await this.driver.exec(`DELETE FROM ${this.q(STATE_TABLE)} WHERE table_prefix = $1 AND resource = $2`, [
      this.prefixKey,
      resource,
    ]);
    await this.driver.exec(
      `INSERT INTO ${this.q(STATE_TABLE)} (table_prefix, resource, state, updated_at) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMPTZ))`,
      [this.prefixKey, resource, JSON.stringify(state), new Date().toISOString()],
    );
  }

  async startRun(run: { runId: string; startedAt: Date; resources: string[] }): Promise<void> {
    await this.transaction(async () => {
      // A killed process cannot end its own run: whatever is still `running` for this source is stale.
      await this.driver.exec(
        `UPDATE ${this.q(RUNS_TABLE)} SET status = 'failed', finished_at = CAST($1 AS TIMESTAMPTZ), ` +
          `error = $2 WHERE source = $3 AND table_prefix = $4 AND status = 'running'`,
        [
          run.startedAt.toISOString(),
          'the run ended without finishing (process stopped)',
          this.source.name,
          this.prefixKey,
        ],
      );
      for (const resource of run.resources)
        await this.driver.exec(
          `INSERT INTO ${this.q(RUNS_TABLE)} (run_id, source, table_prefix, resource, table_name, events, rows_written, ` +
            `started_at, finished_at, status, error) VALUES ($1, $2, $3, $4, $5, 0, 0, CAST($6 AS TIMESTAMPTZ), NULL, 'running', NULL)`,
          [
            run.runId,
            this.source.name,
            this.prefixKey,
            resource,
            this.tableFor(resource),
            run.startedAt.toISOString(),
          ],
        );
    });
  }

  async finishResource(runId: string, resource: string, outcome: ResourceOutcome): Promise<void> {
    const params: SqlParam[] = [
      outcome.events,
      outcome.rowsWritten,
      outcome.status,
      outcome.error == null ? null : redact(outcome.error),
      outcome.finishedAt.toISOString(),
      runId,
      resource,
    ];
    await this.driver.exclusive(async () => {
      const sets =
        'events = $1, rows_written = $2, status = $3, error = $4, finished_at = CAST($5 AS TIMESTAMPTZ)';
      const rows = await this.driver.query(
        `UPDATE ${this.q(RUNS_TABLE)} SET ${sets} WHERE run_id = $6 AND resource = $7 RETURNING run_id`,
        params,
      );
      if (rows.length === 0)
        // A resource the run did not announce (or a history table that was wiped): record it anyway.
        await this.driver.exec(
          `INSERT INTO ${this.q(RUNS_TABLE)} (events, rows_written, status, error, finished_at, run_id, resource, ` +
            `source, table_prefix, table_name, started_at) VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMPTZ), $6, $7, $8, $9, $10, CAST($5 AS TIMESTAMPTZ))`,
          [...params, this.source.name, this.prefixKey, this.tableFor(resource)],
        );
    });
  }

  async history(opts: { limit?: number } = {}): Promise<RunHistoryRow[]> {
    const limit = Math.max(1, Math.floor(opts.limit ?? 100));
    const rows = await this.driver.exclusive(() =>
      this.driver.query(
        `SELECT run_id, source, resource, table_name, events, rows_written, started_at, finished_at, status, error ` +
          `FROM ${this.q(RUNS_TABLE)} WHERE source = $1 AND table_prefix = $2 ` +
          `ORDER BY started_at DESC, run_id DESC, resource ASC LIMIT ${limit}`,
        [this.source.name, this.prefixKey],
      ),
    );
    return rows.map((r) => ({
      runId: String(r.run_id),
      source: String(r.source),
      resource: String(r.resource),
      tableName: String(r.table_name),
      events: Number(r.events),
      rowsWritten: Number(r.rows_written),
      startedAt: toDate(r.started_at)!,
      finishedAt: toDate(r.finished_at),
      status: String(r.status) as RunStatus,
      error: r.error == null ? null : String(r.error),
    }));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function toDate(v: unknown): Date | null {
  if (v == null) return null;
  if (v instanceof Date) return v;
  return new Date(String(v));
}
