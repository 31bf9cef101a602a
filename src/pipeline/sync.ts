// One sync run: open the warehouse, record the run, extract the selected resources (several scans at once,
// sharing the account's request budget) in batches that commit with their state, write the history and
// return the summary. A failing resource does not stop the others unless the failure is fatal (key revoked,
// 402, destination lost); a stop request (signal) ends the run after the current batches commit.
import { randomUUID } from 'node:crypto';
import { ApiClient, type RequestCounter } from '../api/client.ts';
import { ApiStatusError } from '../api/errors.ts';
import { whoAmI } from '../api/verify.ts';
import type {
  JsonObject,
  ResourceSummary,
  RunResult,
  RunStatus,
  SyncOptions,
  WarehouseTarget,
} from '../core/contracts.ts';
import {
  AcsyncError,
  ApiRefusedError,
  DestinationUnreachableError,
  describeError,
  ExitCode,
} from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';
import {
  findResource,
  isCustomObjectRecordsName,
  type ResourceDef,
  resolveResources,
} from '../extract/catalog.ts';
import { type Discovery, discoverCustomObjects } from '../extract/custom-objects.ts';
import { planScans, runScan, type ScanPlan } from '../extract/scan.ts';
import { openWarehouse } from '../warehouse/index.ts';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, PendingBatch } from './batcher.ts';

/** Knobs for tests and benchmarks; the CLI uses the defaults. */
export interface SyncTuning {
  /** Scans running at once. Default 4. */
  concurrency?: number;
  batch?: BatchLimits;
  /** Pages kept in flight ahead of an offset scan. Default 3. */
  prefetch?: number;
  /** Client backoff base (ms); tests shorten it. */
  backoffBaseMs?: number;
}

type Outcome = { status: Exclude<RunStatus, 'running'>; error?: string };

interface Fatal {
  exitCode: number;
  message: string;
}

