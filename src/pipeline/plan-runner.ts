// Runs one scan plan (one collection walk feeding one or more resources): gathers its pages into batches,
// keeps one write in flight while the next pages are fetched, commits each batch with its state, and ends
// each member resource with a summary (success, skipped, failed). Whatever was fetched before a failure is
// committed with its state, so the next run resumes there.
import type { ApiClient, RequestCounter } from '../api/client.ts';
import type {
  JsonObject,
  ProgressEvent,
  ResourceSummary,
  SyncOptions,
  WarehouseTarget,
} from '../core/contracts.ts';
import { DestinationUnreachableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { runScan, type ScanPlan } from '../extract/scan.ts';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, PendingBatch } from './batcher.ts';
import { classifyFailure, type Fatal, type Outcome } from './resource-failure.ts';

export interface PlanTuning {
  batch?: BatchLimits;
  /** Pages kept in flight ahead of an offset scan. Default 3. */
  prefetch?: number;
}

/** What a plan needs from the run it belongs to. */
export interface PlanRunContext {
  runId: string;
  /** When the run started (epoch ms): stored cursors never pass it (future dates). */
  startedAt: number;
  target: WarehouseTarget;
  client: ApiClient;
  lookbackHours: number;
  fullRefresh: boolean;
  tuning: PlanTuning;
  logger: Logger;
  onProgress?: SyncOptions['onProgress'];
  /** The run's fatal failure so far (another plan's), if any. */
  fatal(): Fatal | null;
  /** Whether a stop was requested (signal, or a fatal failure). */
  stopRequested(): boolean;
  /** Asks every plan to stop after its current batch (this plan hit a fatal failure). */
  requestStop(): void;
  /** Records a member resource's end (history row, summary). */
  finish(summary: ResourceSummary): Promise<void>;
}

export function resourceSummary(
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

/** Runs the plan to its end; resolves with the fatal failure it hit, if any (it never rejects). */
export async function runPlan(
  plan: ScanPlan,
  counter: RequestCounter,
  ctx: PlanRunContext,
): Promise<Fatal | null> {
  const { target, tuning } = ctx;
  const states = new Map<string, JsonObject | null>();
  const batches = new Map<string, PendingBatch>();
  const totals = new Map<string, { events: number; rows: number; pages: number }>();
  for (const m of plan.members) {
    states.set(m.name, ctx.fullRefresh ? null : await target.getState(m.name));
    batches.set(
      m.name,
      new PendingBatch(m.name, m.primaryKey, tuning.batch ?? DEFAULT_BATCH_LIMITS, m.mixedTypeFields),
    );
    totals.set(m.name, { events: 0, rows: 0, pages: 0 });
    ctx.onProgress?.({ kind: 'resource-start', resource: m.name, table: target.tableFor(m.name) });
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
      runId: ctx.runId,
      resource: b.resource,
      records: batch.records,
      primaryKey: b.primaryKey,
      receivedAt: new Date(),
      state: batch.state,
      ...(b.stringFields ? { stringFields: b.stringFields } : {}),
    });
    const t = totals.get(b.resource)!;
    t.events += batch.events;
    t.rows += res.rowsWritten;
    t.pages += batch.pages;
    const progress: ProgressEvent = {
      kind: 'page',
      resource: b.resource,
      events: t.events,
      rowsWritten: t.rows,
      pages: t.pages,
      ...(total !== null && b.resource === plan.source.name ? { total } : {}),
    };
    ctx.onProgress?.(progress);
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
      client: ctx.client,
      states,
      lookbackHours: ctx.lookbackHours,
      fullRefresh: ctx.fullRefresh,
      counter,
      prefetch: tuning.prefetch,
      startedAt: ctx.startedAt,
    });
    let completed = false;
    for await (const page of scan) {
      for (const p of page.pages) batches.get(p.resource)!.add(p, page.bytes);
      if (page.total !== null) total = page.total;
      const stopping = ctx.stopRequested();
      for (const b of batches.values()) if (b.full || page.done || stopping) await flush(b);
      if (page.done) completed = true;
      if (stopping && !page.done) break;
    }
    await settle();
    if (!completed) {
      const fatal = ctx.fatal();
      outcome = {
        status: 'failed',
        error: fatal ? `stopped: ${fatal.message}` : 'stopped before completion (resumes on the next sync)',
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
    const c = await classifyFailure(err, plan, ctx.client);
    outcome = c.outcome;
    fatalHere = c.fatal;
    if (fatalHere) ctx.requestStop();
  }

  for (const m of plan.members) {
    const t = totals.get(m.name)!;
    const s = resourceSummary(target, m.name, t.events, t.rows, outcome);
    s.requests = m === plan.members[0] ? counter.requests : 0;
    await ctx.finish(s);
    const log = { resource: m.name, events: s.events, rowsWritten: s.rowsWritten, requests: s.requests };
    if (s.status === 'skipped') ctx.logger.warn({ ...log, reason: s.error }, 'resource skipped');
    else if (s.status === 'failed') ctx.logger.error({ ...log, err: s.error }, 'resource failed');
    else ctx.logger.info(log, 'resource synced');
    ctx.onProgress?.({ kind: 'resource-end', resource: m.name, summary: s });
  }
  return fatalHere;
}
