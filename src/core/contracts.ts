// The seams between the layers. Extraction (src/extract, src/api), loading (src/warehouse) and the
// commands (src/cli) meet only through these types, so each side can change without the others.
//
//   ActiveCampaign API ──► api client ──► extract (catalog + paginators + cursors) ──► ExtractedPage
//        ──► pipeline (batches, events, history) ──► WarehouseTarget.writeBatch (normalise + merge + state, atomic)

/** A JSON object as stored in state tables. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** One record exactly as the ActiveCampaign API returned it (ids and most numbers are strings). */
export type SourceRecord = Record<string, unknown>;

// ───────────────────────────── configuration ─────────────────────────────

export type Schedule =
  | { type: 'basic'; every: BasicInterval; startAt: string /* "HH:MM", UTC */ }
  | { type: 'cron'; expression: string; timezone: string /* IANA, default "UTC" */ }
  | { type: 'manual' };

export const BASIC_INTERVALS = ['5m', '10m', '15m', '30m', '1h', '3h', '6h', '12h', '24h'] as const;
export type BasicInterval = (typeof BASIC_INTERVALS)[number];

export type DestinationConfig =
  | { type: 'duckdb'; name: string; path: string; schema?: string }
  | { type: 'postgres'; name: string; url: string; schema?: string }
  /** `schema` is the ClickHouse database (YAML `database`); user and password are registered secrets. */
  | { type: 'clickhouse'; name: string; url: string; schema?: string; user?: string; password?: string }
  | {
      type: 's3-datalake';
      name: string;
      bucket: string;
      /** Key prefix inside the bucket, before RudderStack's `rudder-datalake/`. */
      prefix?: string;
      region: string;
      /** An S3-compatible server's URL (path-style addressing); unset = AWS. */
      endpoint?: string;
      schema?: string;
    }
  | { type: 'local-datalake'; name: string; path: string; schema?: string };

/** The `fleet:` section: the PostgreSQL database whose job queue coordinates `acsync worker` processes. */
export interface FleetConfig {
  /** postgres:// URL of the queue database; its password is a registered secret. */
  url: string;
  /** Schema holding the queue (pg-boss) and acsync's fleet tables. */
  schema: string;
  /** A worker that stops heartbeating loses its runs after this many seconds. */
  leaseSeconds: number;
  /** Retries of a failed run (with exponential backoff) before it goes to the dead-letter queue. */
  retryLimit: number;
  /** First retry delay; doubled per retry, with jitter. */
  retryDelaySeconds: number;
  /** A run longer than this is handed back at the end of the slice and continues as a new segment. */
  sliceMinutes: number;
  /** Runs one worker process executes at once (different accounts). */
  concurrency: number;
  /** How often an idle worker looks for work. */
  pollSeconds: number;
  /** Port of the worker's Prometheus /metrics and /healthz endpoint (0 = any free port). */
  metricsPort: number;
}

export interface SourceConfig {
  /** Display name; the default warehouse schema is this name in snake_case. */
  name: string;
  accountName: string;
  /** API URL exactly as pasted from Settings > Developer (a trailing /api/3 is tolerated). */
  url: string;
  /** Already expanded from ${VAR}; registered with core/secrets before any use. */
  apiKey: string;
  /** Used verbatim: tables are `<tablePrefix>rudder_<resource>`, normalised as RudderStack did. */
  tablePrefix: string;
  schedule: Schedule;
  /** 'all' or catalog resource names. */
  resources: 'all' | string[];
  /** This source's share of the account's 5 requests/second (default 4). 0 = unlimited (emulator only). */
  requestsPerSecond: number;
  /** Key into the config's `destinations`. */
  destination: string;
  /** Look-back window applied to incremental cursors, in hours (default 24). */
  lookbackHours: number;
  /**
   * Hours between reconcile runs (full re-reads and delete detection); runs in between are fast-tier.
   * 0 = every run is a reconcile. The config file defaults it to 24; absent = 0.
   */
  reconcileEveryHours?: number;
}

// ───────────────────────────── extraction ─────────────────────────────

/**
 * A page of records ready to be written, with the resource state that becomes true once they are
 * committed. The extractor owns the meaning of `state` (cursor, resume point); the warehouse stores
 * it as opaque JSON, in the same transaction as the records.
 */
export interface ExtractedPage {
  resource: string;
  /** Records to write (client-side cursor filtering already applied). */
  records: SourceRecord[];
  /** Records the API returned for this page, before filtering: RudderStack's "events". */
  events: number;
  state: JsonObject;
  /** Primary-key field of these records ('id' nearly everywhere). */
  primaryKey: string;
  /** Delete detection: every id this page returned, for a scan reading the whole collection (WriteBatch.seen). */
  seen?: { ids: string[]; fresh: boolean; complete: boolean };
}

// ───────────────────────────── loading ─────────────────────────────

export interface WriteBatch {
  runId: string;
  resource: string;
  /** Raw API records; the warehouse flattens, names and types them the RudderStack way. */
  records: SourceRecord[];
  primaryKey: string;
  /** Ingestion time for `received_at`; the newest wins when an id repeats. */
  receivedAt: Date;
  /** The resource's state to store atomically with these rows. */
  state: JsonObject;
  /** Raw keys whose values take many types by design: a column created for them is a string column. */
  stringFields?: readonly string[];
  /**
   * Delete detection (issue 10), for scans that read the whole collection: `ids` every id the API returned
   * in these pages (written or not); `fresh` forget ids staged by an earlier scan first; `complete` the
   * scan ended complete: mark the rows whose id was not seen.
   */
  seen?: { ids: string[]; fresh: boolean; complete: boolean };
}

