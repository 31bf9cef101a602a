// DuckDB's capabilities row. RudderStack never had DuckDB: it borrows PostgreSQL's naming profile
// (keywords, 63-character names) so a DuckDB file and a PostgreSQL schema fed by the same source hold
// identical table and column names. Its SQL is DuckDB's own, sharing PostgreSQL's delete of staged keys.
import {
  doubleQuote,
  informationSchemaColumns,
  type SqlDestinationDialect,
  type SqlDialect,
  stringLiteral,
} from '../sql/dialect.ts';
import { deleteStaged, postgres } from './postgres.ts';

const param = (n: number) => `$${n}`;

const sql: SqlDialect = {
  quote: doubleQuote,
  param,
  transactions: { begin: 'BEGIN', commit: 'COMMIT', rollback: 'ROLLBACK' },
  createNamespace: (namespace) => `CREATE SCHEMA IF NOT EXISTS ${namespace}`,
  useNamespace: (schema) => `SET schema = ${stringLiteral(schema)}`,
  readColumns: (schema, table) => informationSchemaColumns(param, 'current_database()', schema, table),
  addColumn: 'ADD COLUMN IF NOT EXISTS',
  alterAddMany: false,
  createTemp: 'CREATE TEMP TABLE',
  deleteStaged,
  // None: DuckDB tables were never given one.
  keyIndex: null,
  ddlRaceCodes: new Set(),
};

export const duckdb: SqlDestinationDialect = {
  ...postgres,
  id: 'duckdb',
  destinationType: 'DUCKDB',
  maxColumns: null,
  types: {
    int: 'BIGINT',
    float: 'DOUBLE',
    string: 'VARCHAR',
    datetime: 'TIMESTAMPTZ',
    boolean: 'BOOLEAN',
    json: 'JSON',
  },
  rowLimit: null,
  sql,
};
