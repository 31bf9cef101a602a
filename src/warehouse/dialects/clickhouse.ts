// ClickHouse's capabilities row and its SQL, as RudderStack's ClickHouse destination wrote tables
// (rudder-server warehouse/integrations/clickhouse): Int64 / Float64 / String / DateTime / UInt8, every
// column Nullable except the sort key, `event` LowCardinality(String), and
// ReplacingMergeTree() ORDER BY ("received_at","id") PARTITION BY toDate(received_at).
//
// ClickHouse has no transactions and merges replacing rows in the background, so it is its own family
// (destinations/clickhouse.ts implements Storage directly) and this row says `merge: 'append'`. The
// statements here are written for the oldest server we test against (Debian's 18.16): no DateTime64, no
// ADD COLUMN IF NOT EXISTS, no server-side parameters (values are inlined as escaped literals), no Bool.
import type { DestinationDialect, RudderType } from '../capabilities.ts';
import type { CellValue } from '../types.ts';

/** ClickHouse's DateTime is seconds since 1970 in a UInt32. */
const DATETIME_MIN = '1970-01-01T00:00:00';
const DATETIME_MAX = '2106-02-07T06:28:15';

/** Why ClickHouse cannot hold a fitted value (it goes to rudder_discards), or null. */
function refuseCell(type: RudderType, value: CellValue): string | null {
  if (type !== 'datetime') return null;
  const s = String(value);
  return s >= DATETIME_MIN && s <= DATETIME_MAX
    ? null
    : 'the value is outside the range of ClickHouse DateTime (1970-01-01 to 2106-02-07)';
}

/** RudderStack's sort key for event tables; the discards table is sorted by the time it was received. */
export const SORT_KEY = ['received_at', 'id'] as const;

export const clickhouse: DestinationDialect = {
  id: 'clickhouse',
  destinationType: 'CLICKHOUSE',
  reservedKey: 'CLICKHOUSE',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 1000,
  types: {
    int: 'Int64',
    float: 'Float64',
    string: 'String',
    datetime: 'DateTime',
    boolean: 'UInt8',
    json: 'String',
  },
  // Types as system.columns reports them, wrappers included (Nullable(Int64), LowCardinality(String)).
  typeFromWarehouse: [
    [/^(Nullable\()?UInt8\)?$/, 'boolean'],
    [/U?Int\d+/, 'int'],
    [/Float\d+|Decimal/, 'float'],
    [/DateTime|\bDate\b/, 'datetime'],
    [/./, 'string'],
  ],
  rowLimit: null,
  refuseCell,
  merge: 'append',
  sql: null,
};

/** A ClickHouse identifier (double quotes, as RudderStack's DDL writes them). */
export function quote(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A string literal: backslashes and single quotes escaped (the server has no query parameters). */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** RudderStack's column type: Nullable outside the sort key, LowCardinality for `event`. */
export function columnType(name: string, type: RudderType, inSortKey: boolean): string {
  if (name === 'event') return 'LowCardinality(String)';
  const base = clickhouse.types[type];
  return inSortKey ? base : `Nullable(${base})`;
}

/** Settings every statement may need on 18.16 (LowCardinality is experimental there). */
export const DDL_SETTINGS = { allow_experimental_low_cardinality_type: 1 } as const;

/**
 * CREATE TABLE for a data table merged on `key`: RudderStack's engine and sort key for tables keyed by
 * id; other keys (rudder_discards) are sorted by received_at and then the key, so a cell discarded twice
 * in one second collapses to one row.
 */
export function createDataTable(
  target: string,
  columns: ReadonlyArray<[string, RudderType]>,
  key: readonly string[],
): string {
  const sort = key.length === 1 && key[0] === 'id' ? [...SORT_KEY] : ['received_at', ...key];
  const all = new Map(columns);
  // The sort key's columns must exist (and cannot be Nullable).
  for (const k of sort) if (!all.has(k)) all.set(k, k === 'received_at' ? 'datetime' : 'string');
  const defs = [...all].map(
    ([name, type]) => `${quote(name)} ${columnType(name, type, sort.includes(name))}`,
  );
  return (
    `CREATE TABLE IF NOT EXISTS ${target} (${defs.join(', ')}) ENGINE = ReplacingMergeTree() ` +
    `ORDER BY (${sort.map(quote).join(',')}) PARTITION BY toDate(received_at)`
  );
}

/**
 * The documented read of the newest row per key. Resource tables: FINAL collapses rows of one id written
 * in the same second (the last inserted wins), then LIMIT BY keeps the newest received_at. rudder_discards
 * is read without FINAL: RudderStack's own is sorted by received_at alone, where FINAL would collapse
 * different cells.
 */
export function latestRows(target: string, key: readonly string[] = ['id']): string {
  const final = key.length === 1 && key[0] === 'id' ? ' FINAL' : '';
  return `SELECT * FROM ${target}${final} ORDER BY received_at DESC LIMIT 1 BY ${key.map(quote).join(', ')}`;
}
