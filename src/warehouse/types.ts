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

// YYYY-MM-DD, optionally followed by a time (minutes required, seconds and fraction optional) and a zone.
const TIMESTAMP =
  /^([+-]?\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d+))?)?(Z|z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?$/;
const MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The ISO-8601 UTC form of a string RudderStack reads as a timestamp, or null. Naive timestamps are UTC;
 * impossible dates (`2024-02-30`, `0000-00-00 00:00:00`) stay strings.
 */
export function parseTimestamp(s: string): string | null {
  // Cheap gate before the regex: most strings are not timestamps.
  if (s.length < 10 || s.length > 48) return null;
  // The year's dash must be where a 4-digit (or signed 4-digit) year puts it.
  const c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    if (s.charCodeAt(4) !== 45) return null;
  } else if ((c0 !== 43 && c0 !== 45) || s.charCodeAt(5) !== 45) return null;
  const m = TIMESTAMP.exec(s);
  if (!m) return null;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (day > 28 && day > daysInMonth(year, month)) return null;
  let ms =
    daysFromCivil(year, month, day) * 86_400_000 +
    (m[4] ? +m[4] * 3_600_000 + +m[5] * 60_000 + (m[6] ? +m[6] * 1000 : 0) : 0);
  const frac = m[7];
  if (frac) ms += +(frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, '0')); // milliseconds, truncated
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
    const digits = zone.length === 6 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
    const offsetMin = +digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2) : 0);
    ms -= sign * offsetMin * 60_000;
  }
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
