// `acsync worker`: takes runs from the fleet's queue and executes them, up to `concurrency` at once (each on
// a different ActiveCampaign account: an account's queue hands out one job at a time, fleet-wide).
//
// A run holds a lease in acsync_runs, renewed by a heartbeat every quarter lease. A worker that dies stops
// renewing; any worker's reaper then fails its job in pg-boss, which retries it with backoff (or, after the
// retries, moves it to the dead-letter queue), and the worker that takes it continues from the last committed
// checkpoint, skipping the resources earlier segments finished. A worker that only stalled is fenced in the
// destination (fence.ts). Long runs are cut into slices: at the end of a slice the run stops after its
// current batches and is handed back as a continuation job, so no queue job stays open beyond a slice.
// SIGTERM drains: runs stop after their current batches and are handed back at once, then the worker exits.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { onApiResponse } from '../api/observe.ts';
import { apiRoot, normaliseApiUrl } from '../api/url.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { FleetConfig, RunResult, Schedule, SourceConfig } from '../core/contracts.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { DEFAULT_BATCH_LIMITS } from '../pipeline/batcher.ts';
import { queueNextSlot } from './apply.ts';
import { sourceHash } from './config.ts';
import { FencedError, takeFence } from './fence.ts';
import { type HandoffReason, serveMetrics, WorkerMetrics } from './metrics.ts';
import { CONTINUATION_PRIORITY, FleetDb, fleetTimings, type RunJobData, type Tx } from './queue.ts';

export interface WorkerOptions {
  config: LoadedConfig;
  fleet: FleetConfig;
  concurrency: number;
  metricsPort: number;
  metricsHost: string;
  logger: Logger;
  /** Aborting drains the worker. */
  signal: AbortSignal;
}

interface SourceRow {
  name: string;
  queue: string;
  account: string;
  config_hash: string;
  schedule: Schedule;
  next_job: string | null;
}

interface Claimed {
  jobId: string;
  queue: string;
  data: RunJobData;
  runKey: string;
  retryCount: number;
  retryLimit: number;
  segment: number;
  done: string[];
  source: SourceConfig;
}

interface LocalRun {
  claim: Claimed;
  ctl: AbortController;
  stopReason: HandoffReason | null;
  fenced: boolean;
}

type Outcome =
  | { kind: 'success' }
  | { kind: 'handback'; reason: 'drain' | 'slice' }
  | { kind: 'failed'; error: string }
  | { kind: 'lost'; reason: 'lease_lost' | 'fenced' };

/** Rows per write batch (default 5,000). Smaller batches checkpoint more often; the fleet tests use it. */
const BATCH_ROWS = Number(process.env.ACSYNC_BATCH_ROWS) || 0;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });

