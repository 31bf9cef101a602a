// The live state of one run as the dashboard shows it, built from the same ProgressEvents the CLI's
// progress bars use: per resource records, pages, rate and (when the API gave a total) an ETA.
import type { ProgressEvent, RunResult, RunStatus } from '../core/contracts.ts';

export interface ResourceProgress {
  name: string;
  table: string;
  status: RunStatus;
  /** Records the API returned so far (RudderStack's events). */
  events: number;
  rowsWritten: number;
  pages: number;
  /** Records the API says exist (meta.total), when it said. */
  total: number | null;
  /** Records per second since the resource started, once there is something to measure. */
  rate: number | null;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | null;
  error: string | null;
  startedAt: number;
}

export interface LiveRun {
  source: string;
  destination: string;
  startedAt: string;
  /** running → stopping (Stop pressed) → finished. */
  state: 'running' | 'stopping' | 'finished';
  resources: ResourceProgress[];
  /** Set when the run finished (a run that could not start has only `error`). */
  result: Pick<RunResult, 'runId' | 'status' | 'events' | 'durationMs' | 'exitCode' | 'error'> | null;
  error: string | null;
}

export function newRun(source: string, destination: string, now: number): LiveRun {
  return {
    source,
    destination,
    startedAt: new Date(now).toISOString(),
    state: 'running',
    resources: [],
    result: null,
    error: null,
  };
}

function measure(r: ResourceProgress, now: number): void {
  const seconds = (now - r.startedAt) / 1000;
  r.rate = seconds >= 0.2 && r.events > 0 ? r.events / seconds : null;
  r.etaSeconds =
    r.total !== null && r.rate
      ? Math.max(0, Math.round((r.total - Math.min(r.events, r.total)) / r.rate))
      : null;
}

/** Applies one progress event to the run (in place) and returns it. */
export function applyProgress(run: LiveRun, e: ProgressEvent, now: number): LiveRun {
  let r = run.resources.find((x) => x.name === e.resource);
  if (!r) {
    r = {
      name: e.resource,
      table: e.kind === 'resource-end' ? e.summary.table : e.kind === 'resource-start' ? e.table : '',
      status: 'running',
      events: 0,
      rowsWritten: 0,
      pages: 0,
      total: null,
      rate: null,
      etaSeconds: null,
      error: null,
      startedAt: now,
    };
    run.resources.push(r);
  }
  switch (e.kind) {
    case 'resource-start':
      r.table = e.table;
      if (e.total) r.total = e.total;
      break;
    case 'page':
      r.events = e.events;
      r.rowsWritten = e.rowsWritten;
      r.pages = e.pages;
      // A total below what was already read is not a total (a keyset page counts only what is left).
      if (e.total && e.total >= e.events) r.total = e.total;
      measure(r, now);
      break;
    case 'resource-end':
      r.status = e.summary.status;
      r.events = e.summary.events;
      r.rowsWritten = e.summary.rowsWritten;
      r.error = e.summary.error ?? null;
      measure(r, now);
      r.etaSeconds = null;
      break;
  }
  return run;
}

/** Records how the run ended. */
export function finishRun(run: LiveRun, result: RunResult | null, error: string | null): LiveRun {
  run.state = 'finished';
  run.error = error;
  run.result = result
    ? {
        runId: result.runId,
        status: result.status,
        events: result.events,
        durationMs: result.durationMs,
        exitCode: result.exitCode,
        ...(result.error ? { error: result.error } : {}),
      }
    : null;
  return run;
}
