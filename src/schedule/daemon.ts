// The scheduler loop behind `acsync run`. It owns timing only: when each source is due, that a source
// never overlaps itself, that sources sharing a destination take turns, and a graceful stop. What a run
// does is injected (`runSource`), and so are the clock and the next-run rule, so tests can drive it.
import type { Schedule, SourceConfig } from '../core/contracts.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { nextRun as scheduleNextRun } from './next-run.ts';

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface DaemonOptions {
  sources: SourceConfig[];
  /** Performs one run; must honour `signal` (finish the current batch, save state, return). */
  runSource(source: SourceConfig, signal: AbortSignal): Promise<void>;
  /** When a source last started, from the destination's history; null when it never ran. */
  lastStarted?(source: SourceConfig): Promise<Date | null>;
  logger: Logger;
  /** Aborting stops the daemon: running syncs are asked to stop, then `run` resolves. */
  signal: AbortSignal;
  clock?: Clock;
  nextRun?: (schedule: Schedule, after: Date) => Date | null;
  /** Longest single sleep, so a changed wall clock (suspend, NTP step) is noticed. */
  maxSleepMs?: number;
}

interface Slot {
  source: SourceConfig;
  due: Date;
  running: Promise<void> | null;
}

/** Runs until `signal` aborts. Resolves once every started run has returned. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  const next = opts.nextRun ?? scheduleNextRun;
  const log = opts.logger;
  const maxSleep = opts.maxSleepMs ?? 60_000;
  const destinationQueues = new Map<string, Promise<void>>();

  const slots: Slot[] = [];
  for (const source of opts.sources) {
    if (source.schedule.type === 'manual') {
      log.info({ source: source.name }, 'manual schedule: runs only with `acsync sync`');
      continue;
    }
    const now = clock.now();
    const last = opts.lastStarted ? await opts.lastStarted(source) : null;
    // Never ran, or the slot after its last run has already passed (the daemon was down): run now, once.
    // Otherwise wait for the next slot, so a restart does not repeat a run that already happened.
    const missed = last ? next(source.schedule, last) : null;
    const due = !last || (missed && missed <= now) ? now : next(source.schedule, now)!;
    slots.push({ source, due, running: null });
    log.info(
      {
        source: source.name,
        schedule: source.schedule,
        lastStarted: last?.toISOString() ?? null,
        nextRun: due.toISOString(),
      },
      last
        ? due === now
          ? 'missed a run while stopped: running now'
          : 'scheduled'
        : 'never ran: running now',
    );
  }
  if (slots.length === 0) {
    log.warn('no source has a schedule (all are manual): nothing to do');
    return;
  }

  const start = (slot: Slot) => {
    const key = slot.source.destination;
    const before = destinationQueues.get(key) ?? Promise.resolve();
    // Sources that share a destination take turns: a DuckDB file has one writer at a time.
    const run = before.then(async () => {
      if (opts.signal.aborted) return;
      const started = clock.now();
      log.info({ source: slot.source.name }, 'run starting');
      try {
        await opts.runSource(slot.source, opts.signal);
        log.info({ source: slot.source.name, ms: clock.now().getTime() - started.getTime() }, 'run finished');
      } catch (err) {
        log.error({ source: slot.source.name, err: describeError(err) }, 'run failed');
      }
    });
    destinationQueues.set(key, run);
    slot.running = run.finally(() => {
      slot.running = null;
      if (destinationQueues.get(key) === run) destinationQueues.delete(key);
    });
  };

  while (!opts.signal.aborted) {
    const now = clock.now();
    for (const slot of slots) {
      if (slot.due > now) continue;
      if (slot.running) {
        log.warn(
          { source: slot.source.name, due: slot.due.toISOString() },
          'previous run still going: skipping this slot',
        );
      } else {
        start(slot);
      }
      slot.due = next(slot.source.schedule, now) ?? new Date(8.64e15);
      log.debug({ source: slot.source.name, nextRun: slot.due.toISOString() }, 'next run');
    }
    const earliest = Math.min(...slots.map((s) => s.due.getTime()));
    const wait = Math.max(0, Math.min(maxSleep, earliest - clock.now().getTime()));
    await clock.sleep(wait, opts.signal);
  }

  const pending = slots.map((s) => s.running).filter((r): r is Promise<void> => r !== null);
  if (pending.length > 0)
    log.info({ runs: pending.length }, 'stopping: waiting for running syncs to save their state');
  await Promise.all(pending);
}
