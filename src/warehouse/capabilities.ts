// What a capabilities row holds (after dlt's destination capabilities): the shape of the rows in
// dialects.ts and dialects/*.ts, and the two lookups every part of the layer shares. Rows import only
// this module (and sql/dialect.ts), so the table in dialects.ts can import the rows without a cycle.
import { RESERVED_KEYWORDS } from './reserved-keywords.ts';
import type { SqlDialect } from './sql/dialect.ts';
import type { CellValue } from './types.ts';

/** RudderStack's column types (§7). `text` (Redshift) is left out: no driver writes it. */
export type RudderType = 'int' | 'float' | 'string' | 'datetime' | 'boolean' | 'json';

export interface Dialect {
  id: string;
  /** The value written into context_destination_type. */
  destinationType: string;
  /** Key into RESERVED_KEYWORDS. */
  reservedKey: string;
  identifierCase: 'lower' | 'upper';
  /** Truncation applied by transformColumnName itself (PostgreSQL only: 63). */
  transformMaxLength: number | null;
  /** Truncation applied after reserved-word escaping (127 on every warehouse; null for data lakes). */
  maxIdentifierLength: number | null;
  /** Columns a table may hold; values for columns beyond it go to rudder_discards. */
  maxColumns: number | null;
  /** Rudder type → column type for CREATE TABLE / ADD COLUMN. */
  types: Record<RudderType, string>;
  /** Existing column type (information_schema data_type, any case) → rudder type, first match wins. */
  typeFromWarehouse: Array<[RegExp, RudderType]>;
}

/**
 * How much of a row a warehouse can hold: cells that would push a row past it go to rudder_discards
 * (batch.ts asks while fitting each row). Only PostgreSQL has one (dialects/postgres.ts).
 */
export interface RowSizeLimit {
  /** Bytes left for the record's values in a row of `columns` columns, `recordColumns` of them the record's. */
  budget(columns: number, recordColumns: number): number;
  /** Upper estimate of the bytes `value` takes in the row as a `type` column. */
  cellBytes(type: RudderType, value: CellValue): number;
}

/**
 * A warehouse acsync writes to: the naming profile plus what loading needs. The family-specific part
 * (`sql` for SQL databases) says how; a new destination is this row plus its driver (docs/ARCHITECTURE.md).
 */
export interface DestinationDialect extends Dialect {
  /** See RowSizeLimit; null = rows are only bounded by the column limit. */
  rowLimit: RowSizeLimit | null;
  /**
   * Why the destination cannot hold a value already fitted to a column of `type` (ClickHouse: datetimes
   * outside its DateTime range), or null; such a cell goes to rudder_discards. Absent = every value fits.
   */
  refuseCell?(type: RudderType, value: CellValue): string | null;
  /**
   * How "one row per id" is kept. `delete-insert`: a batch replaces the rows of its ids at once (through
   * a stage when some may exist). `append`: rows are only ever added, and the destination (ClickHouse's
   * ReplacingMergeTree) or the documented read (a lake's latest row per id) resolves the newest.
   */
  merge: 'delete-insert' | 'append';
  /** Statements and SQL rules, for destinations driven by SQL (sql/dialect.ts); null for the others. */
  sql: SqlDialect | null;
}

export const SQL_TYPES_BACK: Array<[RegExp, RudderType]> = [
  [
    /^(bigint|integer|int\d*|smallint|tinyint|hugeint|ubigint|uinteger|usmallint|utinyint|number\(\d+,\s*0\))$/i,
    'int',
  ],
  [/^(numeric|decimal|double|double precision|real|float\d*|number)\b/i, 'float'],
  [/^(timestamp|date|datetime)/i, 'datetime'],
  [/^(boolean|bool|bit)$/i, 'boolean'],
  [/^(jsonb?|super|variant)$/i, 'json'],
  [/./, 'string'],
];

export function reservedWords(dialect: Dialect): ReadonlySet<string> {
  return RESERVED_KEYWORDS[dialect.reservedKey] ?? new Set();
}

export function rudderTypeOf(dialect: Dialect, warehouseType: string): RudderType {
  for (const [pattern, type] of dialect.typeFromWarehouse) if (pattern.test(warehouseType)) return type;
  return 'string';
}
