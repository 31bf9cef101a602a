// Time as the emulated account shows it. The account has an IANA time zone (--timezone): ISO timestamps
// carry that zone's offset at that instant, naive "local" timestamps are the same wall clock without a
// zone, and naive UTC ones are plain UTC (reference §7 quirk 9). Offsets come from Intl, cached per UTC
// day, and per quarter hour on the days the offset changes (every change in the tz database falls on a
// quarter hour), so formatting stays fast.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const QUARTER = 15 * MINUTE;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DD HH:MM:SS` of a UTC instant (read as a wall clock by the callers). */
function wallText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

// A record formats the same two instants (created, updated) several ways: remember the last few.
const wallCache = new Map<number, string>();
function wallClock(ms: number): string {
  let text = wallCache.get(ms);
  if (text === undefined) {
    text = wallText(ms);
    if (wallCache.size >= 256) wallCache.clear();
    wallCache.set(ms, text);
  }
  return text;
}

// Building an Intl formatter costs milliseconds: one per zone name for the whole process.
const formatters = new Map<string, Intl.DateTimeFormat>();
function offsetFormatter(name: string): Intl.DateTimeFormat {
  let f = formatters.get(name);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
    } catch {
      throw new Error(`timezone: "${name}" is not an IANA time zone (e.g. Australia/Adelaide, UTC)`);
    }
    formatters.set(name, f);
  }
  return f;
}

/** Throws a message naming the zone when `name` is not an IANA time zone Intl knows. */
export function checkTimeZone(name: string): void {
  offsetFormatter(name);
}

/** The account's time zone: offsets, the three timestamp formats, and calendar dates in it. */
export class Zone {
  private readonly format: Intl.DateTimeFormat;
  /** UTC day → its offset, or NaN on a day the offset changes (then see `quarters`). */
  private readonly days = new Map<number, number>();
  private readonly quarters = new Map<number, number>();
  readonly fixedOffset?: number;

  constructor(readonly name: string) {
    this.format = offsetFormatter(name);
    if (name === 'UTC' || name === 'Etc/UTC') this.fixedOffset = 0;
  }

  /** UTC offset in minutes at `ms` (e.g. 630 for +10:30, -300 for -05:00). */
  offsetMinutes(ms: number): number {
    if (this.fixedOffset !== undefined) return this.fixedOffset;
    const day = Math.floor(ms / DAY);
    let off = this.days.get(day);
    if (off === undefined) {
      const first = this.lookup(day * DAY);
      off = first === this.lookup(day * DAY + DAY - QUARTER) ? first : Number.NaN;
      if (this.days.size >= 100_000) this.days.clear();
      this.days.set(day, off);
    }
    if (!Number.isNaN(off)) return off;
    const quarter = Math.floor(ms / QUARTER);
    let q = this.quarters.get(quarter);
    if (q === undefined) {
      q = this.lookup(quarter * QUARTER);
      if (this.quarters.size >= 100_000) this.quarters.clear();
      this.quarters.set(quarter, q);
    }
    return q;
  }

  private lookup(ms: number): number {
    const text = this.format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
    const m = /([+-])(\d{2}):(\d{2})/.exec(text?.value ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  }

  /** `2021-05-12T11:30:06+09:30`: ISO in the account's zone. */
  isoLocal(ms: number): string {
    const off = this.offsetMinutes(ms);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off);
    return `${wallClock(ms + off * MINUTE).replace(' ', 'T')}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  }

  /** `2021-05-12 11:30:06`: the account's wall clock without a zone. */
  naiveLocal(ms: number): string {
    return wallClock(ms + this.offsetMinutes(ms) * MINUTE);
  }

  /** The account-local calendar date (YYYY-MM-DD) of `ms`. */
  localDate(ms: number): string {
    return this.naiveLocal(ms).slice(0, 10);
  }

  /** UTC milliseconds of an account-local wall-clock time (given as if it were UTC). */
  private localToUtc(wall: number): number {
    const first = wall - this.offsetMinutes(wall) * MINUTE;
    const second = wall - this.offsetMinutes(first) * MINUTE;
    return second;
  }

  /** UTC milliseconds of local midnight starting the given YYYY-MM-DD, or undefined when not a date. */
  localMidnight(date: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date.trim());
    if (!m) return undefined;
    const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (Number.isNaN(utcMidnight)) return undefined;
    return this.localToUtc(utcMidnight);
  }

  /** Local midnight of the day after the one starting at `midnight` (23 to 25 hours later). */
  nextLocalMidnight(midnight: number): number {
    return this.localMidnight(this.localDate(midnight + DAY + 3 * HOUR)) ?? midnight + DAY;
  }

  /** Parses a date or date-time filter value (ISO with offset or Z, naive = account-local, or a date). */
  parseInstant(text: string): number | undefined {
    const t = text.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return this.localMidnight(t);
    if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(t)) {
      const ms = Date.parse(t.replace(' ', 'T'));
      return Number.isNaN(ms) ? undefined : ms;
    }
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(t);
    if (!m) return undefined;
    return this.localToUtc(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0));
  }
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

/** Whole seconds: the API stores times to the second, so writes and generated times are whole seconds. */
export const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

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

/**
 * Where future dates start: the UTC midnight after the day the process started, so two emulators
 * started on the same day with the same seed agree, and every future date is at least a day ahead.
 */
export function futureBase(startedAt: number): number {
  return Math.floor(startedAt / DAY) * DAY + DAY;
}

/** How far ahead future dates reach (days to years). */
export const FUTURE_SPAN = 3 * 365 * DAY;
