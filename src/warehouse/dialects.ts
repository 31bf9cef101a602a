// What each warehouse needs to know to name, type and size things: one capabilities row per warehouse
// (after dlt's destination capabilities). Naming, flattening and typing are shared code driven by these
// rows; only DuckDB and PostgreSQL have a driver today, the other rows keep the rules in one place.
import { RESERVED_KEYWORDS } from './reserved-keywords.ts';

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
  /**
   * Bytes a row may hold inline (PostgreSQL: a heap tuple must fit an 8 kB page; long values move out
   * of line but each still leaves an 18-byte pointer, and short values cannot move). Cells that would
   * push a row past it go to rudder_discards. null = no such limit.
   */
  maxRowBytes: number | null;
  /** Whether resource tables get an index on `id` (row stores, where delete-then-insert needs it). */
  indexMergeKey: boolean;
  /**
   * Whether a single-key merge deletes with `key = ANY(ARRAY(SELECT key FROM stage))` rather than
   * DELETE ... USING. PostgreSQL plans the join as a scan of the whole table every batch (measured
   * 400-700 ms a batch at 300,000 rows); the array form always uses the key index (15-40 ms).
   */
  deleteByKeyArray?: boolean;
  /** Whether one ALTER TABLE may add several columns (PostgreSQL yes, DuckDB no). */
  alterAddMany: boolean;
  /** Rudder type → column type for CREATE TABLE / ADD COLUMN. */
  types: Record<RudderType, string>;
  /** Existing column type (information_schema data_type, any case) → rudder type, first match wins. */
  typeFromWarehouse: Array<[RegExp, RudderType]>;
}

const SQL_TYPES_BACK: Array<[RegExp, RudderType]> = [
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

const postgres: Dialect = {
  id: 'postgres',
  destinationType: 'POSTGRES',
  reservedKey: 'POSTGRES',
  identifierCase: 'lower',
  transformMaxLength: 63,
  maxIdentifierLength: 127,
  maxColumns: 1600,
  maxRowBytes: 8160,
  alterAddMany: true,
  indexMergeKey: true,
  deleteByKeyArray: true,
  types: {
    int: 'bigint',
    float: 'numeric',
    string: 'text',
    datetime: 'timestamptz',
    boolean: 'boolean',
    json: 'jsonb',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
};

/**
 * RudderStack never had DuckDB. It borrows PostgreSQL's naming profile (keywords, 63-character names) so
 * a DuckDB file and a PostgreSQL schema fed by the same source hold identical table and column names.
 */
const duckdb: Dialect = {
  ...postgres,
  id: 'duckdb',
  destinationType: 'DUCKDB',
  maxColumns: null,
  maxRowBytes: null,
  alterAddMany: false,
  indexMergeKey: false,
  types: {
    int: 'BIGINT',
    float: 'DOUBLE',
    string: 'VARCHAR',
    datetime: 'TIMESTAMPTZ',
    boolean: 'BOOLEAN',
    json: 'JSON',
  },
};

const snowflake: Dialect = {
  id: 'snowflake',
  destinationType: 'SNOWFLAKE',
  reservedKey: 'SNOWFLAKE',
  identifierCase: 'upper',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: null,
  maxRowBytes: null,
  alterAddMany: true,
  indexMergeKey: false,
  types: {
    int: 'number',
    float: 'double precision',
    string: 'varchar',
    datetime: 'timestamp_tz',
    boolean: 'boolean',
    json: 'variant',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
};

const bigquery: Dialect = {
  id: 'bigquery',
  destinationType: 'BQ',
  reservedKey: 'BQ',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 10000,
  maxRowBytes: null,
  alterAddMany: true,
  indexMergeKey: false,
  types: {
    int: 'INT64',
    float: 'FLOAT64',
    string: 'STRING',
    datetime: 'TIMESTAMP',
    boolean: 'BOOL',
    json: 'STRING',
  },
  typeFromWarehouse: [
    [/^INT64$/i, 'int'],
    [/^FLOAT64$/i, 'float'],
    [/^BOOL$/i, 'boolean'],
    ...SQL_TYPES_BACK,
  ],
};

const redshift: Dialect = {
  id: 'redshift',
  destinationType: 'RS',
  reservedKey: 'RS',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 1600,
  maxRowBytes: null,
  alterAddMany: true,
  indexMergeKey: false,
  types: {
    int: 'bigint',
    float: 'double precision',
    string: 'varchar(65535)',
    datetime: 'timestamp',
    boolean: 'boolean encode runlength',
    json: 'super',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
};

const clickhouse: Dialect = {
  id: 'clickhouse',
  destinationType: 'CLICKHOUSE',
  reservedKey: 'CLICKHOUSE',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 1000,
  maxRowBytes: null,
  alterAddMany: true,
  indexMergeKey: false,
  types: {
    int: 'Int64',
    float: 'Float64',
    string: 'String',
    datetime: 'DateTime',
    boolean: 'UInt8',
    json: 'String',
  },
  typeFromWarehouse: [
    [/Int\d+/, 'int'],
    [/Float\d+/, 'float'],
    [/DateTime/, 'datetime'],
    [/./, 'string'],
  ],
};

const mssql: Dialect = {
  id: 'mssql',
  destinationType: 'MSSQL',
  reservedKey: 'MSSQL',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 1024,
  maxRowBytes: null,
  alterAddMany: true,
  indexMergeKey: false,
  types: {
    int: 'bigint',
    float: 'decimal(28,10)',
    string: 'nvarchar(512)',
    datetime: 'datetimeoffset',
    boolean: 'bit',
    json: 'jsonb',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
};

export const DIALECTS = { postgres, duckdb, snowflake, bigquery, redshift, clickhouse, mssql } as const;
export type DialectId = keyof typeof DIALECTS;

export function reservedWords(dialect: Dialect): ReadonlySet<string> {
  return RESERVED_KEYWORDS[dialect.reservedKey] ?? new Set();
}

export function rudderTypeOf(dialect: Dialect, warehouseType: string): RudderType {
  for (const [pattern, type] of dialect.typeFromWarehouse) if (pattern.test(warehouseType)) return type;
  return 'string';
}
