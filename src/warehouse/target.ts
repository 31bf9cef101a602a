// One source's WarehouseTarget, assembled from the layer's parts on a destination's Storage: schema
// tracking, merging, the state store and the run log. A batch is flattened before the destination is
// touched, then its columns, rows, discards and state are written in one unit of work.
import type {
  CommitPrecondition,
  DestinationConfig,
  JsonObject,
  ResourceOutcome,
  RunHistoryRow,
  WarehouseTarget,
  WriteBatch,
  WriteResult,
} from '../core/contracts.ts';
import { VERSION } from '../core/version.ts';
import { type DiscardRow, fitRowsStream, flattenBatch } from './batch.ts';
import type { RudderType } from './capabilities.ts';
import { SEEN_CHUNK, SEEN_SPEC, SEEN_TABLE, seenScanKey } from './deletes.ts';
import { DISCARD_COLUMNS, DISCARD_KEY, DISCARDS_TABLE, discardRows } from './discards.ts';
import { Flattener } from './flatten.ts';
import { releaseBatchMemory } from './memory.ts';
import { Merger } from './merge.ts';
import { columnName, eventName, resourceTableName, transformName } from './naming.ts';
import { DELETED_AT, RUDDER_COLUMN_SET, type RudderValues } from './rudder-columns.ts';
import { RUNS_SPEC, RunLog } from './run-log.ts';
import { SchemaTracker } from './schema.ts';
import { STATE_SPEC, StateStore } from './state.ts';
import type { RecordSpec, RecordTable, Storage } from './storage.ts';

/** Internal options (not part of the config file). */
export interface WarehouseOptions {
  /** Dotted raw key paths loaded whole into `json` columns (RudderStack's jsonPaths). */
  jsonPaths?: string[];
  /** Written into context_source_type. */
  sourceType?: string;
  /** Test seam: called at named points inside the batch's unit of work; throwing aborts the batch. */
  onStep?: (step: 'staged' | 'merged' | 'state') => void | Promise<void>;
  /**
   * Checked last inside every unit of work that commits (batch + state, run start and finish, reset);
   * throwing rolls it back (fleet fencing). Needs a destination with transactions.
   */
  commitPrecondition?: CommitPrecondition;
}

/** Resource tables are merged on `id`. */
const ID_KEY = ['id'];

export class Target implements WarehouseTarget {
  private readonly flattener: Flattener;
  private readonly tracker: SchemaTracker;
  private readonly merger: Merger;
  private seq = 0;

  private constructor(
    private readonly storage: Storage,
    private readonly source: { name: string; tablePrefix: string },
    private readonly dest: DestinationConfig,
    private readonly options: WarehouseOptions,
    private readonly state: StateStore,
    private readonly runs: RunLog,
    private readonly seen: RecordTable | null,
    private readonly prefixKey: string,
  ) {
    this.flattener = new Flattener(storage.dialect, {
      jsonPaths: options.jsonPaths,
      reserved: RUDDER_COLUMN_SET,
    });
    this.tracker = new SchemaTracker(storage);
    this.merger = new Merger(storage, () => options.onStep?.('staged'));
  }

  /**
   * Creates the namespace and acsync's tables if needed (safe to race with another process doing the
   * same) and assembles the target on them.
   */
  static async open(
    storage: Storage,
    source: { name: string; tablePrefix: string },
    dest: DestinationConfig,
    options: WarehouseOptions = {},
  ): Promise<Target> {
    const dialect = storage.dialect;
    // State and history rows are keyed by the normalised prefix, as the tables are named.
    const prefixKey = transformName(dialect, source.tablePrefix);
    await storage.ensureNamespace();
    const state = new StateStore(await storage.records(STATE_SPEC), prefixKey);
    const runsTable = await storage.records(RUNS_SPEC);
    await addMissingColumns(storage, RUNS_SPEC);
    const runs = new RunLog(runsTable, { source: source.name, table_prefix: prefixKey }, (resource) =>
      resourceTableName(dialect, source.tablePrefix, resource),
    );
    // Shared by every source in the schema: created here, outside any batch, so two sources' first
    // discards cannot race to create it inside their transactions. An existing one (RudderStack's) is kept.
    await storage.ensureTable(DISCARDS_TABLE, DISCARD_COLUMNS, DISCARD_KEY);
    // Only where deletes can be marked (Storage.markUnseen): the other families never stage ids.
    const seen = storage.markUnseen ? await storage.records(SEEN_SPEC) : null;
    return new Target(storage, source, dest, options, state, runs, seen, prefixKey);
  }

  get schema(): string {
    return this.storage.namespace;
  }

  tableFor(resource: string): string {
    return resourceTableName(this.storage.dialect, this.source.tablePrefix, resource);
  }

  getState(resource: string): Promise<JsonObject | null> {
    return this.storage.exclusive(() => this.state.get(resource));
  }

  async resetState(resources?: string[]): Promise<void> {
    await this.unitOfWork(() => this.state.reset(resources));
  }

  /** Column names of a resource's fields of many types (normalised like any other column). */
  private stringColumns(fields: readonly string[] | undefined): ReadonlySet<string> | undefined {
    if (!fields?.length) return undefined;
    return new Set(fields.map((f) => columnName(this.storage.dialect, f.replaceAll('.', '_'))));
  }

  writeBatch(batch: WriteBatch): Promise<WriteResult> {
    return this.writeBatches([batch]).then((r) => r[0]);
  }

