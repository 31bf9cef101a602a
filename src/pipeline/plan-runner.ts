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
import type { ResourceDef } from '../extract/catalog.ts';
import { runScan, type ScanPlan } from '../extract/scan.ts';
import { readsWholeOnReconcile } from '../extract/tiers.ts';
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
  /** A resource's summary from earlier in this run (a fallback's direct scan adds to it). */
  previous?(name: string): ResourceSummary | undefined;
  /** The run is a reconcile (extract/tiers.ts): date-filtered resources are read whole. */
  reconcile?: boolean;
  /** Side-loaded children whose include= proved incomplete: the caller runs their direct scans. */
  fallbacks?: ResourceDef[];
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
  const totals = new Map<string, { events: number; rows: number; pages: number; deleted: number }>();
  const notes = new Map<string, string[]>();
  for (const m of plan.members) {
    states.set(m.name, ctx.fullRefresh ? null : await target.getState(m.name));
    batches.set(
      m.name,
      new PendingBatch(m.name, m.primaryKey, tuning.batch ?? DEFAULT_BATCH_LIMITS, m.mixedTypeFields),
    );
    totals.set(m.name, { events: 0, rows: 0, pages: 0, deleted: 0 });
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
  // A scan's members commit together (a contact with its side-loaded children), the source last so a
  // destination without transactions never has the resume point ahead of the children's rows.
  const order = [...batches.values()].sort(
    (x, y) => Number(x.resource === plan.source.name) - Number(y.resource === plan.source.name),
  );
  const write = async (taken: Array<[PendingBatch, ReturnType<PendingBatch['take']>]>) => {
    const receivedAt = new Date();
    const res = await target.writeBatches(
      taken.map(([b, batch]) => ({
        runId: ctx.runId,
        resource: b.resource,
        records: batch.records,
        primaryKey: b.primaryKey,
        receivedAt,
        state: batch.state,
        ...(b.stringFields ? { stringFields: b.stringFields } : {}),
        ...(batch.seen ? { seen: batch.seen } : {}),
      })),
    );
    taken.forEach(([b, batch], i) => {
      const t = totals.get(b.resource)!;
      t.events += batch.events;
      t.rows += res[i].rowsWritten;
      t.deleted += res[i].deleted ?? 0;
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
    });
  };
  const flush = async () => {
    const ready = order.filter((b) => b.pending);
    if (!ready.length) return;
    await settle();
    const w = write(ready.map((b) => [b, b.take()]));
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
      serverFilter: !(ctx.reconcile && readsWholeOnReconcile(plan.source)),
      trackDeletes: true,
      onIncomplete: (name, reason) => {
        const def = plan.members.find((d) => d.name === name);
        if (def && ctx.fallbacks && !ctx.fallbacks.includes(def)) ctx.fallbacks.push(def);
        notes.set(name, [
          ...(notes.get(name) ?? []),
          `${reason}: falling back to the direct scan of /${def?.path}`,
        ]);
        ctx.logger.warn({ resource: name, reason }, 'side-load incomplete: falling back to the direct scan');
      },
    });
    let completed = false;
    for await (const page of scan) {
      for (const p of page.pages) batches.get(p.resource)!.add(p, page.bytes);
      if (page.total !== null) total = page.total;
      const stopping = ctx.stopRequested();
      if (page.done || stopping || [...batches.values()].some((b) => b.full)) await flush();
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
      await flush();
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
    const payer = plan.members.includes(plan.source) ? plan.source : plan.members[0];
    s.requests = m === payer ? counter.requests : 0;
    if (t.deleted) s.deleted = t.deleted;
    // A fallback's direct scan adds to what the side-loaded scan did.
    const before = ctx.previous?.(m.name);
    if (before) {
      s.events += before.events;
      s.rowsWritten += before.rowsWritten;
      s.requests += before.requests ?? 0;
      if (before.deleted) s.deleted = (s.deleted ?? 0) + before.deleted;
      if (before.notes) s.notes = [...before.notes];
    }
    const n = notes.get(m.name);
    if (n) s.notes = [...(s.notes ?? []), ...n];
    await ctx.finish(s);
    const log = { resource: m.name, events: s.events, rowsWritten: s.rowsWritten, requests: s.requests };
    if (s.status === 'skipped') ctx.logger.warn({ ...log, reason: s.error }, 'resource skipped');
    else if (s.status === 'failed') ctx.logger.error({ ...log, err: s.error }, 'resource failed');
    else ctx.logger.info(log, 'resource synced');
    ctx.onProgress?.({ kind: 'resource-end', resource: m.name, summary: s });
  }
  return fatalHere;
}
