// When does a source run next? Pure functions of (schedule, instant), so tests drive them with fixed dates.
//
// Basic schedules follow RudderStack's "Sync Starting At" rule: slots at startAt + k × interval (UTC),
// for every slot that starts before midnight, then the same pattern again the next day from startAt.
// Every basic interval divides 24 h, so the only irregular gap is across midnight when startAt is not
// a multiple of the interval (1h from 02:00: …, 22:00, 23:00, then 02:00; 00:00 and 01:00 never run).
import { Cron } from 'croner';
import { MIN_CRON_GAP_MINUTES, START_AT_PATTERN } from '../config/rules.ts';
import type { BasicInterval, Schedule } from '../core/contracts.ts';

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

export const INTERVAL_MINUTES: Record<BasicInterval, number> = {
  '5m': 5,
  '10m': 10,
  '15m': 15,
  '30m': 30,
  '1h': 60,
  '3h': 180,
  '6h': 360,
  '12h': 720,
  '24h': 1440,
};

function startAtMinutes(startAt: string): number {
  const m = START_AT_PATTERN.exec(startAt);
  if (!m) throw new Error(`startAt must be "HH:MM" (UTC), got "${startAt}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** A 5-field CRON job that never fires by itself: used only to compute times. */
export function cronFor(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true, mode: '5-part' });
}

/** The first run strictly after `after`, or null for manual schedules. */
export function nextRun(schedule: Schedule, after: Date): Date | null {
  switch (schedule.type) {
    case 'manual':
      return null;
    case 'cron':
      return cronFor(schedule.expression, schedule.timezone).nextRun(after);
    case 'basic': {
      const every = INTERVAL_MINUTES[schedule.every];
      const start = startAtMinutes(schedule.startAt);
      const dayStart = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate());
      const minuteOfDay = (after.getTime() - dayStart) / MINUTE;
      let slot = start;
      if (minuteOfDay >= start) slot = start + (Math.floor((minuteOfDay - start) / every) + 1) * every;
      if (slot >= DAY_MINUTES) slot = DAY_MINUTES + start; // tomorrow's first slot
      return new Date(dayStart + slot * MINUTE);
    }
  }
}

/** The next `count` runs after `after` (empty for manual schedules). */
export function upcomingRuns(schedule: Schedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let from = after;
  while (out.length < count) {
    const next = nextRun(schedule, from);
    if (!next) break;
    out.push(next);
    from = next;
  }
  return out;
}

export interface CronGap {
  minutes: number;
  /** The two runs that are closest together. */
  between: [Date, Date];
}

/**
 * The shortest gap between consecutive runs of a CRON expression, found by walking its runs over four
 * years (a leap cycle) or 5000 runs, whichever ends first. Dense patterns repeat daily, so 5000 runs
 * cover every case that matters; sparse ones (Feb 29, the 31st) are covered by the four years.
 */
export function shortestCronGap(expression: string, timezone: string, from = new Date()): CronGap | null {
  const cron = cronFor(expression, timezone);
  const horizon = from.getTime() + (4 * 366 + 1) * DAY_MINUTES * MINUTE;
  let prev = cron.nextRun(from);
  let best: CronGap | null = null;
  for (let i = 0; prev && i < 5000 && prev.getTime() < horizon; i++) {
    const next = cron.nextRun(prev);
    if (!next) break;
    const minutes = (next.getTime() - prev.getTime()) / MINUTE;
    if (!best || minutes < best.minutes) best = { minutes, between: [prev, next] };
    if (minutes < MIN_CRON_GAP_MINUTES) break; // already too close: no need to look further
    prev = next;
  }
  return best;
}

/** Why a CRON schedule is unusable, or null when it is fine. */
export function cronProblem(expression: string, timezone: string, from = new Date()): string | null {
  let gap: CronGap | null;
  try {
    gap = shortestCronGap(expression, timezone, from);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    return `"${expression}" is not a valid 5-field CRON expression (minute hour day-of-month month day-of-week): ${reason}`;
  }
  if (!cronFor(expression, timezone).nextRun(from)) return `"${expression}" never runs`;
  if (gap && gap.minutes < MIN_CRON_GAP_MINUTES) {
    const [a, b] = gap.between.map((d) => d.toISOString().slice(0, 16).replace('T', ' '));
    return (
      `"${expression}" runs ${gap.minutes} minutes apart (${a} and ${b} UTC); ` +
      `runs must be at least ${MIN_CRON_GAP_MINUTES} minutes apart`
    );
  }
  return null;
}
