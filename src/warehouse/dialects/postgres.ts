// PostgreSQL's capabilities row: RudderStack's POSTGRES naming profile (63-character names), its type
// map, the heap tuple's size limit and the PostgreSQL SQL the shared statements need.
import { type RowSizeLimit, type RudderType, SQL_TYPES_BACK } from '../capabilities.ts';
import {
  doubleQuote,
  informationSchemaColumns,
  type SqlDestinationDialect,
  type SqlDialect,
} from '../sql/dialect.ts';
import type { CellValue } from '../types.ts';

/**
 * A heap tuple must fit an 8 kB page (8160 usable bytes). Long values are compressed or moved out of
 * line but each still leaves an 18-byte pointer, and short values cannot move: a row of many short
 * fields can exceed the page, and PostgreSQL then refuses the whole batch.
 */
const HEAP_TUPLE: RowSizeLimit = {
  // Tuple header, null bitmap, 8 bytes for each non-record column (RudderStack's), and a margin.
  budget: (columns, recordColumns) =>
    8160 - 32 - Math.ceil(columns / 8) - 8 * (columns - recordColumns) - 256,
  cellBytes(type: RudderType, value: CellValue): number {
    switch (type) {
      case 'int':
      case 'datetime':
        return 15; // 8 bytes + worst-case alignment padding
      case 'boolean':
        return 1;
      default: {
        const s = String(value);
        // Longer values are compressed or moved out of line, leaving an 18-byte pointer.
        if (s.length > 2000) return 18 + 3;
        const bytes = Buffer.byteLength(s);
        return bytes < 127 ? bytes + 1 : bytes + 4 + 3;
      }
    }
  },
};

const param = (n: number) => `$${n}`;

/**
 * Deletes the staged keys' rows. PostgreSQL plans DELETE … USING as a scan of the whole table every batch
 * (measured 400-700 ms a batch at 300,000 rows); `= ANY(ARRAY(subquery))` always uses the key index
 * (15-40 ms). Several key columns join with DELETE … USING. DuckDB speaks both forms and uses this too.
 */
export function deleteStaged(target: string, stage: string, key: readonly string[]): string {
  if (key.length === 1) {
    const k = doubleQuote(key[0]!);
    return `DELETE FROM ${target} WHERE ${k} = ANY(ARRAY(SELECT ${k} FROM ${doubleQuote(stage)}))`;
  }
  const on = key.map((k) => `t.${doubleQuote(k)} = s.${doubleQuote(k)}`).join(' AND ');
  return `DELETE FROM ${target} AS t USING ${doubleQuote(stage)} AS s WHERE ${on}`;
}

const sql: SqlDialect = {
  quote: doubleQuote,
  param,
  transactions: { begin: 'BEGIN', commit: 'COMMIT', rollback: 'ROLLBACK' },
  createNamespace: (namespace) => `CREATE SCHEMA IF NOT EXISTS ${namespace}`,
  useNamespace: (schema) => `SET search_path TO ${doubleQuote(schema)}, public`,
  readColumns: (schema, table) => informationSchemaColumns(param, 'current_database()', schema, table),
  addColumn: 'ADD COLUMN IF NOT EXISTS',
  alterAddMany: true,
  createTemp: 'CREATE TEMP TABLE',
  deleteStaged,
  // Without it every delete-then-insert merge scans the table. Adopted tables get one too (RudderStack
  // created none).
  keyIndex: (target, name, key) =>
    `CREATE INDEX IF NOT EXISTS ${doubleQuote(name)} ON ${target} (${key.map(doubleQuote).join(', ')})`,
  // Concurrent CREATE … IF NOT EXISTS still collides in the catalog: a unique violation, or the table,
  // schema or the table's row type (42710) already existing.
  ddlRaceCodes: new Set(['23505', '42P07', '42P06', '42710']),
};

export const postgres: SqlDestinationDialect = {
  id: 'postgres',
  destinationType: 'POSTGRES',
  reservedKey: 'POSTGRES',
  identifierCase: 'lower',
  transformMaxLength: 63,
  maxIdentifierLength: 127,
  maxColumns: 1600,
  types: {
    int: 'bigint',
    float: 'numeric',
    string: 'text',
    datetime: 'timestamptz',
    boolean: 'boolean',
    json: 'jsonb',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
  rowLimit: HEAP_TUPLE,
  merge: 'delete-insert',
  sql,
};
