// Syncs started from the dashboard. They run in this process through the same code path as `acsync sync`
// (syncOne → runSync with onProgress), one at a time per destination, as the scheduler runs them; each
// source's latest run is kept so its page can show it, and watchers get its state as it changes.
import type { LoadedConfig } from '../config/load.ts';
import type { ProgressEvent, RunResult } from '../core/contracts.ts';
import { ConfigError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { applyProgress, finishRun, type LiveRun, newRun } from './progress-state.ts';

/** A run that cannot start now because another one holds the source or its destination (HTTP 409). */
export class RunConflictError extends Error {}

type Watcher = (run: LiveRun) => void;

/** How often watchers hear about a run in progress at most (pages can arrive hundreds a second). */
const PUBLISH_EVERY_MS = 200;

interface Active {
  run: LiveRun;
  controller: AbortController;
  done: Promise<void>;
}

/** Runs one source's sync (the server passes syncOne, the path `acsync sync` takes). */
export type RunSourceFn = (
  config: LoadedConfig,
  sourceName: string,
  opts: { signal: AbortSignal; onProgress: (e: ProgressEvent) => void },
) => Promise<RunResult>;

export class RunManager {
  private readonly latest = new Map<string, LiveRun>();
  private readonly active = new Map<string, Active>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly runSource: RunSourceFn,
  ) {}

  private key(source: string): string {
    return source.toLowerCase();
  }

  /** The source's run in progress, or its last one since the server started. */
  get(source: string): LiveRun | null {
    return this.latest.get(this.key(source)) ?? null;
  }

  isRunning(source: string): boolean {
    return this.active.has(this.key(source));
  }

  /** Starts a sync of `source` (named as in `config`). Throws RunConflictError when it cannot start now. */
  start(config: LoadedConfig, sourceName: string): LiveRun {
    const source = config.sources.find((s) => s.name.toLowerCase() === sourceName.toLowerCase());
    if (!source) throw new ConfigError(`no source named "${sourceName}"`);
    const k = this.key(source.name);
    if (this.active.has(k)) throw new RunConflictError(`"${source.name}" is already syncing`);
    for (const a of this.active.values())
      if (a.run.destination === source.destination)
        throw new RunConflictError(
          `"${a.run.source}" is writing to destination "${source.destination}"; sources sharing a destination sync one at a time`,
        );
    const run = newRun(source.name, source.destination, Date.now());
    const controller = new AbortController();
    this.latest.set(k, run);
    const done = this.runSource(config, source.name, {
      signal: controller.signal,
      onProgress: (e) => {
        applyProgress(run, e, Date.now());
        this.publishSoon(k);
      },
    })
      .then(
        (result) => {
          finishRun(run, result, null);
          this.logger.info(
            { source: source.name, runId: result.runId, status: result.status, events: result.events },
            'dashboard sync finished',
          );
        },
        (err: unknown) => {
          finishRun(run, null, describeError(err));
          this.logger.warn(
            { source: source.name, err: describeError(err) },
            'dashboard sync could not start',
          );
        },
      )
      .finally(() => {
        this.active.delete(k);
        this.publish(k);
      });
    this.active.set(k, { run, controller, done });
    this.publish(k);
    return run;
  }

  /** Asks the source's run to stop after its current batches commit. False when nothing runs. */
  stop(source: string): boolean {
    const a = this.active.get(this.key(source));
    if (!a) return false;
    a.run.state = 'stopping';
    a.controller.abort();
    this.publish(this.key(source));
    return true;
  }

  /** Calls `fn` with the run's state now and whenever it changes; returns the unsubscribe function. */
  watch(source: string, fn: Watcher): () => void {
    const k = this.key(source);
    const set = this.watchers.get(k) ?? new Set<Watcher>();
    set.add(fn);
    this.watchers.set(k, set);
    return () => set.delete(fn);
  }

  private publishSoon(k: string): void {
    if (this.timers.has(k)) return;
    this.timers.set(
      k,
      setTimeout(() => this.publish(k), PUBLISH_EVERY_MS),
    );
  }

  private publish(k: string): void {
    const timer = this.timers.get(k);
    if (timer) clearTimeout(timer);
    this.timers.delete(k);
    const run = this.latest.get(k);
    if (!run) return;
    for (const fn of this.watchers.get(k) ?? []) fn(run);
  }

  /** Stops every run and waits for them to record their state (server shutdown). */
  async stopAll(): Promise<void> {
    for (const [k, a] of this.active) {
      a.run.state = 'stopping';
      a.controller.abort();
      this.publish(k);
    }
    await Promise.all([...this.active.values()].map((a) => a.done));
  }
}
