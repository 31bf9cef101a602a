// One sync run, orchestrated: open the warehouse, record the run, hand the selected resources' scan plans to
// up to `concurrency` workers (sharing the account's request budget; plan-runner.ts runs each plan), write
// the history and return the summary. A failing resource does not stop the others unless the failure is
// fatal (key revoked, 402, destination lost); a stop request (signal) ends the run after the current
// batches commit.
import { randomUUID } from 'node:crypto';
import { ApiClient, type RequestCounter } from '../api/client.ts';
import { decide } from '../api/failures.ts';
import type { ResourceSummary, RunResult, SyncOptions, WarehouseTarget } from '../core/contracts.ts';
import { AcsyncError, DestinationUnreachableError, describeError, ExitCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/secrets.ts';
import {
  findResource,
  isCustomObjectRecordsName,
  type ResourceDef,
  resolveResources,
} from '../extract/catalog.ts';
import { type Discovery, discoverCustomObjects } from '../extract/custom-objects.ts';
import { planScans } from '../extract/scan.ts';
import { readState } from '../extract/state.ts';
import {
  chooseTier,
  inFastTier,
  nextTierState,
  readTierState,
  TIER_STATE,
  tierStateJson,
} from '../extract/tiers.ts';
import { openWarehouse } from '../warehouse/index.ts';
import { type PlanRunContext, type PlanTuning, resourceSummary, runPlan } from './plan-runner.ts';
import type { Fatal } from './resource-failure.ts';
import { finishedRunStatus } from './run-status.ts';

/** Knobs for tests and benchmarks; the CLI uses the defaults. */
export interface SyncTuning extends PlanTuning {
  /** Side-load contacts' children through include= (default true; false = the separate scans of before). */
  sideload?: boolean;
  /** Scans running at once. Default 4. */
  concurrency?: number;
  /** Client backoff base (ms); tests shorten it. */
  backoffBaseMs?: number;
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
  const discovery: Promise<DiscoveryAnswer> | null = wantsCustom
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
        ...(s.requests !== undefined ? { requests: s.requests } : {}),
        ...(s.deleted !== undefined ? { deleted: s.deleted } : {}),
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
    if (discovery) counters.set('custom_object_schemas', discoveryCounter);
    const chosen = await chooseResources(
      names,
      selection === 'all',
      opts.skipResources ?? [],
      discovery,
      logger,
    );
    const { defs, missing } = chosen;
    fatal = chosen.fatal;
    // ── the tier (issue 10): fast runs read what changed, a reconcile reads everything ──
    const tierState = readTierState(await target.getState(TIER_STATE));
    const tier = opts.fullRefresh
      ? { tier: 'reconcile' as const, reason: 'full refresh' }
      : chooseTier({
          requested: opts.tier ?? 'auto',
          reconcileEveryHours: source.reconcileEveryHours ?? 0,
          state: tierState,
          now: startedAt,
        });
    // Children of contacts whose include= proved incomplete are read by their own scans.
    const direct = new Set<string>();
    if (!opts.fullRefresh)
      for (const d of defs)
        if (d.includedBy && readState(await target.getState(d.name)).direct) direct.add(d.name);
    const deferred: string[] = [];
    if (tier.tier === 'fast') {
      for (let i = defs.length - 1; i >= 0; i--)
        if (!inFastTier(defs[i], tierState, direct.has(defs[i].name)))
          deferred.unshift(...defs.splice(i, 1).map((d) => d.name));
    }
    logger.info({ tier: tier.tier, reason: tier.reason, deferred: deferred.length }, 'sync tier');
    const allNames = [...defs.map((d) => d.name), ...missing];
    await target.startRun({ runId, startedAt, resources: allNames, tier: tier.tier });
    if (opts.fullRefresh) await target.resetState(allNames);
    for (const n of missing) {
      summaries.set(
        n,
        resourceSummary(target, n, 0, 0, {
          status: 'failed',
          error: fatal
            ? `not run: ${fatal.message}`
            : `no custom object schema on the account matches "${n}"`,
        }),
      );
    }

    const plans = planScans(defs, { sideload: tuning.sideload !== false, direct });
    const ctx: PlanRunContext = {
      runId,
      startedAt: startedAt.getTime(),
      target,
      client,
      lookbackHours: source.lookbackHours,
      fullRefresh: opts.fullRefresh ?? false,
      tuning,
      logger,
      onProgress: opts.onProgress,
      fatal: () => fatal,
      stopRequested: () => stop.signal.aborted || fatal !== null,
      requestStop: () => stop.abort(),
      finish,
      previous: (name) => summaries.get(name),
      reconcile: tier.tier === 'reconcile',
    };
    const queue = [...plans];
    const worker = async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        if (fatal || stop.signal.aborted) {
          const error = fatal ? `not run: ${fatal.message}` : 'not run: the sync was stopped';
          for (const m of plan.members)
            summaries.set(m.name, resourceSummary(target, m.name, 0, 0, { status: 'failed', error }));
          continue;
        }
        // The requests belong to the resource that pages (side-loaded members ride on them).
        const payer = plan.members.includes(plan.source) ? plan.source : plan.members[0];
        const counter: RequestCounter = { requests: 0 };
        counters.set(payer.name, counter);
        const fallbacks: ResourceDef[] = [];
        const outcome = await runPlan(plan, counter, { ...ctx, fallbacks });
        if (outcome) fatal ??= outcome;
        // include= was incomplete: the child's direct scan runs now (its state already says `direct`).
        for (const def of fallbacks) queue.push({ source: def, members: [def] });
      }
    };

    if (fatal) {
      for (const plan of plans)
        for (const m of plan.members)
          summaries.set(
            m.name,
            resourceSummary(target, m.name, 0, 0, { status: 'failed', error: `not run: ${fatal.message}` }),
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
    const status = finishedRunStatus(resources.map((s) => s.status));
    const exitCode = fatal ? fatal.exitCode : status === 'success' ? ExitCode.ok : ExitCode.syncFailed;
    if (!fatal) {
      // Sizes of what was read whole, and the reconcile's time once all of it succeeded.
      const byName = new Map(defs.map((d) => [d.name, d]));
      const next = nextTierState(tierState, {
        tier: tier.tier,
        startedAt,
        allSucceeded: failed === 0 && !stop.signal.aborted,
        fullReads: resources
          .filter((s) => s.status === 'success' && byName.has(s.name))
          .filter((s) => {
            const d = byName.get(s.name)!;
            return d.incremental.kind !== 'server' && !(d.includedBy && !direct.has(d.name));
          })
          .map((s) => ({ name: s.name, events: s.events })),
      });
      try {
        await target.writeBatch({
          runId,
          resource: TIER_STATE,
          records: [],
          primaryKey: 'id',
          receivedAt: finishedAt,
          state: tierStateJson(next),
        });
      } catch (err) {
        logger.error({ err: describeError(err) }, 'could not record the tier state');
      }
    }
    const result: RunResult = {
      runId,
      source: source.name,
      status,
      events: resources.reduce((a, s) => a + s.events, 0),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      resources,
      exitCode,
      tier: { name: tier.tier, reason: tier.reason, deferred },
    };
    if (fatal) result.error = fatal.message;
    else if (status !== 'success') {
      result.error = opts.signal?.aborted
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

type DiscoveryAnswer = { found?: Discovery; error?: unknown };

/**
 * The resources this run syncs: the selection less `skip` (what an earlier segment of a fleet run finished),
 * with the custom object resources the account's schemas name. `missing` are selected custom objects the
 * account has no schema for (they end failed); a refused key while asking is fatal.
 */
async function chooseResources(
  names: string[],
  all: boolean,
  skipResources: readonly string[],
  discovery: Promise<DiscoveryAnswer> | null,
  logger: Logger,
): Promise<{ defs: ResourceDef[]; missing: string[]; fatal: Fatal | null }> {
  const skip = new Set(skipResources);
  const defs: ResourceDef[] = names
    .filter((n) => !isCustomObjectRecordsName(n) && !skip.has(n))
    .map((n) => findResource(n)!);
  const missing: string[] = [];
  let fatal: Fatal | null = null;
  if (!discovery) return { defs, missing, fatal };
  const { found, error } = await discovery;
  const wanted = all ? null : new Set(names.filter((n) => isCustomObjectRecordsName(n) && !skip.has(n)));
  if (found) {
    if (found.unavailable) logger.warn({ reason: found.unavailable }, 'custom objects are not available');
    for (const d of found.resources) if ((!wanted || wanted.has(d.name)) && !skip.has(d.name)) defs.push(d);
    for (const n of wanted ?? []) if (!found.resources.some((d) => d.name === n)) missing.push(n);
  } else {
    const d = await decide(error);
    if (d.action === 'stop') fatal = { exitCode: d.exitCode, message: d.reason };
    else logger.warn({ err: describeError(error) }, 'could not list custom object schemas');
    missing.push(...(wanted ?? []));
  }
  return { defs, missing, fatal };
}
