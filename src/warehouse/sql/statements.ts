// Statement builders shared by every SQL destination: pure functions of a dialect row (sql/dialect.ts)
// that write only ANSI forms; what is not ANSI comes from the row. `target` arguments are already
// qualified and quoted table names.
import type { RudderType } from '../capabilities.ts';
import type { ColumnSpec, FindOptions, RecordRow, RecordSpec, RecordValue } from '../storage.ts';
import type { SqlDestinationDialect, SqlParam, Statement } from './dialect.ts';

/** Collects a statement's parameters, writing each placeholder the dialect's way. */
export class Params {
  readonly values: SqlParam[] = [];
  constructor(private readonly d: SqlDestinationDialect) {}

  /** The placeholder for `value`; datetimes go in as ISO-8601 text cast to the dialect's datetime type. */
  add(value: RecordValue, type?: RudderType): string {
    const isDate = value instanceof Date;
    this.values.push(isDate ? value.toISOString() : value);
    const p = this.d.sql.param(this.values.length);
    return type === 'datetime' || isDate ? datetimeParam(this.d, p) : p;
  }
}

function datetimeParam(d: SqlDestinationDialect, param: string): string {
  return d.sql.datetimeParam ? d.sql.datetimeParam(param) : `CAST(${param} AS ${d.types.datetime})`;
}

function columnDef(d: SqlDestinationDialect, c: ColumnSpec, key: readonly string[] = []): string {
  const nullable = c.nullable !== false;
  const type = d.sql.columnType
    ? d.sql.columnType({ name: c.name, type: c.type, nullable, inKey: key.includes(c.name) })
    : `${d.types[c.type]}${nullable ? '' : ' NOT NULL'}`;
  return `${d.sql.quote(c.name)} ${type}`;
}

export function createTable(
  d: SqlDestinationDialect,
  target: string,
  columns: readonly ColumnSpec[],
  options: {
    ifNotExists?: boolean;
    /** What rows are merged on (passed to the dialect's tableOptions). */
    key?: readonly string[];
    /** Declared as the table's PRIMARY KEY (acsync's own tables; resource tables have none, as RudderStack's). */
    primaryKey?: boolean;
  } = {},
): string {
  const key = options.key ?? [];
  const defs = columns.map((c) => columnDef(d, c, key));
  if (options.primaryKey && key.length) defs.push(`PRIMARY KEY (${key.map(d.sql.quote).join(', ')})`);
  const tail = d.sql.tableOptions ? ` ${d.sql.tableOptions(key)}` : '';
  return `CREATE TABLE ${options.ifNotExists ? 'IF NOT EXISTS ' : ''}${target} (${defs.join(', ')})${tail}`;
}

/** One statement, or one per column where the dialect adds a column per ALTER TABLE. */
export function addColumns(
  d: SqlDestinationDialect,
  target: string,
  columns: ReadonlyArray<[string, RudderType]>,
): string[] {
  const adds = columns.map(([name, type]) => `${d.sql.addColumn} ${columnDef(d, { name, type })}`);
  if (adds.length === 0) return [];
  return d.sql.alterAddMany
    ? [`ALTER TABLE ${target} ${adds.join(', ')}`]
    : adds.map((add) => `ALTER TABLE ${target} ${add}`);
}

export function anyRow(target: string): string {
  return `SELECT 1 AS x FROM ${target} LIMIT 1`;
}

export function createStage(d: SqlDestinationDialect, stage: string, columns: readonly ColumnSpec[]): string {
  return `${d.sql.createTemp} ${d.sql.quote(stage)} (${columns.map((c) => columnDef(d, c)).join(', ')})`;
}

export function insertFromStage(
  d: SqlDestinationDialect,
  target: string,
  stage: string,
  columns: readonly ColumnSpec[],
): string {
  const names = columns.map((c) => d.sql.quote(c.name)).join(', ');
  return `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${d.sql.quote(stage)}`;
}

export function dropTable(d: SqlDestinationDialect, name: string): string {
  return `DROP TABLE ${d.sql.quote(name)}`;
}

/**
 * The name of `table`'s index on `key`: unique per table (a hash of the full name, which may be longer
 * than an index name may be) and stable, so CREATE INDEX IF NOT EXISTS finds the one made before.
 */
export function keyIndexName(table: string, key: readonly string[]): string {
  return `${table.slice(0, 40)}_${hash8(table)}_${key.join('_')}_idx`;
}

function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

