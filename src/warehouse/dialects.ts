// The capabilities rows, one per warehouse. Naming, flattening, typing, schema tracking, merging, state
// and run history are shared code driven by them. Rows of destinations acsync writes to
// (DestinationDialect) live in dialects/<id>.ts next to their driver in destinations/<id>.ts; the rows
// below describe RudderStack's naming and typing for warehouses without a driver yet, so those rules
// stay in one place (a future driver completes its row into a DestinationDialect).
import { type Dialect, SQL_TYPES_BACK } from './capabilities.ts';
import { clickhouse } from './dialects/clickhouse.ts';
import { localDatalake, s3Datalake } from './dialects/datalake.ts';
import { duckdb } from './dialects/duckdb.ts';
import { postgres } from './dialects/postgres.ts';

export {
  type DestinationDialect,
  type Dialect,
  type RowSizeLimit,
  type RudderType,
  reservedWords,
  rudderTypeOf,
} from './capabilities.ts';

const snowflake: Dialect = {
  id: 'snowflake',
  destinationType: 'SNOWFLAKE',
  reservedKey: 'SNOWFLAKE',
  identifierCase: 'upper',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: null,
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

const mssql: Dialect = {
  id: 'mssql',
  destinationType: 'MSSQL',
  reservedKey: 'MSSQL',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: 127,
  maxColumns: 1024,
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

export const DIALECTS = {
  postgres,
  duckdb,
  's3-datalake': s3Datalake,
  'local-datalake': localDatalake,
  snowflake,
  bigquery,
  redshift,
  clickhouse,
  mssql,
} as const;
export type DialectId = keyof typeof DIALECTS;
