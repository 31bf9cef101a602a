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
import { openWarehouse } from '../warehouse/index.ts';
import { type PlanRunContext, type PlanTuning, resourceSummary, runPlan } from './plan-runner.ts';
import type { Fatal } from './resource-failure.ts';
import { finishedRunStatus } from './run-status.ts';

/** Knobs for tests and benchmarks; the CLI uses the defaults. */
export interface SyncTuning extends PlanTuning {
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
    const allNames = [...defs.map((d) => d.name), ...missing];
    await target.startRun({ runId, startedAt, resources: allNames });
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

    const plans = planScans(defs);
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
        const counter: RequestCounter = counters.get(plan.members[0].name) ?? { requests: 0 };
        counters.set(plan.members[0].name, counter);
        const outcome = await runPlan(plan, counter, ctx);
        if (outcome) fatal ??= outcome;
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
