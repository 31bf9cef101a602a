// The fleet's database: pg-boss 10 (the job queue) and acsync's three small tables next to it, in one
// PostgreSQL schema. pg-boss does delivery (SKIP LOCKED fetch), one active job per account queue (the
// `singleton` policy), delayed jobs (schedules), retries with exponential backoff, the dead-letter queue,
// expiry of jobs nobody finished, and archiving. acsync's tables hold what pg-boss has no place for: the
// applied sources with their next slot, each run's lease and progress, and the workers.
//
// pg-boss 10's public API has no way to list jobs, so the few read-only queries that need that (ready
// queues, pending jobs of a source, dead letters) read its job table directly; they are all in this file.

import pg from 'pg';
import PgBoss from 'pg-boss';
import type { FleetConfig } from '../core/contracts.ts';
import { ConfigError, DestinationUnreachableError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';

/** Failed runs land here after their retries (a pg-boss dead-letter queue; nobody consumes it). */
export const DEAD_QUEUE = 'acsync_dead';
/** Dead letters are kept this long for `fleet status`. */
const DEAD_RETENTION_MINUTES = 30 * 24 * 60;
/** Continuations go ahead of other sources' runs waiting for the same account. */
export const CONTINUATION_PRIORITY = 1;

export type RunReason = 'schedule' | 'enqueue';

/** What a run job carries. The config itself stays in each worker's acsync.yaml (secrets never enter the queue). */
export interface RunJobData {
  source: string;
  reason: RunReason;
  /** Scheduled slot (ISO), for schedule jobs. */
  slot?: string;
  /** The fleet run this job continues (absent on a run's first job: the run key is then the job id). */
  runKey?: string;
  /** Options of `sync --enqueue`. */
  fullRefresh?: boolean;
  resources?: string[];
}

export type FleetRunStatus = 'running' | 'waiting' | 'retrying' | 'success' | 'dead';

/** A statement runner inside a transaction, usable by pg-boss (`db` option) and by our own queries. */
export interface Tx {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The same connection in pg-boss's shape, so queue operations join the transaction. */
  boss: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** Timings derived from the lease: heartbeats and takeover checks run four times per lease. */
export function fleetTimings(cfg: FleetConfig) {
  const leaseMs = cfg.leaseSeconds * 1000;
  const sliceSeconds = Math.round(cfg.sliceMinutes * 60);
  return {
    leaseMs,
    beatMs: Math.max(250, Math.floor(leaseMs / 4)),
    sliceMs: sliceSeconds * 1000,
    /** pg-boss's own expiry of a job nobody finished: the backstop behind the lease. */
    jobExpireSeconds: sliceSeconds + 2 * Math.ceil(cfg.leaseSeconds),
    maintenanceSeconds: Math.max(1, Math.min(120, Math.round(cfg.leaseSeconds))),
  };
}

export class FleetDb {
  private constructor(
    readonly cfg: FleetConfig,
    readonly boss: PgBoss,
    private readonly pool: pg.Pool,
    readonly where: string,
  ) {}

  /**
   * Connects. `role` worker: pg-boss maintenance runs here too (expiry, archiving; one instance at a time
   * fleet-wide); admin: schema set-up only (apply); reader: nothing is created (status, enqueue).
   */
  static async open(cfg: FleetConfig, role: 'worker' | 'admin' | 'reader', logger: Logger): Promise<FleetDb> {
    const where = describeUrl(cfg.url);
    const timings = fleetTimings(cfg);
    const pool = new pg.Pool({
      connectionString: cfg.url,
      max: 4,
      connectionTimeoutMillis: 10_000,
      application_name: 'acsync',
    });
    pool.on('error', (err) => logger.warn({ err: describeError(err) }, 'fleet database connection lost'));
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new DestinationUnreachableError(
        `cannot reach the fleet database at ${where}: ${redact(err instanceof Error ? err.message : String(err))}`,
      );
    }
    const boss = new PgBoss({
      connectionString: cfg.url,
      schema: cfg.schema,
      max: 3,
      application_name: 'acsync-queue',
      migrate: role !== 'reader',
      supervise: role === 'worker',
      schedule: false, // slots are delayed jobs computed by acsync's own schedule rules (see apply.ts)
      maintenanceIntervalSeconds: timings.maintenanceSeconds,
    });
    boss.on('error', (err: unknown) => logger.warn({ err: describeError(err) }, 'job queue error'));
    try {
      await boss.start();
    } catch (err) {
      await pool.end().catch(() => undefined);
      // A failed start leaves pg-boss "stopped" with its pool open: close the pool itself.
      await (boss.getDb() as { close?: () => Promise<void> }).close?.().catch(() => undefined);
      if (/not installed/.test(describeError(err)))
        throw new ConfigError(
          `the fleet database at ${where} has no job queue in schema "${cfg.schema}" yet: run \`acsync fleet apply\` first`,
        );
      throw new DestinationUnreachableError(
        `cannot start the job queue in the fleet database at ${where}: ${describeError(err)}`,
      );
    }
    const db = new FleetDb(cfg, boss, pool, where);
    if (role !== 'reader') await db.createTables();
    return db;
  }

  private q(table: string): string {
    return `"${this.cfg.schema}".${table}`;
  }

  get sources(): string {
    return this.q('acsync_sources');
  }
  get runs(): string {
    return this.q('acsync_runs');
  }
  get workers(): string {
    return this.q('acsync_workers');
  }
  /** pg-boss's job table (all queues; partitioned by queue name). */
  private get jobs(): string {
    return this.q('job');
  }

  private async createTables(): Promise<void> {
    // One statement at a time under an advisory lock, so workers starting together do not collide in the catalog.
    await this.tx(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('acsync-fleet-tables'))");
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${this.sources} (name text PRIMARY KEY, account text NOT NULL, ` +
          'queue text NOT NULL, config_hash text NOT NULL, schedule jsonb NOT NULL, interval_seconds integer, ' +
          'next_run_at timestamptz, next_job uuid, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${this.runs} (run_key uuid PRIMARY KEY, source text NOT NULL, ` +
          'account text NOT NULL, queue text NOT NULL, job_id uuid NOT NULL, reason text NOT NULL, ' +
          'status text NOT NULL, worker text, lease_expires_at timestamptz, heartbeat_at timestamptz, ' +
          "segments integer NOT NULL DEFAULT 0, done text[] NOT NULL DEFAULT '{}', " +
          "segment_runs text[] NOT NULL DEFAULT '{}', events bigint NOT NULL DEFAULT 0, " +
          'rows_written bigint NOT NULL DEFAULT 0, requested_at timestamptz NOT NULL, started_at timestamptz, ' +
          'finished_at timestamptz, error text)',
      );
      await tx.query(
        `CREATE INDEX IF NOT EXISTS acsync_runs_by_source ON ${this.runs} (source, requested_at DESC)`,
      );
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${this.workers} (id text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, ` +
          'concurrency integer NOT NULL, metrics text, state text NOT NULL, started_at timestamptz NOT NULL, ' +
          'heartbeat_at timestamptz NOT NULL)',
      );
    });
  }

  /** Runs `fn` in one transaction on one connection; queue operations join it through `tx.boss`. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Tx = {
      query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
      boss: { executeSql: (text, values) => client.query(text, values) },
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** One statement outside any transaction. */
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return (await this.pool.query(sql, params)).rows as R[];
  }

  /** Queue options every account queue gets (re-applied by `fleet apply` when the config changes). */
  accountQueueOptions() {
    return {
      policy: 'singleton' as const, // one active job per queue = one run per account, fleet-wide
      retryLimit: this.cfg.retryLimit,
      retryDelay: this.cfg.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: fleetTimings(this.cfg).jobExpireSeconds,
      deadLetter: DEAD_QUEUE,
    };
  }

  /** Creates the dead-letter queue and the account queues, or updates their options; idempotent. */
  async ensureQueues(queues: Iterable<string>): Promise<void> {
    await this.ensureQueue(DEAD_QUEUE, { policy: 'standard', retentionMinutes: DEAD_RETENTION_MINUTES });
    const options = this.accountQueueOptions();
    for (const name of queues) await this.ensureQueue(name, options);
  }

  private async ensureQueue(name: string, options: PgBoss.Queue | Omit<PgBoss.Queue, 'name'>): Promise<void> {
    const existing = (await this.boss.getQueue(name)) as Record<string, unknown> | null;
    if (!existing) {
      await this.boss.createQueue(name, { name, ...options });
      return;
    }
    const differs = Object.entries(options).some(([k, v]) => existing[k] !== v);
    if (differs) await this.boss.updateQueue(name, { name, ...options });
  }

  // ── read-only queries over pg-boss 10's job table ──

  /**
   * Queues among `queues` with a job ready to start and no run in progress (by acsync_runs), so a worker
   * only asks pg-boss for jobs it can get: a fetch from a busy singleton queue fails on its unique index.
   */
  async readyQueues(queues: string[]): Promise<string[]> {
    if (queues.length === 0) return [];
    const rows = await this.query<{ name: string }>(
      `SELECT DISTINCT name FROM ${this.jobs} WHERE name = ANY($1::text[]) AND state < 'active' ` +
        `AND start_after < now() AND name NOT IN (SELECT queue FROM ${this.runs} WHERE status = 'running')`,
      [queues],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Jobs of `source` not started yet (created or waiting to retry), oldest first. With `lock` (inside `tx`)
   * they stay locked until it ends: a worker's fetch (SKIP LOCKED) passes them by.
   */
  async pendingJobs(
    source: string,
    tx?: Tx,
    lock = false,
  ): Promise<
    Array<{
      id: string;
      queue: string;
      state: string;
      startAfter: Date;
      data: RunJobData;
      retryCount: number;
    }>
  > {
    const run = tx ? tx.query.bind(tx) : this.query.bind(this);
    const rows = await run<Record<string, unknown>>(
      `SELECT id, name, state, start_after, data, retry_count FROM ${this.jobs} WHERE name LIKE 'acct\\_%' ` +
        `AND state < 'active' AND data->>'source' = $1 ORDER BY start_after, created_on${lock ? ' FOR UPDATE' : ''}`,
      [source],
    );
    return rows.map((r) => ({
      id: String(r.id),
      queue: String(r.name),
      state: String(r.state),
      startAfter: r.start_after as Date,
      data: r.data as RunJobData,
      retryCount: Number(r.retry_count),
    }));
  }

  /** Dead letters (runs that failed after their retries), newest first. */
  async deadLetters(
    limit = 100,
  ): Promise<Array<{ id: string; data: RunJobData; output: unknown; at: Date }>> {
    const rows = await this.query<Record<string, unknown>>(
      `SELECT id, data, output, created_on FROM ${this.jobs} WHERE name = $1 AND state < 'active' ` +
        'ORDER BY created_on DESC LIMIT $2',
      [DEAD_QUEUE, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      data: r.data as RunJobData,
      output: r.output,
      at: r.created_on as Date,
    }));
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
