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
const MIN_MS = Date.UTC(1, 0, 1) - 1;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The ISO-8601 UTC form of a string RudderStack reads as a timestamp, or null. Naive timestamps are UTC;
 * impossible dates (`2024-02-30`, `0000-00-00 00:00:00`) stay strings.
 */
export function parseTimestamp(s: string): string | null {
  // Cheap gate before the regex: most strings are not timestamps.
  const c0 = s.charCodeAt(0);
  if (s.length < 10 || s.length > 48 || !((c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 45)) return null;
  const m = TIMESTAMP.exec(s);
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (day > daysInMonth(year, month)) return null;
  let ms = Date.UTC(0, month - 1, day, hh ? Number(hh) : 0, mi ? Number(mi) : 0, ss ? Number(ss) : 0);
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly.
  const date = new Date(ms);
  date.setUTCFullYear(year);
  ms = date.getTime();
  if (frac) ms += Number(frac.slice(0, 3).padEnd(3, '0')); // milliseconds, truncated like Date
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offsetMin * 60_000;
  }
  if (ms < MIN_MS || ms > MAX_MS) return null;
  return new Date(ms).toISOString();
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