export async function runSync(opts: SyncOptions & { tuning?: SyncTuning }): Promise<RunResult> {
  const { source, logger } = opts;
  const tuning = opts.tuning ?? {};
  registerSecret(source.apiKey);
  const startedAt = new Date();

  // ── before the start: anything wrong here rejects ──
  const selection = opts.resources ?? source.resources;
  const names = resolveResources(selection);
  const client = new ApiClient({
    url: source.url,
    apiKey: source.apiKey,
    requestsPerSecond: source.requestsPerSecond,
    backoffBaseMs: tuning.backoffBaseMs,
  });
  // Custom object schemas are found on the account (each becomes a resource); ask while the warehouse opens.
  const wantsCustom = selection === 'all' || names.some(isCustomObjectRecordsName);
  const discoveryCounter: RequestCounter = { requests: 0 };
  const discovery: Promise<{ found?: Discovery; error?: unknown }> | null = wantsCustom
    ? discoverCustomObjects(client, discoveryCounter).then(
        (found) => ({ found }),
        (error: unknown) => ({ error }),
      )
    : null;
  let target: WarehouseTarget;
  try {
    target = await openWarehouse(
      opts.destination,
      { name: source.name, tablePrefix: source.tablePrefix },
      { commitPrecondition: opts.commitPrecondition },
    );
  } catch (err) {
    await discovery;
    client.close();
    if (err instanceof AcsyncError) throw err;
    throw new DestinationUnreachableError(
      `could not open destination "${opts.destination.name}": ${describeError(err)}`,
    );
  }

  const runId = randomUUID();
  const summaries = new Map<string, ResourceSummary>();
  const counters = new Map<string, RequestCounter>();
  let fatal: Fatal | null = null;
  // History rows are written as each resource ends (not all at the end), so they overlap other scans' work.
  const recorded = new Set<string>();
  const finish = async (s: ResourceSummary) => {
    summaries.set(s.name, s);
    try {
      await target.finishResource(runId, s.name, {
        events: s.events,
        rowsWritten: s.rowsWritten,
        status: s.status,
        error: s.error ?? null,
        finishedAt: new Date(),
      });
      recorded.add(s.name);
    } catch (err) {
      if (err instanceof DestinationUnreachableError)
        fatal ??= { exitCode: err.exitCode, message: describeError(err) };
      else logger.error({ resource: s.name, err: describeError(err) }, 'could not record the run history');
    }
  };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stop.abort();

  try {
    const skip = new Set(opts.skipResources ?? []);
    const defs: ResourceDef[] = names
      .filter((n) => !isCustomObjectRecordsName(n) && !skip.has(n))
      .map((n) => findResource(n)!);
    const missing: string[] = [];
    if (discovery) {
      counters.set('custom_object_schemas', discoveryCounter);
      const { found, error } = await discovery;
      if (found) {
        if (found.unavailable) logger.warn({ reason: found.unavailable }, 'custom objects are not available');
        const wanted = selection === 'all' ? null : new Set(names.filter(isCustomObjectRecordsName));
        for (const d of found.resources)
          if ((!wanted || wanted.has(d.name)) && !skip.has(d.name)) defs.push(d);
        if (wanted)
          for (const n of wanted)
            if (!skip.has(n) && !found.resources.some((d) => d.name === n)) missing.push(n);
      } else {
        if (error instanceof ApiRefusedError)
          fatal = { exitCode: error.exitCode, message: describeError(error) };
        else logger.warn({ err: describeError(error) }, 'could not list custom object schemas');
        if (selection !== 'all')
          missing.push(...names.filter((n) => isCustomObjectRecordsName(n) && !skip.has(n)));
      }
    }
    const allNames = [...defs.map((d) => d.name), ...missing];
    await target.startRun({ runId, startedAt, resources: allNames });
    if (opts.fullRefresh) await target.resetState(allNames);
    for (const n of missing) {
      summaries.set(
        n,
        summary(target, n, 0, 0, {
          status: 'failed',
          error: fatal
            ? `not run: ${fatal.message}`
            : `no custom object schema on the account matches "${n}"`,
        }),
      );
    }

    const plans = planScans(defs);
    const queue = [...plans];
    const worker = async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        if (fatal || stop.signal.aborted) {
          for (const m of plan.members) {
            summaries.set(
              m.name,
              summary(target, m.name, 0, 0, {
                status: 'failed',
                error: fatal ? `not run: ${fatal.message}` : 'not run: the sync was stopped',
              }),
            );
          }
          continue;
        }
        const outcome = await runPlan(plan);
        if (outcome) fatal ??= outcome;
      }
    };

    const runPlan = async (plan: ScanPlan): Promise<Fatal | null> => {
      const counter: RequestCounter = counters.get(plan.members[0].name) ?? { requests: 0 };
      counters.set(plan.members[0].name, counter);
      const states = new Map<string, JsonObject | null>();
      const batches = new Map<string, PendingBatch>();
      const totals = new Map<string, { events: number; rows: number; pages: number }>();
      for (const m of plan.members) {
        states.set(m.name, opts.fullRefresh ? null : await target.getState(m.name));
        batches.set(m.name, new PendingBatch(m.name, m.primaryKey, tuning.batch ?? DEFAULT_BATCH_LIMITS));
        totals.set(m.name, { events: 0, rows: 0, pages: 0 });
        opts.onProgress?.({ kind: 'resource-start', resource: m.name, table: target.tableFor(m.name) });
      }
      // One write in flight per scan, overlapping with the next batch's requests; waiting for it before the
      // next write keeps batches (and so their states) committed in order.
      let writing: Promise<void> | null = null;
      let total: number | null = null;
      const settle = async () => {
        const w = writing;
        writing = null;
        if (w) await w;
      };
      const write = async (b: PendingBatch, batch: ReturnType<PendingBatch['take']>) => {
        const res = await target.writeBatch({
          runId,
          resource: b.resource,
          records: batch.records,
          primaryKey: b.primaryKey,
          receivedAt: new Date(),
          state: batch.state,
        });
        const t = totals.get(b.resource)!;
        t.events += batch.events;
        t.rows += res.rowsWritten;
        t.pages += batch.pages;
        opts.onProgress?.({
          kind: 'page',
          resource: b.resource,
          events: t.events,
          rowsWritten: t.rows,
          pages: t.pages,
          ...(total !== null && b.resource === plan.source.name ? { total } : {}),
        });
      };
      const flush = async (b: PendingBatch) => {
        if (!b.pending) return;
        await settle();
        const w = write(b, b.take());
        w.catch(() => {}); // observed by the next settle()
        writing = w;
      };
      let outcome: Outcome = { status: 'success' };
      let fatalHere: Fatal | null = null;
      try {
        const scan = runScan(plan, {
          client,
          states,
          lookbackHours: source.lookbackHours,
          fullRefresh: opts.fullRefresh ?? false,
          counter,
          prefetch: tuning.prefetch,
          startedAt: startedAt.getTime(),
        });
        let completed = false;
        for await (const page of scan) {
          for (const p of page.pages) batches.get(p.resource)!.add(p, page.bytes);
          if (page.total !== null) total = page.total;
          const stopping = stop.signal.aborted || fatal !== null;
          for (const b of batches.values()) if (b.full || page.done || stopping) await flush(b);
          if (page.done) completed = true;
          if (stopping && !page.done) break;
        }
        await settle();
        if (!completed) {
          outcome = {
            status: 'failed',
            error: fatal
              ? `stopped: ${fatal.message}`
              : 'stopped before completion (resumes on the next sync)',
          };
        }
      } catch (caught) {
        // Whatever was fetched before the failure is committed with its state, so a rerun resumes there.
        let err = caught;
        try {
          for (const b of batches.values()) await flush(b);
          await settle();
        } catch (flushErr) {
          if (flushErr instanceof DestinationUnreachableError) err = flushErr;
        }
        const c = await classify(err, plan);
        outcome = c.outcome;
        fatalHere = c.fatal;
        if (fatalHere) stop.abort();
      }
      for (const m of plan.members) {
        const t = totals.get(m.name)!;
        const s = summary(target, m.name, t.events, t.rows, outcome);
        s.requests = m === plan.members[0] ? counter.requests : 0;
        await finish(s);
        const log = { resource: m.name, events: s.events, rowsWritten: s.rowsWritten, requests: s.requests };
        if (s.status === 'skipped') logger.warn({ ...log, reason: s.error }, 'resource skipped');
        else if (s.status === 'failed') logger.error({ ...log, err: s.error }, 'resource failed');
        else logger.info(log, 'resource synced');
        opts.onProgress?.({ kind: 'resource-end', resource: m.name, summary: s });
      }
      return fatalHere;
    };

    const classify = async (
      err: unknown,
      plan: ScanPlan,
    ): Promise<{ outcome: Outcome; fatal: Fatal | null }> => {
      const message = describeError(err);
      if (err instanceof ApiRefusedError || err instanceof DestinationUnreachableError) {
        return { outcome: { status: 'failed', error: message }, fatal: { exitCode: err.exitCode, message } };
      }
      if (err instanceof ApiStatusError && (err.status === 403 || err.status === 401)) {
        // Still 403 after the retries: is it the key, or this resource on this plan/user?
        try {
          await whoAmI(client);
        } catch (checkErr) {
          const m = describeError(checkErr);
          if (checkErr instanceof ApiRefusedError) {
            return {
              outcome: { status: 'failed', error: m },
              fatal: { exitCode: checkErr.exitCode, message: m },
            };
          }
          return {
            outcome: { status: 'failed', error: `${message}; checking the key failed: ${m}` },
            fatal: null,
          };
        }
        return {
          outcome: { status: 'skipped', error: `not allowed for this plan or user (${message})` },
          fatal: null,
        };
      }
      if (
        err instanceof ApiStatusError &&
        (err.status === 404 || err.status === 400) &&
        plan.source.planGated
      ) {
        return {
          outcome: { status: 'skipped', error: `not available on this account (${message})` },
          fatal: null,
        };
      }
      return { outcome: { status: 'failed', error: message }, fatal: null };
    };

    if (fatal) {
      for (const plan of plans)
        for (const m of plan.members)
          summaries.set(
            m.name,
            summary(target, m.name, 0, 0, { status: 'failed', error: `not run: ${fatal.message}` }),
          );
    } else {
      const n = Math.max(1, Math.min(tuning.concurrency ?? 4, plans.length));
      await Promise.all(Array.from({ length: n }, worker));
    }

    // ── history and summary ──
    const resources = allNames.map((n) => summaries.get(n)!);
    for (const s of resources) if (!recorded.has(s.name)) await finish(s);
    const finishedAt = new Date();
    const failed = resources.filter((s) => s.status === 'failed').length;
    const status: RunResult['status'] =
      fatal || (failed > 0 && failed === resources.length)
        ? 'failed'
        : failed > 0 || stop.signal.aborted
          ? 'partial'
          : 'success';
    const exitCode = fatal ? fatal.exitCode : status === 'success' ? ExitCode.ok : ExitCode.syncFailed;
    const result: RunResult = {
      runId,
      source: source.name,
      status,
      events: resources.reduce((a, s) => a + s.events, 0),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      resources,
      exitCode,
    };
    if (fatal) result.error = fatal.message;
    else if (status !== 'success') {
      result.error = stop.signal.aborted
        ? 'the sync was stopped; it resumes where it stopped on the next run'
        : `${failed} of ${resources.length} resources failed`;
    }
    logger.info(
      { runId, status, events: result.events, durationMs: result.durationMs, requests: client.requests },
      'sync finished',
    );
    return result;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    client.close();
    await target.close();
  }
}

function summary(
  target: WarehouseTarget,
  name: string,
  events: number,
  rowsWritten: number,
  outcome: Outcome,
): ResourceSummary {
  return {
    name,
    table: target.tableFor(name),
    events,
    rowsWritten,
    status: outcome.status,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}
