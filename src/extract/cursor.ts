// The incremental rule of one resource, as pure functions (no I/O; tested on their own in
// test/extract/cursor.test.ts). A scan opens a cursor from the stored state, asks it for the request's
// filter, asks it per record whether to write it and lets it observe the record's update time, and asks
// it for the state to commit after each page.
//
//   openCursor(spec, prev, opts)        → Cursor: `since` (write records updated at or after it) and the
//                                         ceiling a stored cursor may reach (the run's start − skew)
//   requestParams(spec, cursor)         → the server-side filter (`filters[updated_after]`, `after`), if any
//   updateTime(spec, record)            → the record's update time: the newest real date of its cursor fields
//   shouldWrite(spec, cursor, t)        → false only for records the warehouse already holds
//   observe(cursor, t)                  → the cursor with the newest time seen so far
//   stateAfterPage(spec, cursor, prev, page) → the state committed with the page's records
//
// Two allowances keep the cursor honest on the real API:
// - Future dates (reminders, scheduled sends, shop clocks) must not pin the cursor ahead: a stored cursor
//   never passes the run's start minus CLOCK_SKEW_MS (the account's clock may run ahead of ours).
// - Naive timestamps are the account's local time (reference §7 quirk 9), and the API offers no way to read
//   the account's time zone (`/settings/account` is admin-only and documents no zone), so they are read as
//   UTC and may be off by the account's offset, up to ±14 h: the look-back never drops below ZONE_SPAN_MS,
//   and a date-typed filter steps back by that span before taking the date.
import type { QueryParams } from '../api/client.ts';
import type { Incremental } from './catalog.ts';
import type { PagePosition } from './paginate.ts';
import type { ResourceState } from './state.ts';
import { newestOf, parseApiInstant, toDate, toIso } from './timestamps.ts';

/** How far the account's clock may run ahead of ours. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** The widest error of a naive local timestamp read as UTC: UTC offsets run from −12 h to +14 h. */
export const ZONE_SPAN_MS = 14 * 3_600_000;

/** What the cursor needs of a resource row (a ResourceDef fits). */
export interface CursorSpec {
  incremental: Incremental;
  cursorFields: readonly string[];
}

export interface Cursor {
  /** Records updated before this instant are already in the warehouse; null = write everything. */
  since: number | null;
  /** The newest update time this scan has seen. */
  maxSeen: number | null;
  /** The highest value a stored cursor may take: the run's start minus the skew allowance. */
  ceiling: number;
}

export interface CursorOptions {
  /** When the run started (epoch ms). */
  startedAt: number;
  lookbackHours: number;
  fullRefresh: boolean;
  /** Continue the stored unfinished scan (its `since` and newest time) instead of starting over. */
  resume: boolean;
}

/** The look-back actually used: the configured one, never below what naive timestamps need. */
export function lookbackMs(hours: number): number {
  return Math.max(Math.max(0, hours) * 3_600_000, ZONE_SPAN_MS);
}

export function openCursor(spec: CursorSpec, prev: ResourceState, opts: CursorOptions): Cursor {
  const ceiling = opts.startedAt - CLOCK_SKEW_MS;
  if (opts.fullRefresh) return { since: null, maxSeen: null, ceiling };
  if (opts.resume && prev.scan) {
    return { since: parseApiInstant(prev.scan.since), maxSeen: parseApiInstant(prev.scan.maxSeen), ceiling };
  }
  if (spec.incremental.kind === 'full') return { since: null, maxSeen: null, ceiling };
  const stored = parseApiInstant(prev.cursor);
  // A cursor stored ahead of this run (an older version kept future dates) is pulled back too.
  const since = stored === null ? null : Math.min(stored, ceiling) - lookbackMs(opts.lookbackHours);
  return { since, maxSeen: null, ceiling };
}

/** The server-side filter for the request (empty when the resource has none or everything is wanted). */
export function requestParams(spec: CursorSpec, cursor: Cursor): QueryParams {
  const inc = spec.incremental;
  if (inc.kind !== 'server' || cursor.since === null) return {};
  // A date is read at the account's local midnight: step back by the widest offset first.
  if (inc.format === 'date') return { [inc.param]: toDate(cursor.since - ZONE_SPAN_MS) };
  return { [inc.param]: toIso(cursor.since) };
}

/** The record's update time, or null when none of its cursor fields holds a real date. */
export function updateTime(spec: CursorSpec, record: Record<string, unknown>): number | null {
  return spec.cursorFields.length ? newestOf(record, spec.cursorFields) : null;
}

/** Whether a record must be written: everything except what is older than `since` (no time: always). */
export function shouldWrite(spec: CursorSpec, cursor: Cursor, t: number | null): boolean {
  if (spec.incremental.kind === 'full' || cursor.since === null || t === null) return true;
  return t >= cursor.since;
}

export function observe(cursor: Cursor, t: number | null): Cursor {
  if (t === null || (cursor.maxSeen !== null && t <= cursor.maxSeen)) return cursor;
  return { ...cursor, maxSeen: t };
}

export interface PageEnd {
  /** The scan's last page. */
  done: boolean;
  /** Where the scan resumes (mid-scan pages). */
  position: PagePosition | null;
  /** Set on a last page when the scan could not show it read everything: the cursor stays. */
  incomplete?: string;
}

export function stateAfterPage(
  spec: CursorSpec,
  cursor: Cursor,
  prev: ResourceState,
  page: PageEnd,
): ResourceState {
  if (page.done) {
    if (spec.incremental.kind === 'full') return { v: 1, cursor: null };
    if (page.incomplete) return { v: 1, cursor: prev.cursor };
    const before = parseApiInstant(prev.cursor);
    const best =
      cursor.maxSeen === null ? before : before === null ? cursor.maxSeen : Math.max(before, cursor.maxSeen);
    return { v: 1, cursor: best === null ? null : toIso(Math.min(best, cursor.ceiling)) };
  }
  return {
    v: 1,
    cursor: prev.cursor,
    scan: {
      since: cursor.since === null ? null : toIso(cursor.since),
      position: page.position ?? {},
      maxSeen: cursor.maxSeen === null ? null : toIso(cursor.maxSeen),
    },
  };
}
