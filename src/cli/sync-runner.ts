// Runs one or more sources' syncs for `sync`, `run` and `demo`: progress while it runs, the summary after,
// and the exit code. Sources run one after the other (they may share a DuckDB file and an account budget).
import type { LoadedConfig } from '../config/load.ts';
import type { ProgressEvent, RunResult, SourceConfig } from '../core/contracts.ts';
import { describeError, exitCodeFor } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { err, out } from './context.ts';
import { worstExitCode } from './exit.ts';
import { createProgress, wantsLiveProgress } from './progress.ts';
import { renderSummary, summaryJson } from './summary.ts';

export interface SyncRequest {
  resources?: string[];
  fullRefresh?: boolean;
  /** Force a tier (`sync --reconcile`). */
  tier?: 'fast' | 'reconcile';
  /** Print JSON summaries on stdout instead of tables. */
  json?: boolean;
  /** Print nothing on stdout (the daemon logs instead). */
  quiet?: boolean;
  signal?: AbortSignal;
  logger: Logger;
  /** Also called with every progress event (the dashboard streams them). */
  onProgress?: (event: ProgressEvent) => void;
}

/** One source's run. Resolves with the result, or rejects when it could not start (config, destination). */
export async function syncOne(
  config: LoadedConfig,
  source: SourceConfig,
  req: SyncRequest,
): Promise<RunResult> {
  // One sync per account at a time on this machine (api/lock.ts): wait here, before the warehouse opens.
  const { lockAccount } = await import('../api/lock.ts');
  const lock = await lockAccount(source.url, {
    signal: req.signal,
    onNotice: (message) => req.logger.warn({ source: source.name }, message),
  });
  const progress = createProgress({
    live: !req.quiet && wantsLiveProgress(req.json ?? false),
    logger: req.logger,
    source: source.name,
  });
  const { runSync } = await import('../pipeline/sync.ts'); // loaded on use: keeps start-up short
  let result: RunResult;
  try {
    result = await runSync({
      source,
      destination: config.destinations[source.destination]!,
      resources: req.resources,
      fullRefresh: req.fullRefresh,
      ...(req.tier ? { tier: req.tier } : {}),
      logger: req.logger.child({ source: source.name }),
      onProgress: (e) => {
        progress.onProgress(e);
        req.onProgress?.(e);
      },
      signal: req.signal,
    });
  } finally {
    progress.stop();
    lock.release();
  }
  if (!req.quiet) {
    if (req.json) out(summaryJson(result));
    else {
      out(renderSummary(result));
      out();
    }
  }
  return result;
}

/** Runs sources in turn; a source that cannot start is reported and the next one still runs. */
export async function syncMany(
  config: LoadedConfig,
  sources: SourceConfig[],
  req: SyncRequest,
): Promise<{ exitCode: number; results: RunResult[] }> {
  const results: RunResult[] = [];
  const codes: number[] = [];
  for (const source of sources) {
    if (req.signal?.aborted) break;
    try {
      const r = await syncOne(config, source, req);
      results.push(r);
      codes.push(r.exitCode);
    } catch (e) {
      // Could not start (config, destination): --json still ends with a summary line for this source.
      if (req.json) out(JSON.stringify(notStarted(source, e)));
      if (sources.length === 1) throw e;
      codes.push(exitCodeFor(e));
      err(`acsync: ${source.name}: ${describeError(e)}`);
    }
  }
  return { exitCode: worstExitCode(codes), results };
}

function notStarted(source: SourceConfig, e: unknown) {
  return {
    runId: null,
    source: source.name,
    status: 'failed',
    events: 0,
    durationMs: 0,
    resources: [],
    exitCode: exitCodeFor(e),
    error: describeError(e),
  };
}

/** First Ctrl-C: stop gracefully (current batches commit with their state). Second: leave at once. */
export function stopOnSignals(logger: Logger): AbortController {
  const ctl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) {
      logger.warn({ signal: sig }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    logger.warn({ signal: sig }, 'stopping: finishing the current batches and saving state (again to force)');
    ctl.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ctl;
}
