// RudderStack's value typing (§7.1) and the coercion matrix applied when a column already has a type
// (§7.3). Both are tables of small functions so each rule lives in exactly one place.
import type { RudderType } from './dialects.ts';

/**
 * A value's own type. `jsonText` is an array (or an object too deep to flatten) already written as JSON
 * text: it creates `string` columns like RudderStack, but lands unchanged in an existing `json` column.
 */
export type ValueType = RudderType | 'jsonText';

/** The column type a value creates when it is the first one seen. */
export const COLUMN_TYPE_FOR: Record<ValueType, RudderType> = {
  int: 'int',
  float: 'float',
  string: 'string',
  datetime: 'datetime',
  boolean: 'boolean',
  json: 'json',
  jsonText: 'string',
};

// YYYY-MM-DD (the year optionally signed), optionally followed by `T` or a space and a time (minutes
// required, seconds and fraction optional) and a zone (Z, ±HH, ±HHMM, ±HH:MM), read by hand: a regex
// match allocated an array and substrings for every string value of every row.
const MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Two ASCII digits at i as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The ISO-8601 UTC form of a string RudderStack reads as a timestamp, or null. Naive timestamps are UTC;
 * impossible dates (`2024-02-30`, `0000-00-00 00:00:00`) and second 60 stay strings (RudderStack's rule for
 * typing a column; the extractor's cursor reader, extract/timestamps.ts parseApiInstant, is lenient instead).
 */
export function parseRudderTimestamp(s: string): string | null {
  const n = s.length;
  if (n < 10 || n > 48) return null;
  let p = 0;
  let sign = 1;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    sign = c0 === 45 ? -1 : 1;
    p = 1;
  }
  const y1 = two(s, p);
  const y2 = two(s, p + 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(p + 4) !== 45) return null;
  const year = sign * (y1 * 100 + y2);
  const month = two(s, p + 5);
  if (month < 1 || month > 12 || s.charCodeAt(p + 7) !== 45) return null;
  const day = two(s, p + 8);
  if (day < 1 || day > 31) return null;
  p += 10;
  let time = 0;
  if (p < n) {
    const sep = s.charCodeAt(p);
    if (sep !== 84 && sep !== 32) return null; // T or space
    const h = two(s, p + 1);
    if (h < 0 || h > 23 || s.charCodeAt(p + 3) !== 58) return null;
    const mi = two(s, p + 4);
    if (mi < 0 || mi > 59) return null;
    time = h * 3_600_000 + mi * 60_000;
    p += 6;
    if (p < n && s.charCodeAt(p) === 58) {
      const sec = two(s, p + 1);
      if (sec < 0 || sec > 59) return null;
      time += sec * 1000;
      p += 3;
      if (p < n && s.charCodeAt(p) === 46) {
        // Fraction: any number of digits, milliseconds truncated.
        const start = ++p;
        let milli = 0;
        for (let d = s.charCodeAt(p) - 48; d >= 0 && d <= 9; d = s.charCodeAt(++p) - 48)
          if (p - start < 3) milli = milli * 10 + d;
        const digits = p - start;
        if (digits === 0) return null;
        time += digits >= 3 ? milli : digits === 2 ? milli * 10 : milli * 100;
      }
    }
    if (p < n) {
      const z = s.charCodeAt(p);
      if (z === 90 || z === 122)
        p++; // Z or z
      else if (z === 43 || z === 45) {
        const zh = two(s, p + 1);
        if (zh < 0 || zh > 23) return null;
        p += 3;
        let zm = 0;
        if (p < n) {
          if (s.charCodeAt(p) === 58) p++;
          zm = two(s, p);
          if (zm < 0 || zm > 59) return null;
          p += 2;
        }
        time -= (z === 45 ? -1 : 1) * (zh * 60 + zm) * 60_000;
      } else return null;
      if (p !== n) return null;
    }
  }
  if (day > 28 && day > daysInMonth(year, month)) return null;
  const ms = daysFromCivil(year, month, day) * 86_400_000 + time;
  if (ms < MIN_MS || ms > MAX_MS) return null;
  return isoString(ms);
}

// Calendar arithmetic (Howard Hinnant's civil-from-days): the hot path parses many timestamps per row,
// and Date.UTC + toISOString cost several times more than this integer math.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Same output as Date.prototype.toISOString for years 0001–9999. */
export function isoString(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  const yyyy = y >= 1000 ? String(y) : String(y).padStart(4, '0');
  const mmm = milli >= 100 ? String(milli) : milli >= 10 ? `0${milli}` : `00${milli}`;
  return `${yyyy}-${PAD2[m]}-${PAD2[d]}T${PAD2[h]}:${PAD2[mi]}:${PAD2[sec]}.${mmm}Z`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Values handed to drivers: numbers, booleans and strings (datetimes as ISO strings, json as text). */
export type CellValue = string | number | boolean;

type Coercer = (value: CellValue) => CellValue;
const same: Coercer = (v) => v;
const asString: Coercer = (v) => String(v);

/**
 * COERCE[columnType][valueType]: how a value fits a column that already has a type. A missing entry is
 * an incompatible conversion: the cell loads NULL and goes to rudder_discards.
 */
export const COERCE: Record<RudderType, Partial<Record<ValueType, Coercer>>> = {
  string: {
    string: same,
    int: asString,
    float: asString,
    boolean: asString,
    datetime: same,
    json: same,
    jsonText: same,
  },
  int: { int: same, float: (v) => Math.trunc(v as number) },
  float: { float: same, int: same },
  datetime: { datetime: same },
  boolean: { boolean: same },
  json: {
    json: same,
    jsonText: same,
    int: asString,
    float: asString,
    boolean: asString,
    string: (v) => JSON.stringify(v),
    datetime: (v) => JSON.stringify(v),
  },
};

export function discardReason(columnType: RudderType, valueType: ValueType): string {
  return `incompatible schema conversion from ${columnType} to ${COLUMN_TYPE_FOR[valueType]}`;
}