export interface WriteResult {
  /** Rows inserted or replaced in the resource table. */
  rowsWritten: number;
  /** Cells that could not be coerced and went to rudder_discards. */
  discards: number;
  /** Rows marked deleted (`seen.complete` batches only). */
  deleted?: number;
}

export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'skipped';

export interface RunHistoryRow {
  runId: string;
  source: string;
  resource: string;
  tableName: string;
  events: number;
  rowsWritten: number;
  startedAt: Date;
  finishedAt: Date | null;
  status: RunStatus;
  error: string | null;
  /** Issue 10: the run's tier, requests this resource took, rows it marked deleted (null: not recorded). */
  tier?: string | null;
  requests?: number | null;
  deleted?: number | null;
}

/** How one resource of a run ended, as recorded in the run history. */
export interface ResourceOutcome {
  events: number;
  rowsWritten: number;
  status: RunStatus;
  error?: string | null;
  finishedAt: Date;
  requests?: number;
  deleted?: number;
}

/**
 * One source's view of one destination. Opened per run (a DuckDB file is held only while a run writes)
 * and closed after. `writeBatch` calls may arrive concurrently; implementations serialise them.
 */
export interface WarehouseTarget {
  /** The schema (namespace) the source writes to. */
  readonly schema: string;
  /** The table a resource loads into: normalised `<tablePrefix>rudder_<resource>`. */
  tableFor(resource: string): string;
  getState(resource: string): Promise<JsonObject | null>;
  /** Forgets the state of the given resources, or of every resource of this source. */
  resetState(resources?: string[]): Promise<void>;
  /** Normalises, merges by id and stores `state`, all in one transaction. */
  writeBatch(batch: WriteBatch): Promise<WriteResult>;
  /** Several resources' batches (one scan's members) in one transaction. */
  writeBatches(batches: readonly WriteBatch[]): Promise<WriteResult[]>;
  /** Marks this source's stale `running` rows `failed`, then writes a `running` row per resource. */
  startRun(run: { runId: string; startedAt: Date; resources: string[]; tier?: string }): Promise<void>;
  finishResource(runId: string, resource: string, outcome: ResourceOutcome): Promise<void>;
  history(opts?: { limit?: number }): Promise<RunHistoryRow[]>;
  close(): Promise<void>;
}

// ───────────────────────────── run summary ─────────────────────────────

export interface ResourceSummary {
  name: string;
  table: string;
  events: number;
  rowsWritten: number;
  status: Exclude<RunStatus, 'running'>;
  requests?: number;
  /** Rows marked deleted by this run (issue 10). */
  deleted?: number;
  /** What else the user should know (a fallback from include= to the direct scan). */
  notes?: string[];
  error?: string;
}

export interface RunSummary {
  runId: string;
  source: string;
  status: Exclude<RunStatus, 'running' | 'skipped'>;
  events: number;
  durationMs: number;
  resources: ResourceSummary[];
  /** Which tier ran (issue 10) and why; resources the fast tier left to the next reconcile. */
  tier?: { name: 'fast' | 'reconcile'; reason: string; deferred: string[] };
}

/** Live progress, emitted by the pipeline for the CLI's progress display. */
export type ProgressEvent =
  | { kind: 'resource-start'; resource: string; table: string; total?: number }
  | { kind: 'page'; resource: string; events: number; rowsWritten: number; pages: number; total?: number }
  | { kind: 'resource-end'; resource: string; summary: ResourceSummary };

// ───────────────────────────── running a sync ─────────────────────────────

export interface SyncOptions {
  source: SourceConfig;
  destination: DestinationConfig;
  /** A subset of the source's resources (from `sync --resources`); unknown names are a ConfigError. */
  resources?: string[];
  /** Ignore and overwrite the stored cursors. */
  fullRefresh?: boolean;
  /** `reconcile` (sync --reconcile) or `fast` forces a tier; default `auto` (reconcileEveryHours). */
  tier?: 'auto' | 'fast' | 'reconcile';
  logger: import('./log.ts').Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting asks for a graceful stop: the current batch commits with its state, then the run ends. */
  signal?: AbortSignal;
  /** Resources an earlier segment of this run already finished (fleet continuations): not run again. */
  skipResources?: readonly string[];
  /**
   * Checked inside every transaction that commits state or history, before COMMIT; throwing rolls the
   * transaction back (fleet fencing: a worker whose run was taken over must not commit).
   */
  commitPrecondition?: CommitPrecondition;
}

/** Runs SQL inside the committing transaction; throws to refuse the commit. */
export type CommitPrecondition = (tx: {
  query(sql: string, params?: Array<string | number | boolean | null>): Promise<Record<string, unknown>[]>;
}) => Promise<void>;

/**
 * The summary of one run. A run that started always resolves with a summary (written to history too);
 * `exitCode` says how the CLI should end (0 success, 1 failed/partial, 3 API refused, 4 destination lost).
 * Only failures before anything started (bad config, destination unreachable at open) reject.
 */
export interface RunResult extends RunSummary {
  exitCode: number;
  /** Secret-free description of what stopped the run, when it did not succeed. */
  error?: string;
}