// ─────────────── bookkeeping tables (RecordTable) ───────────────

function typeOf(spec: RecordSpec, column: string): RudderType {
  const c = spec.columns.find((x) => x.name === column);
  if (!c) throw new Error(`${spec.table} has no column ${column}`);
  return c.type;
}

/** `a = $1 AND b = $2`, or TRUE-equivalent `1 = 1` for an empty filter. */
function conditions(d: SqlDestinationDialect, spec: RecordSpec, where: RecordRow, p: Params): string {
  const parts = Object.entries(where).map(
    ([column, value]) => `${d.sql.quote(column)} = ${p.add(value, typeOf(spec, column))}`,
  );
  return parts.length ? parts.join(' AND ') : '1 = 1';
}

export function selectRecords(
  d: SqlDestinationDialect,
  target: string,
  spec: RecordSpec,
  where: RecordRow,
  options: FindOptions = {},
): Statement {
  const p = new Params(d);
  let text = `SELECT ${spec.columns.map((c) => d.sql.quote(c.name)).join(', ')} FROM ${target} WHERE ${conditions(d, spec, where, p)}`;
  if (options.orderBy?.length)
    text += ` ORDER BY ${options.orderBy.map(([c, dir]) => `${d.sql.quote(c)} ${dir.toUpperCase()}`).join(', ')}`;
  if (options.limit !== undefined) text += ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
  return { text, params: p.values };
}

/** One multi-row INSERT of every spec column (absent values NULL). */
export function insertRecords(
  d: SqlDestinationDialect,
  target: string,
  spec: RecordSpec,
  rows: readonly RecordRow[],
): Statement {
  const p = new Params(d);
  const tuples = rows.map(
    (row) => `(${spec.columns.map((c) => p.add(row[c.name] ?? null, c.type)).join(', ')})`,
  );
  const names = spec.columns.map((c) => d.sql.quote(c.name)).join(', ');
  return { text: `INSERT INTO ${target} (${names}) VALUES ${tuples.join(', ')}`, params: p.values };
}

/** Deletes the rows matching any of `filters` (each an AND of equalities). */
export function deleteRecords(
  d: SqlDestinationDialect,
  target: string,
  spec: RecordSpec,
  filters: readonly RecordRow[],
): Statement {
  const p = new Params(d);
  const where = filters.map((f) => `(${conditions(d, spec, f, p)})`).join(' OR ');
  return { text: `DELETE FROM ${target} WHERE ${where}`, params: p.values };
}

export function updateRecords(
  d: SqlDestinationDialect,
  target: string,
  spec: RecordSpec,
  where: RecordRow,
  set: RecordRow,
): Statement {
  const p = new Params(d);
  const sets = Object.entries(set)
    .map(([column, value]) => `${d.sql.quote(column)} = ${p.add(value, typeOf(spec, column))}`)
    .join(', ');
  return { text: `UPDATE ${target} SET ${sets} WHERE ${conditions(d, spec, where, p)}`, params: p.values };
}

/**
 * Marks and unmarks deleted rows against staged ids (warehouse/deletes.ts): an anti-join and a semi-join
 * on the id as text, then the stage's rows of the scan are removed.
 */
export function markUnseenStatements(
  d: SqlDestinationDialect,
  target: string,
  column: string,
  seen: { target: string; scan: string },
  at: Date,
): { mark: Statement; unmark: Statement; clear: Statement } {
  const col = d.sql.quote(column);
  const match = (p: Params) =>
    `SELECT 1 FROM ${seen.target} s WHERE s.${d.sql.quote('scan')} = ${p.add(seen.scan)} AND s.${d.sql.quote('id')} = CAST(t.${d.sql.quote('id')} AS ${d.types.string})`;
  const pm = new Params(d);
  const markText = `UPDATE ${target} AS t SET ${col} = ${pm.add(at, 'datetime')} WHERE ${col} IS NULL AND NOT EXISTS (${match(pm)})`;
  const pu = new Params(d);
  const unmarkText = `UPDATE ${target} AS t SET ${col} = NULL WHERE ${col} IS NOT NULL AND EXISTS (${match(pu)})`;
  const pc = new Params(d);
  const clearText = `DELETE FROM ${seen.target} WHERE ${d.sql.quote('scan')} = ${pc.add(seen.scan)}`;
  return {
    mark: { text: markText, params: pm.values },
    unmark: { text: unmarkText, params: pu.values },
    clear: { text: clearText, params: pc.values },
  };
}