export async function runWorker(opts: WorkerOptions): Promise<void> {
  const { config, fleet, logger: log } = opts;
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const timings = fleetTimings(fleet);
  const db = await FleetDb.open(fleet, 'worker', log);
  const metrics = new WorkerMetrics();
  const runs = new Map<string, LocalRun>();
  const roots = new Map<string, string>(); // API root → source running on it here
  const mismatched = new Map<string, number>(); // queue → until (this worker's config differs from the fleet's)
  let lastBeat = Date.now();
  let draining = false;
  let wake: AbortController = new AbortController();

  const stopObserving = onApiResponse((e) => {
    const source = roots.get(e.root);
    if (source) metrics.request(source, e.status);
  });
  for (const s of config.sources) metrics.setBudget(s.name, s.requestsPerSecond);

  let metricsServer: Server | null = null;
  let metricsUrl: string | null = null;
  try {
    const served = await serveMetrics(
      metrics,
      () => {
        const stale = Date.now() - lastBeat > 3 * timings.beatMs + 5000;
        return {
          ok: !stale,
          body: {
            status: stale ? 'fleet database unreachable' : draining ? 'draining' : 'ok',
            worker: id,
            runs: [...runs.values()].map((r) => r.claim.source.name),
            lastHeartbeat: new Date(lastBeat).toISOString(),
          },
        };
      },
      opts.metricsHost,
      opts.metricsPort,
    );
    metricsServer = served.server;
    metricsUrl = served.url;
  } catch (err) {
    stopObserving();
    await db.close();
    throw err;
  }

  await db.query(
    `INSERT INTO ${db.workers} (id, host, pid, concurrency, metrics, state, started_at, heartbeat_at) ` +
      "VALUES ($1, $2, $3, $4, $5, 'running', now(), now())",
    [id, hostname(), process.pid, opts.concurrency, metricsUrl],
  );
  log.info({ worker: id, concurrency: opts.concurrency, metrics: metricsUrl }, 'worker started');

  // ── what this worker may run: sources of the fleet whose settings match its own config ──
  const configByName = new Map(config.sources.map((s) => [s.name, s]));
  let warned = false;
  const runnableQueues = async (): Promise<string[]> => {
    const rows = await db.query<SourceRow>(`SELECT name, queue, account, config_hash FROM ${db.sources}`);
    const problems: string[] = [];
    const queues = new Set<string>();
    for (const r of rows) {
      const mine = configByName.get(r.name);
      if (mine && sourceHash(config, mine) === r.config_hash) queues.add(r.queue);
      else problems.push(r.name);
    }
    if (problems.length && !warned) {
      warned = true;
      log.warn(
        { sources: problems },
        "these fleet sources are missing from this worker's config or set differently: it leaves them to other " +
          'workers (run `acsync fleet apply` with the config every worker uses)',
      );
    }
    const now = Date.now();
    return [...queues].filter((q) => (mismatched.get(q) ?? 0) < now);
  };

  // ── claiming: fetch a job and take its lease in one transaction ──
  const claim = (queue: string): Promise<Claimed | null> =>
    db
      .tx(async (tx) => {
        const jobs = await db.boss.fetch<RunJobData>(queue, {
          db: tx.boss,
          batchSize: 1,
          includeMetadata: true,
        });
        const job = jobs[0];
        if (!job) return null;
        const data = job.data;
        const [row] = await tx.query<SourceRow>(`SELECT * FROM ${db.sources} WHERE name = $1`, [data.source]);
        if (!row) {
          await db.boss.complete(
            queue,
            job.id,
            { skipped: 'the source is no longer in the fleet' },
            { db: tx.boss },
          );
          log.warn({ source: data.source, job: job.id }, 'job of a source no longer in the fleet: dropped');
          return null;
        }
        const source = configByName.get(data.source);
        if (!source || sourceHash(config, source) !== row.config_hash) {
          // Leave it for a worker whose config matches; look at this queue again later.
          mismatched.set(queue, Date.now() + 60_000);
          throw new Rollback();
        }
        const runKey = data.runKey ?? job.id;
        const [run] = await tx.query<{ done: string[]; segments: number }>(
          `INSERT INTO ${db.runs} (run_key, source, account, queue, job_id, reason, status, worker, lease_expires_at, ` +
            "heartbeat_at, segments, requested_at, started_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, " +
            `now() + $8 * interval '1 millisecond', now(), 1, $9, now()) ON CONFLICT (run_key) DO UPDATE SET ` +
            "job_id = EXCLUDED.job_id, status = 'running', worker = EXCLUDED.worker, " +
            'lease_expires_at = EXCLUDED.lease_expires_at, heartbeat_at = now(), error = NULL, ' +
            `segments = ${db.runs}.segments + 1 RETURNING done, segments`,
          [runKey, row.name, row.account, queue, job.id, data.reason, id, timings.leaseMs, job.createdOn],
        );
        // A schedule's chain: starting this slot queues the next one (one catch-up run after an outage).
        if (data.reason === 'schedule' && row.next_job === job.id) {
          const slot = data.slot ? new Date(data.slot) : new Date();
          await queueNextSlot(db, tx, row, new Date(Math.max(Date.now(), slot.getTime())));
        }
        return {
          jobId: job.id,
          queue,
          data,
          runKey,
          retryCount: job.retryCount,
          retryLimit: job.retryLimit,
          segment: Number(run!.segments),
          done: run!.done ?? [],
          source,
        };
      })
      .catch((err: unknown) => {
        if (err instanceof Rollback) return null;
        throw err;
      });

  // ── ending a segment: each outcome updates the lease row (only while it is still ours) and the job ──
  const mine = async (tx: Tx, c: Claimed, sets: string, params: unknown[]): Promise<boolean> => {
    const rows = await tx.query(
      `UPDATE ${db.runs} SET ${sets}, worker = NULL, lease_expires_at = NULL WHERE run_key = $1 ` +
        `AND worker = $2 AND job_id = $3 AND status = 'running' RETURNING run_key`,
      [c.runKey, id, c.jobId, ...params],
    );
    return rows.length === 1;
  };
  const totals = (r: RunResult | null) => ({
    events: r ? r.resources.reduce((a, s) => a + s.events, 0) : 0,
    rows: r ? r.resources.reduce((a, s) => a + s.rowsWritten, 0) : 0,
    runIds: r?.runId ? [r.runId] : [],
  });
  const settle = (c: Claimed, outcome: Outcome, result: RunResult | null) =>
    db.tx(async (tx) => {
      const t = totals(result);
      const common =
        'events = events + $4, rows_written = rows_written + $5, segment_runs = segment_runs || $6::text[]';
      const base = [t.events, t.rows, t.runIds];
      switch (outcome.kind) {
        case 'success':
          if (!(await mine(tx, c, `status = 'success', finished_at = now(), error = NULL, ${common}`, base)))
            return false;
          await db.boss.complete(c.queue, c.jobId, { runIds: t.runIds }, { db: tx.boss });
          return true;
        case 'handback': {
          if (!(await mine(tx, c, `status = 'waiting', error = NULL, ${common}`, base))) return false;
          await db.boss.complete(c.queue, c.jobId, { handedBack: outcome.reason }, { db: tx.boss });
          const data: RunJobData = { ...c.data, runKey: c.runKey };
          await db.boss.send(c.queue, data, { priority: CONTINUATION_PRIORITY, db: tx.boss });
          return true;
        }
        case 'failed': {
          const dead = c.retryCount >= c.retryLimit;
          const sets = `status = '${dead ? 'dead' : 'retrying'}', error = $7, finished_at = ${dead ? 'now()' : 'NULL'}, ${common}`;
          if (!(await mine(tx, c, sets, [...base, outcome.error]))) return false;
          await db.boss.fail(c.queue, c.jobId, { message: outcome.error }, { db: tx.boss });
          return true;
        }
        case 'lost':
          return false;
      }
    });

  // ── one run segment ──
  const execute = async (local: LocalRun): Promise<void> => {
    const c = local.claim;
    const source = c.source;
    const dest = config.destinations[source.destination]!;
    const slog = log.child({ source: source.name, run: c.runKey });
    slog.info(
      { job: c.jobId, segment: c.segment, attempt: c.retryCount + 1, worker: id, skipping: c.done },
      c.segment > 1 ? 'run continuing' : 'run started',
    );
    const root = apiRoot(normaliseApiUrl(source.url)).href;
    roots.set(root, source.name);
    const slice = setTimeout(() => stop(local, 'slice'), timings.sliceMs);
    let result: RunResult | null = null;
    let outcome: Outcome;
    let marking = Promise.resolve();
    try {
      const fence = await takeFence(dest, source, `${id}/${c.runKey}`);
      const { runSync } = await import('../pipeline/sync.ts');
      result = await runSync({
        source,
        destination: dest,
        resources: c.data.resources,
        fullRefresh: Boolean(c.data.fullRefresh) && c.segment === 1,
        logger: slog,
        signal: local.ctl.signal,
        skipResources: c.done,
        ...(BATCH_ROWS > 0 ? { tuning: { batch: { ...DEFAULT_BATCH_LIMITS, maxRows: BATCH_ROWS } } } : {}),
        commitPrecondition: async (tx) => {
          try {
            await fence.guard(tx);
          } catch (err) {
            if (err instanceof FencedError && !local.fenced) {
              local.fenced = true;
              local.ctl.abort();
              slog.warn({ err: err.message }, 'fenced: the run was taken over; this worker stops writing');
            }
            throw err;
          }
        },
        onProgress: (e) => {
          if (e.kind !== 'resource-end' || (e.summary.status !== 'success' && e.summary.status !== 'skipped'))
            return;
          // Recorded as each resource ends, so a continuation after a crash does not run it again.
          marking = marking.then(() =>
            db
              .query(
                `UPDATE ${db.runs} SET done = array_append(done, $3) WHERE run_key = $1 AND worker = $2 ` +
                  "AND status = 'running' AND NOT ($3 = ANY(done))",
                [c.runKey, id, e.resource],
              )
              .then(
                () => undefined,
                (err: unknown) =>
                  slog.warn({ err: describeError(err) }, 'could not record a finished resource'),
              ),
          );
        },
      });
      metrics.runFinished(result);
      const complete =
        result.resources.length > 0 &&
        result.resources.every((r) => r.status === 'success' || r.status === 'skipped');
      if (local.fenced) outcome = { kind: 'lost', reason: 'fenced' };
      else if (local.stopReason === 'lease_lost') outcome = { kind: 'lost', reason: 'lease_lost' };
      else if (complete || (result.exitCode === 0 && result.resources.length === 0))
        outcome = { kind: 'success' };
      else if (local.stopReason === 'drain' || local.stopReason === 'slice')
        outcome = { kind: 'handback', reason: local.stopReason };
      else outcome = { kind: 'failed', error: result.error ?? `run ended ${result.status}` };
    } catch (err) {
      // Could not start: destination unreachable, a resource the account refuses to name, ...
      outcome = local.fenced
        ? { kind: 'lost', reason: 'fenced' }
        : local.stopReason === 'lease_lost'
          ? { kind: 'lost', reason: 'lease_lost' }
          : { kind: 'failed', error: describeError(err) };
    } finally {
      clearTimeout(slice);
      roots.delete(root);
    }
    await marking;
    if (outcome.kind === 'lost') metrics.handoff(source.name, outcome.reason);
    if (outcome.kind === 'handback') metrics.handoff(source.name, outcome.reason);
    let settled = false;
    for (let attempt = 1; outcome.kind !== 'lost' && attempt <= 5; attempt++) {
      try {
        settled = await settle(c, outcome, result);
        if (settled && outcome.kind === 'success') metrics.succeeded(source.name);
        if (!settled) slog.warn('the lease was taken over meanwhile: leaving the run to its new owner');
        break;
      } catch (err) {
        slog.warn({ err: describeError(err), attempt }, 'could not record the end of the run; retrying');
        await sleep(Math.min(10_000, 500 * 2 ** attempt));
      }
    }
    const fields = {
      outcome: outcome.kind,
      status: result?.status,
      events: result?.events,
      durationMs: result?.durationMs,
      ...(outcome.kind === 'failed' ? { err: outcome.error } : {}),
      ...(outcome.kind === 'handback' || outcome.kind === 'lost' ? { reason: outcome.reason } : {}),
    };
    if (outcome.kind === 'success') slog.info(fields, 'run finished');
    else if (outcome.kind === 'handback') slog.info(fields, 'run handed back');
    else if (outcome.kind === 'failed')
      slog.warn(
        fields,
        c.retryCount >= c.retryLimit
          ? 'run failed: moved to the dead-letter queue'
          : 'run failed: will retry',
      );
    else slog.warn(fields, 'run lost to another worker');
  };

  const stop = (local: LocalRun, reason: HandoffReason) => {
    if (local.stopReason) return;
    local.stopReason = reason;
    local.ctl.abort();
  };

  const start = (c: Claimed) => {
    const local: LocalRun = { claim: c, ctl: new AbortController(), stopReason: null, fenced: false };
    runs.set(c.runKey, local);
    metrics.setActive(runs.size);
    void execute(local)
      .catch((err: unknown) => log.error({ err: describeError(err), run: c.runKey }, 'worker error in a run'))
      .finally(() => {
        runs.delete(c.runKey);
        metrics.setActive(runs.size);
        wake.abort(); // a slot is free: look for work now
        if (draining && runs.size === 0) drained.abort();
      });
  };

  // ── heartbeat, takeover of dead workers' runs, fleet-wide facts for the metrics ──
  const beat = async () => {
    const alive = await db.query<{ run_key: string }>(
      `UPDATE ${db.runs} SET heartbeat_at = now(), lease_expires_at = now() + $2 * interval '1 millisecond' ` +
        "WHERE worker = $1 AND status = 'running' RETURNING run_key",
      [id, timings.leaseMs],
    );
    lastBeat = Date.now();
    const kept = new Set(alive.map((r) => r.run_key));
    for (const local of runs.values())
      if (!kept.has(local.claim.runKey) && !local.stopReason) {
        log.warn(
          { source: local.claim.source.name, run: local.claim.runKey },
          'lease lost: stopping this run',
        );
        stop(local, 'lease_lost');
      }
    await db.query(`UPDATE ${db.workers} SET heartbeat_at = now(), state = $2 WHERE id = $1`, [
      id,
      draining ? 'draining' : 'running',
    ]);
    await reap();
    const facts = await db.query<{
      name: string;
      interval_seconds: number | null;
      applied_at: Date;
      last_success: Date | null;
    }>(
      `SELECT s.name, s.interval_seconds, s.applied_at, (SELECT max(finished_at) FROM ${db.runs} r WHERE r.source = s.name ` +
        `AND r.status = 'success') AS last_success FROM ${db.sources} s`,
    );
    for (const f of facts)
      metrics.setFleetFacts(f.name, {
        lastSuccess: f.last_success,
        intervalSeconds: f.interval_seconds,
        appliedAt: f.applied_at,
      });
  };

  /** Runs whose lease expired (their worker died or hung): fail their jobs, so pg-boss retries them elsewhere. */
  const reap = () =>
    db.tx(async (tx) => {
      const expired = await tx.query<{
        run_key: string;
        queue: string;
        job_id: string;
        worker: string;
        source: string;
      }>(
        `SELECT run_key, queue, job_id, worker, source FROM ${db.runs} WHERE status = 'running' ` +
          'AND lease_expires_at < now() FOR UPDATE SKIP LOCKED LIMIT 20',
      );
      for (const r of expired) {
        const job = await db.boss.getJobById(r.queue, r.job_id, { db: tx.boss, includeArchive: false });
        const error = `worker ${r.worker} stopped renewing its lease (presumed dead); continued from the last checkpoint`;
        if (job?.state === 'active')
          await db.boss.fail(r.queue, r.job_id, { message: error }, { db: tx.boss });
        const dead = job ? job.retryCount >= job.retryLimit : false;
        await tx.query(
          `UPDATE ${db.runs} SET status = $2, worker = NULL, lease_expires_at = NULL, error = $3, ` +
            'finished_at = CASE WHEN $2 = $4 THEN now() ELSE NULL END WHERE run_key = $1',
          [r.run_key, dead ? 'dead' : 'retrying', error, 'dead'],
        );
        log.warn(
          { source: r.source, run: r.run_key, worker: r.worker, dead },
          'took back the run of a lost worker',
        );
      }
    });

  const drained = new AbortController();
  const beating = (async () => {
    while (!opts.signal.aborted || runs.size > 0) {
      try {
        await beat();
      } catch (err) {
        log.warn({ err: describeError(err) }, 'heartbeat failed');
      }
      // Beats go on while runs are handed back; the last hand-back of a drain ends the wait at once
      // (a quarter lease can be minutes).
      await sleep(timings.beatMs, drained.signal);
    }
  })();

  // ── the poll loop ──
  const onDrain = () => {
    draining = true;
    log.info(
      { runs: runs.size },
      'draining: running syncs stop after their current batches and are handed back',
    );
    for (const local of runs.values()) stop(local, 'drain');
    if (runs.size === 0) drained.abort();
    wake.abort();
  };
  opts.signal.addEventListener('abort', onDrain, { once: true });
  if (opts.signal.aborted) onDrain();

  while (!draining) {
    try {
      if (runs.size < opts.concurrency) {
        const ready = shuffle(await db.readyQueues(await runnableQueues()));
        for (const queue of ready) {
          if (draining || runs.size >= opts.concurrency) break;
          const c = await claim(queue);
          if (c) start(c);
        }
      }
    } catch (err) {
      log.warn({ err: describeError(err) }, 'could not look for work');
    }
    if (draining) break;
    if (wake.signal.aborted) wake = new AbortController();
    await sleep(fleet.pollSeconds * 1000, wake.signal);
  }

  // ── drained: wait for the runs to be handed back, then leave ──
  while (runs.size > 0) await sleep(100);
  await beating;
  try {
    await db.query(`UPDATE ${db.workers} SET state = 'stopped', heartbeat_at = now() WHERE id = $1`, [id]);
  } catch (err) {
    log.warn({ err: describeError(err) }, 'could not record that the worker stopped');
  }
  stopObserving();
  opts.signal.removeEventListener('abort', onDrain);
  await new Promise<void>((resolve) => metricsServer?.close(() => resolve()) ?? resolve());
  await db.close();
  log.info({ worker: id }, 'worker stopped');
}

class Rollback extends Error {}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
