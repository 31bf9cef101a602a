// The SQL part of a capabilities row: what differs between SQL warehouses, as data where it can be and as
// small statement builders where it cannot. The shared builders (statements.ts) write only ANSI forms
// (CAST, CREATE TABLE IF NOT EXISTS, INSERT … SELECT, DELETE/UPDATE … WHERE, LIMIT); everything beyond
// them is written here by the row of the dialect that speaks it (dialects/<id>.ts).
import type { DestinationDialect, RudderType } from '../capabilities.ts';

export type SqlParam = string | number | boolean | null;

/** A statement and its parameters (placeholders written by the dialect's `param`). */
export interface Statement {
  text: string;
  params: SqlParam[];
}

export interface SqlDialect {
  /** `name` as an identifier. */
  quote(name: string): string;
  /** The n-th (1-based) statement parameter. */
  param(n: number): string;
  /** Statements that open, commit and abandon a transaction; null = none (every statement stands alone). */
  transactions: { begin: string; commit: string; rollback: string } | null;
  /** Creates the namespace (schema, database; already quoted and qualified) if missing. */
  createNamespace(namespace: string): string;
  /** Makes `schema` the default for unqualified names (`acsync query`). */
  useNamespace(schema: string): string;
  /**
   * Reads a table's columns back in column order as `column_name` and `data_type` (the latter matched by
   * the row's typeFromWarehouse). No rows = no such table.
   */
  readColumns(schema: string, table: string): Statement;
  /** A datetime parameter (ISO-8601 text) as SQL; default `CAST(param AS <types.datetime>)`. */
  datetimeParam?(param: string): string;
  /**
   * A column's type in CREATE TABLE and ADD COLUMN; default `types[type]`, plus NOT NULL when the column
   * is not nullable. (ClickHouse would wrap Nullable(…) around every column outside the sort key.)
   */
  columnType?(column: { name: string; type: RudderType; nullable: boolean; inKey: boolean }): string;
  /** What follows CREATE TABLE's column list, given the key rows merge on (ClickHouse: the engine). */
  tableOptions?(key: readonly string[]): string;
  /** What ALTER TABLE says before a column definition to add it (`ADD COLUMN IF NOT EXISTS`). */
  addColumn: string;
  /** Whether one ALTER TABLE may add several columns. */
  alterAddMany: boolean;
  /** What creates a connection-private table, before its name (the merge stage). */
  createTemp: string;
  /** Deletes the rows of `target` whose key columns match a row of `stage` (delete-insert merges). */
  deleteStaged(target: string, stage: string, key: readonly string[]): string;
  /** Creates the index a delete by key needs (row stores), named `name`; null = no index. */
  keyIndex: ((target: string, name: string, key: readonly string[]) => string) | null;
  /** Error codes a concurrent CREATE … IF NOT EXISTS can still raise; the loser retries. */
  ddlRaceCodes: ReadonlySet<string>;
}

/** A row of a warehouse acsync writes to with SQL. */
export type SqlDestinationDialect = DestinationDialect & { sql: SqlDialect };

/** Standard SQL's double-quoted identifier. */
export function doubleQuote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Standard SQL's single-quoted string literal (for statements that take no parameters, like SET). */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** information_schema.columns (standard SQL), in the catalog `catalog` (an SQL expression). */
export function informationSchemaColumns(
  param: (n: number) => string,
  catalog: string,
  schema: string,
  table: string,
): Statement {
  return {
    text:
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ${catalog} ` +
      `AND table_schema = ${param(1)} AND table_name = ${param(2)} ORDER BY ordinal_position`,
    params: [schema, table],
  };
}
