// Time as the emulated account shows it. The account lives in US Central time, so ISO timestamps
// carry -05:00 in summer and -06:00 in winter (the DST switch is computed, not looked up), naive
// "local" timestamps are the same wall clock without a zone, and naive UTC ones are plain UTC.

const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const dstCache = new Map<number, [number, number]>();

/** [start, end) of US daylight saving time in `year`, as UTC milliseconds. */
function dstWindow(year: number): [number, number] {
  let w = dstCache.get(year);
  if (!w) {
    // Second Sunday of March, 02:00 CST (08:00 UTC) → first Sunday of November, 02:00 CDT (07:00 UTC).
    const march1 = new Date(Date.UTC(year, 2, 1)).getUTCDay();
    const startDay = 1 + ((7 - march1) % 7) + 7;
    const nov1 = new Date(Date.UTC(year, 10, 1)).getUTCDay();
    const endDay = 1 + ((7 - nov1) % 7);
    w = [Date.UTC(year, 2, startDay, 8), Date.UTC(year, 10, endDay, 7)];
    dstCache.set(year, w);
  }
  return w;
}

/** The account's UTC offset in minutes at `ms` (-300 or -360). */
export function offsetMinutes(ms: number): number {
  const [start, end] = dstWindow(new Date(ms).getUTCFullYear());
  return ms >= start && ms < end ? -300 : -360;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

// A record formats the same two instants (created, updated) several ways: remember the last few.
const wallCache = new Map<number, string>();

function wallClock(ms: number): string {
  let text = wallCache.get(ms);
  if (text === undefined) {
    const d = new Date(ms);
    text = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    if (wallCache.size >= 64) wallCache.clear();
    wallCache.set(ms, text);
  }
  return text;
}

/** `2021-05-12T11:30:06-05:00`: ISO in the account's zone. */
export function isoLocal(ms: number): string {
  const off = offsetMinutes(ms);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${wallClock(ms + off * 60_000).replace(' ', 'T')}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** `2021-05-12 11:30:06`: the account's wall clock without a zone. */
export function naiveLocal(ms: number): string {
  return wallClock(ms + offsetMinutes(ms) * 60_000);
}

/** `2021-05-12 16:30:06`: UTC without a zone. */
export function naiveUtc(ms: number): string {
  return wallClock(ms);
}

/** `2021-04-16T15:08:25.783751329Z`: UTC with nanoseconds (custom objects). */
export function isoNanos(ms: number, salt: number): string {
  // Generated times are whole seconds: the sub-second digits come from the salt then.
  const extra = (Math.imul(salt, 2654435761) >>> 0) % 1_000_000;
  const frac =
    ms % 1000
      ? (ms % 1000) * 1_000_000 + extra
      : (Math.imul(salt ^ 0x5bd1, 2246822519) >>> 0) % 1_000_000_000;
  return `${wallClock(ms - (ms % 1000)).replace(' ', 'T')}.${String(frac).padStart(9, '0')}Z`;
}

/** The account-local calendar date (YYYY-MM-DD) of `ms`. */
export function localDate(ms: number): string {
  return naiveLocal(ms).slice(0, 10);
}

/** UTC milliseconds of an account-local wall-clock time (given as if it were UTC). */
function localToUtc(wall: number): number {
  const guess = wall - offsetMinutes(wall + 6 * HOUR) * 60_000;
  return wall - offsetMinutes(guess) * 60_000;
}

/** UTC milliseconds of local midnight starting the given YYYY-MM-DD, or undefined when not a date. */
export function localMidnight(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date.trim());
  if (!m) return undefined;
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(utcMidnight)) return undefined;
  return localToUtc(utcMidnight);
}

/** Parses a date or date-time filter value (ISO, naive = account-local, or date only) to UTC ms. */
export function parseInstant(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return localMidnight(t);
  if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(t);
  if (!m) return undefined;
  return localToUtc(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0));
}

/**
 * The span generated records live in: three years ending at a fixed instant derived from the seed
 * (so the same seed gives the same timestamps on every run), and never later than an hour before
 * the process started, so that writes (stamped with the real clock) are always newer.
 */
export function generatedSpan(seed: number, startedAt: number): { from: number; to: number } {
  const fixedEnd = Date.UTC(2026, 0, 1) - (seed % 1000) * 60_000;
  const to = Math.min(fixedEnd, Math.floor((startedAt - HOUR) / 1000) * 1000);
  return { from: to - 3 * 365 * DAY, to };
}
