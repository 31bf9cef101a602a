import { describe, expect, it } from 'vitest';
import type { Schedule, SourceConfig } from '../../src/core/contracts.ts';
import { createLogger } from '../../src/core/log.ts';
import { type Clock, runDaemon } from '../../src/schedule/daemon.ts';

function source(name: string, schedule: Schedule, destination = 'warehouse'): SourceConfig {
  return {
    name,
    accountName: 'acme',
    url: 'http://127.0.0.1:1',
    apiKey: 'k-not-used',
    tablePrefix: 'ac_',
    schedule,
    resources: 'all',
    requestsPerSecond: 5,
    destination,
    lookbackHours: 24,
  };
}

/** Captures the daemon's log lines as objects. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (l: string) => lines.push(JSON.parse(l)) } as unknown as NodeJS.WritableStream,
  });
  return { logger, lines };
}

/** A clock that only moves when the daemon sleeps: each sleep jumps straight to its end. */
function fakeClock(
  startIso: string,
  stopAfter: Date,
  controller: AbortController,
): Clock & { sleeps: number[] } {
  let now = new Date(startIso).getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    async sleep(ms) {
      // Let started runs reach their first await before time moves on.
      await new Promise((r) => setImmediate(r));
      sleeps.push(ms);
      now += ms;
      if (now >= stopAfter.getTime()) controller.abort();
    },
  };
}

describe('runDaemon on a fake clock', () => {
  it('runs each source on its slots, leaves manual sources alone, and runs a never-run source at once', async () => {
    const ctl = new AbortController();
    const clock = fakeClock('2026-03-10T01:50:00Z', new Date('2026-03-10T05:10:00Z'), ctl);
    const runs: string[] = [];
    const { logger, lines } = captureLogger();
    await runDaemon({
      sources: [
        source('hourly', { type: 'basic', every: '1h', startAt: '02:00' }),
        source('cron', { type: 'cron', expression: '30 */2 * * *', timezone: 'UTC' }, 'other'),
        source('by hand', { type: 'manual' }),
      ],
      lastStarted: async (s) => (s.name === 'hourly' ? new Date('2026-03-10T01:00:00Z') : null),
      runSource: async (s) => {
        runs.push(`${s.name}@${clock.now().toISOString().slice(11, 16)}`);
      },
      logger,
      signal: ctl.signal,
      clock,
    });
    expect(runs).toEqual([
      'cron@01:50', // never ran: at once
      'hourly@02:00',
      'cron@02:30',
      'hourly@03:00',
      'hourly@04:00',
      'cron@04:30',
      'hourly@05:00',
    ]);
    expect(lines.some((l) => l.source === 'by hand' && String(l.msg).includes('manual'))).toBe(true);
  });

  it('after a restart it does not repeat a run that already happened, but catches up a missed slot once', async () => {
    const ctl = new AbortController();
    const clock = fakeClock('2026-03-10T03:20:00Z', new Date('2026-03-10T04:30:00Z'), ctl);
    const runs: string[] = [];
    await runDaemon({
      sources: [
        source('ran', { type: 'basic', every: '1h', startAt: '00:00' }),
        source('missed', { type: 'basic', every: '1h', startAt: '00:00' }, 'other'),
      ],
      // "ran" ran at 03:00 (this hour's slot); "missed" last ran at 01:00, so 02:00 and 03:00 were missed.
      lastStarted: async (s) => new Date(s.name === 'ran' ? '2026-03-10T03:00:05Z' : '2026-03-10T01:00:02Z'),
      runSource: async (s) => {
        runs.push(`${s.name}@${clock.now().toISOString().slice(11, 16)}`);
      },
      logger: captureLogger().logger,
      signal: ctl.signal,
      clock,
    });
    expect(runs).toEqual(['missed@03:20', 'ran@04:00', 'missed@04:00']);
  });

  it('with only manual sources it says so and returns', async () => {
    const { logger, lines } = captureLogger();
    await runDaemon({
      sources: [source('by hand', { type: 'manual' })],
      runSource: async () => {
        throw new Error('must not run');
      },
      logger,
      signal: new AbortController().signal,
    });
    expect(lines.map((l) => l.msg)).toContain('no source has a schedule (all are manual): nothing to do');
  });
});

describe('runDaemon in real time', () => {
  it('never overlaps a slow run with itself: the ticks during it are skipped and logged', async () => {
    const ctl = new AbortController();
    const { logger, lines } = captureLogger();
    const intervals: { start: number; end: number }[] = [];
    let active = 0;
    let maxActive = 0;
    let stopSeen = false;
    await runDaemon({
      sources: [source('slow', { type: 'basic', every: '5m', startAt: '00:00' })],
      lastStarted: async () => null,
      // A 100 ms "interval" and a run that takes 350 ms.
      nextRun: (_s, after) => new Date(after.getTime() + 100),
      runSource: async (_s, signal) => {
        active++;
        maxActive = Math.max(maxActive, active);
        const start = Date.now();
        // Ask the daemon to stop while the second run is going.
        if (intervals.length === 1) setTimeout(() => ctl.abort(), 10);
        await new Promise((r) => setTimeout(r, 350));
        stopSeen ||= signal.aborted;
        intervals.push({ start, end: Date.now() });
        active--;
      },
      logger,
      signal: ctl.signal,
    });
    expect(maxActive).toBe(1);
    expect(intervals.length).toBe(2);
    expect(intervals[1]!.start).toBeGreaterThanOrEqual(intervals[0]!.end);
    const skipped = lines.filter((l) => l.msg === 'previous run still going: skipping this slot');
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(stopSeen).toBe(true); // the run in flight saw the abort
  });

  it('runs sources that share a destination one after the other', async () => {
    const ctl = new AbortController();
    let active = 0;
    let maxActive = 0;
    let done = 0;
    await runDaemon({
      sources: [
        source('a', { type: 'basic', every: '5m', startAt: '00:00' }),
        source('b', { type: 'basic', every: '5m', startAt: '00:00' }),
      ],
      lastStarted: async () => null,
      nextRun: (_s, after) => new Date(after.getTime() + 60_000),
      runSource: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 50));
        active--;
        if (++done === 2) ctl.abort();
      },
      logger: captureLogger().logger,
      signal: ctl.signal,
    });
    expect(done).toBe(2);
    expect(maxActive).toBe(1);
  });
});
