// `acsync fleet status`: per source the last run, the next slot, what is running where, what failed and
// what went to the dead-letter queue; and the workers, from their heartbeats.
import type { Schedule } from '../core/contracts.ts';
import type { FleetDb, FleetRunStatus, RunReason } from './queue.ts';

export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  state: string;
  /** Heartbeat within two leases (a stopped or dead worker is not). */
  alive: boolean;
  heartbeatAt: string;
  concurrency: number;
  metrics: string | null;
  running: string[];
}

export interface RunInfo {
  runKey: string;
  status: FleetRunStatus;
  reason: RunReason;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  segments: number;
  events: number;
  rowsWritten: number;
  error: string | null;
}

export interface SourceStatus {
  source: string;
  account: string;
  schedule: Schedule;
  nextRun: string | null;
  /** The run in progress: where and since when. */
  running: {
    worker: string;
    host: string | null;
    since: string;
    heartbeatAt: string;
    segment: number;
    done: string[];
  } | null;
  /** Jobs waiting: their account busy, their slot not come, or a retry's backoff. */
  queued: Array<{ job: string; reason: RunReason; state: string; startAfter: string; continues: boolean }>;
  lastRun: RunInfo | null;
  lastSuccess: string | null;
  /** The latest run's failure, while it is retrying or dead. */
  failure: { status: FleetRunStatus; error: string | null } | null;
  deadLetters: Array<{ job: string; at: string; error: string | null }>;
}

export interface FleetStatus {
  schema: string;
  database: string;
  workers: WorkerStatus[];
  sources: SourceStatus[];
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

function errorOf(output: unknown): string | null {
  if (!output || typeof output !== 'object') return null;
  const o = output as { message?: unknown; value?: { message?: unknown } };
  if (typeof o.message === 'string') return o.message;
  if (o.value && typeof o.value.message === 'string') return o.value.message;
  return JSON.stringify(output);
}

export async function fleetStatus(db: FleetDb): Promise<FleetStatus> {
  const leaseMs = db.cfg.leaseSeconds * 1000;
  const workers = await db.query<Record<string, unknown>>(
    `SELECT w.*, now() - w.heartbeat_at < $1 * interval '2 millisecond' AS alive FROM ${db.workers} w ` +
      "WHERE w.state <> 'stopped' OR w.heartbeat_at > now() - interval '1 day' ORDER BY w.started_at",
    [leaseMs],
  );
  const sources = await db.query<Record<string, unknown>>(`SELECT * FROM ${db.sources} ORDER BY name`);
  const running = await db.query<Record<string, unknown>>(
    `SELECT * FROM ${db.runs} WHERE status = 'running' ORDER BY started_at`,
  );
  const latest = await db.query<Record<string, unknown>>(
    `SELECT DISTINCT ON (source) * FROM ${db.runs} ORDER BY source, requested_at DESC, started_at DESC NULLS LAST`,
  );
  const successes = await db.query<{ source: string; at: Date }>(
    `SELECT source, max(finished_at) AS at FROM ${db.runs} WHERE status = 'success' GROUP BY source`,
  );
  const dead = await db.deadLetters(500);

  const hostOf = new Map(workers.map((w) => [String(w.id), String(w.host)]));
  const runInfo = (r: Record<string, unknown>): RunInfo => ({
    runKey: String(r.run_key),
    status: r.status as FleetRunStatus,
    reason: r.reason as RunReason,
    requestedAt: iso(r.requested_at as Date)!,
    startedAt: iso(r.started_at as Date | null),
    finishedAt: iso(r.finished_at as Date | null),
    segments: Number(r.segments),
    events: Number(r.events),
    rowsWritten: Number(r.rows_written),
    error: (r.error as string | null) ?? null,
  });

  const out: SourceStatus[] = [];
  for (const s of sources) {
    const name = String(s.name);
    const now = running.find((r) => r.source === name);
    const last = latest.find((r) => r.source === name);
    const pending = await db.pendingJobs(name);
    const lastInfo = last ? runInfo(last) : null;
    out.push({
      source: name,
      account: String(s.account),
      schedule: s.schedule as Schedule,
      nextRun: iso(s.next_run_at as Date | null),
      running: now
        ? {
            worker: String(now.worker),
            host: hostOf.get(String(now.worker)) ?? null,
            since: iso(now.started_at as Date)!,
            heartbeatAt: iso(now.heartbeat_at as Date)!,
            segment: Number(now.segments),
            done: (now.done as string[]) ?? [],
          }
        : null,
      queued: pending.map((j) => ({
        job: j.id,
        reason: j.data.reason,
        state: j.state,
        startAfter: iso(j.startAfter)!,
        continues: Boolean(j.data.runKey),
      })),
      lastRun: lastInfo,
      lastSuccess: iso(successes.find((x) => x.source === name)?.at ?? null),
      failure:
        lastInfo && (lastInfo.status === 'retrying' || lastInfo.status === 'dead')
          ? { status: lastInfo.status, error: lastInfo.error }
          : null,
      deadLetters: dead
        .filter((d) => d.data?.source === name)
        .map((d) => ({ job: d.id, at: iso(d.at)!, error: errorOf(d.output) })),
    });
  }
  return {
    schema: db.cfg.schema,
    database: db.where,
    workers: workers.map((w) => ({
      id: String(w.id),
      host: String(w.host),
      pid: Number(w.pid),
      state: String(w.state),
      alive: w.state !== 'stopped' && Boolean(w.alive),
      heartbeatAt: iso(w.heartbeat_at as Date)!,
      concurrency: Number(w.concurrency),
      metrics: (w.metrics as string | null) ?? null,
      running: running.filter((r) => r.worker === w.id).map((r) => String(r.source)),
    })),
    sources: out,
  };
}