  /**
   * Several resources' batches in ONE unit of work (a scan and its side-loaded children: a contact and its
   * children commit together or not at all), each with its rows, discards and state.
   */
  async writeBatches(batches: readonly WriteBatch[]): Promise<WriteResult[]> {
    // Flattening needs no database: do it before taking the connection.
    const prepared = batches.map((batch) => ({
      batch,
      table: this.tableFor(batch.resource),
      flat: flattenBatch(this.flattener, batch.records, batch.primaryKey, batch.resource),
      rudder: this.rudderValues(batch),
    }));
    return this.unitOfWork(async () => {
      const results: WriteResult[] = [];
      for (const { batch, table, flat, rudder } of prepared) {
        let rowsWritten = 0;
        let discards: DiscardRow[] = [];
        if (flat.rows.length > 0) {
          const shape = await this.tracker.fit(table, flat, ID_KEY, this.stringColumns(batch.stringFields));
          const rows = fitRowsStream(
            flat,
            shape.columns,
            shape.overflow,
            rudder,
            table,
            this.storage.dialect.rowLimit,
            this.storage.dialect.refuseCell,
          );
          rowsWritten = await this.merger.write(table, rows, {
            key: ID_KEY,
            ids: flat.rows.map((r) => String(r.id)),
            created: shape.created,
          });
          discards = rows.discards;
        }
        await this.options.onStep?.('merged');
        if (discards.length > 0) {
          const columns = await this.tracker.ensure(DISCARDS_TABLE, DISCARD_COLUMNS, DISCARD_KEY);
          await this.merger.write(DISCARDS_TABLE, discardRows(discards, rudder, columns), {
            key: DISCARD_KEY,
          });
        }
        const deleted = batch.seen ? await this.stageSeen(table, batch.resource, batch.seen) : undefined;
        await this.state.commit(batch.resource, batch.state);
        await this.options.onStep?.('state');
        results.push({
          rowsWritten,
          discards: discards.length,
          ...(deleted !== undefined ? { deleted } : {}),
        });
      }
      return results;
    }).finally(releaseBatchMemory);
  }

  /** Stages the ids a scan saw and, when it completed, marks the rows it did not see (deletes.ts). */
  private async stageSeen(
    table: string,
    resource: string,
    seen: NonNullable<WriteBatch['seen']>,
  ): Promise<number | undefined> {
    if (!this.storage.markUnseen || !this.seen) return undefined;
    const scan = seenScanKey(this.prefixKey, resource);
    if (seen.fresh) await this.seen.remove({ scan });
    const seq = `${Date.now().toString(36)}.${(this.seq++).toString(36)}`;
    const unique = [...new Set(seen.ids)];
    for (let i = 0; i < unique.length; i += SEEN_CHUNK)
      await this.seen.insert(unique.slice(i, i + SEEN_CHUNK).map((id) => ({ scan, id, seq })));
    if (!seen.complete) return undefined;
    // A table never written (an empty collection) has nothing to mark.
    if (!(await this.tracker.columns(table))) {
      await this.seen.remove({ scan });
      return 0;
    }
    await this.tracker.ensure(table, [{ name: DELETED_AT, type: 'datetime' }], ID_KEY);
    const r = await this.storage.markUnseen(table, DELETED_AT, { table: SEEN_TABLE, scan }, new Date());
    return r.marked;
  }

  /** RudderStack's per-batch column values. */
  private rudderValues(batch: WriteBatch): RudderValues {
    return {
      receivedAt: batch.receivedAt.toISOString(),
      event: eventName(this.source.tablePrefix, batch.resource),
      jobId: this.source.name,
      jobRunId: batch.runId,
      taskRunId: `${batch.runId}:${batch.resource}`,
      version: VERSION,
      sourceId: this.source.name,
      sourceType: this.options.sourceType ?? 'active_campaign',
      destinationId: this.dest.name,
      destinationType: this.storage.dialect.destinationType,
      uuidTs: new Date().toISOString(),
      deletedAt: null,
    };
  }

  /** All-or-nothing where the destination can; what the parts cached may be undone with a failure. */
  private async unitOfWork<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.storage.atomically(fn, this.options.commitPrecondition);
    } catch (err) {
      this.tracker.forget();
      this.merger.forget();
      throw err;
    }
  }

  async startRun(run: { runId: string; startedAt: Date; resources: string[]; tier?: string }): Promise<void> {
    await this.unitOfWork(() => this.runs.start(run));
  }

  finishResource(runId: string, resource: string, outcome: ResourceOutcome): Promise<void> {
    // A fenced run must not record history either: through the precondition's unit of work when there is one.
    if (this.options.commitPrecondition)
      return this.unitOfWork(() => this.runs.finish(runId, resource, outcome));
    return this.storage.exclusive(() => this.runs.finish(runId, resource, outcome));
  }

  history(opts: { limit?: number } = {}): Promise<RunHistoryRow[]> {
    const limit = Math.max(1, Math.floor(opts.limit ?? 100));
    return this.storage.exclusive(() => this.runs.history(limit));
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}

/** A bookkeeping table of an earlier version gains the columns added to its spec since (history: tier…). */
async function addMissingColumns(storage: Storage, spec: RecordSpec): Promise<void> {
  const have = await storage.exclusive(() => storage.readColumns(spec.table));
  if (!have) return;
  const missing = spec.columns.filter((c) => !have.has(c.name));
  if (!missing.length) return;
  try {
    await storage.exclusive(() =>
      storage.addColumns(
        spec.table,
        missing.map((c): [string, RudderType] => [c.name, c.type]),
      ),
    );
  } catch (err) {
    // Another process added them first.
    const now = await storage.exclusive(() => storage.readColumns(spec.table));
    if (!now || missing.some((c) => !now.has(c.name))) throw err;
  }
}
