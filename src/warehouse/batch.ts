// Turning a batch of records into load-ready rows, independent of any database: flatten, dedupe by id
// (the last occurrence wins: every row of a batch shares one received_at), decide column types (the
// table's existing type wins, else the first value seen), coerce values and collect discards.
import type { SourceRecord } from '../core/contracts.ts';
import type { RowSizeLimit, RudderType } from './dialects.ts';
import type { CellSink, Flattener } from './flatten.ts';
import { BATCH_COLUMNS, RUDDER_COLUMN_SET, type RudderValues } from './rudder-columns.ts';
import { type CellValue, COERCE, COLUMN_TYPE_FOR, discardReason, type ValueType } from './types.ts';

export { RUDDER_COLUMN_SET, type RudderValues } from './rudder-columns.ts';

interface FlatRow {
  id: CellValue;
  idType: ValueType;
  /** Values by batch column index (undefined = blank for this row). */
  values: Array<CellValue | undefined>;
  types: ValueType[];
}

/** A batch flattened and deduplicated, before it meets the table's schema. */
export interface FlatBatch {
  /** Record columns in first-seen order. */
  columns: string[];
  /** The type each record column would get if it were new: its first value's type. */
  firstTypes: RudderType[];
  idType: RudderType;
  rows: FlatRow[];
}

export class BatchError extends Error {}

/** Collects a batch's cells by column index, registering columns as they first appear. */
class BatchSink implements CellSink {
  readonly index = new Map<string, number>();
  readonly columns: string[] = [];
  readonly firstTypes: RudderType[] = [];
  values: Array<CellValue | undefined> = [];
  types: ValueType[] = [];
  /** The record being flattened, and the record each column first appeared in. */
  row = 0;
  private readonly firstRow: number[] = [];

  put(name: string, value: CellValue, type: ValueType): void {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.columns.length;
      this.index.set(name, i);
      this.columns.push(name);
      this.firstTypes.push(COLUMN_TYPE_FOR[type]);
      this.firstRow.push(this.row);
    } else if (this.firstRow[i] === this.row) {
      // Put again in its first record (two keys, one column): the cell that stays gives the type.
      this.firstTypes[i] = COLUMN_TYPE_FOR[type];
    }
    this.values[i] = value;
    this.types[i] = type;
  }
}

export function flattenBatch(
  flattener: Flattener,
  records: readonly SourceRecord[],
  primaryKey: string,
  resource: string,
): FlatBatch {
  const sink = new BatchSink();
  const byId = new Map<string, number>();
  const rows: FlatRow[] = [];
  let idType: RudderType | null = null;
  for (let r = 0; r < records.length; r++) {
    const record = records[r];
    const rawId = record[primaryKey];
    let id: CellValue;
    let type: ValueType;
    if (typeof rawId === 'string' && rawId !== '') {
      id = rawId;
      type = 'string';
    } else if (typeof rawId === 'number' && Number.isFinite(rawId)) {
      id = rawId;
      type = Number.isInteger(rawId) ? 'int' : 'float';
    } else {
      throw new BatchError(
        `${resource}: record ${r + 1} of the batch has no usable primary key "${primaryKey}" (got ${JSON.stringify(rawId) ?? 'undefined'})`,
      );
    }
    idType ??= COLUMN_TYPE_FOR[type];
    const values: Array<CellValue | undefined> = [];
    const types: ValueType[] = [];
    sink.values = values;
    sink.types = types;
    sink.row = r;
    flattener.flattenInto(record, sink);
    const row: FlatRow = { id, idType: type, values, types };
    const key = `${type === 'string' ? 's' : 'n'}${id}`;
    const seen = byId.get(key);
    if (seen === undefined) {
      byId.set(key, rows.length);
      rows.push(row);
    } else rows[seen] = row;
  }
  return { columns: sink.columns, firstTypes: sink.firstTypes, idType: idType ?? 'string', rows };
}

/** What the table must gain before the batch can load. */
export interface ColumnPlan {
  /** Columns to add (or, for a new table, to create), with their types. */
  add: Array<[string, RudderType]>;
  /** Record columns that do not fit under the warehouse's column limit: their values are discarded. */
  overflow: Set<string>;
}

export function planColumns(
  batch: FlatBatch,
  existing: ReadonlyMap<string, RudderType> | null,
  maxColumns: number | null,
  /** Columns of many types by design: created as strings, so no value is discarded for its type. */
  stringColumns?: ReadonlySet<string>,
): ColumnPlan {
  const add: Array<[string, RudderType]> = [];
  const overflow = new Set<string>();
  let count = existing?.size ?? 0;
  const want: Array<[string, RudderType]> = [];
  if (!existing) {
    want.push(['id', batch.idType]);
    for (const { name, type } of BATCH_COLUMNS) want.push([name, type]);
  }
  for (let i = 0; i < batch.columns.length; i++) {
    const name = batch.columns[i];
    want.push([name, stringColumns?.has(name) ? 'string' : batch.firstTypes[i]]);
  }
  for (const [name, type] of want) {
    if (existing?.has(name)) continue;
    if (maxColumns !== null && count >= maxColumns && !RUDDER_COLUMN_SET.has(name)) {
      overflow.add(name);
      continue;
    }
    add.push([name, type]);
    count++;
  }
  if (existing) {
    // An adopted table may lack some of RudderStack's columns: add them too.
    for (const { name, type } of BATCH_COLUMNS) if (!existing.has(name)) add.push([name, type]);
    if (!existing.has('id')) add.push(['id', batch.idType]);
  }
  return { add, overflow };
}

export interface DiscardRow {
  tableName: string;
  rowId: string;
  columnName: string;
  columnValue: string;
  reason: string;
}

export interface LoadColumn {
  name: string;
  type: RudderType;
}

export interface FittedBatch {
  columns: LoadColumn[];
  /** Rows in `columns` order; null = NULL. */
  rows: Array<Array<CellValue | null>>;
  discards: DiscardRow[];
}

/**
 * Rows produced lazily, one reused array at a time (drivers must not keep a row after the next is
 * asked for), so a batch is never held twice in memory. `discards` and `count()` are complete once
 * `rows` has been iterated; iterate it exactly once.
 */
export interface FittedStream {
  columns: LoadColumn[];
  rows: Iterable<ReadonlyArray<CellValue | null>>;
  discards: DiscardRow[];
  count(): number;
}

/** fitRowsStream, collected: for tests and small tables. */
export function fitRows(
  batch: FlatBatch,
  schema: ReadonlyMap<string, RudderType>,
  overflow: ReadonlySet<string>,
  rudder: RudderValues,
  tableName: string,
  rowLimit: RowSizeLimit | null = null,
): FittedBatch {
  const stream = fitRowsStream(batch, schema, overflow, rudder, tableName, rowLimit);
  const rows: Array<Array<CellValue | null>> = [];
  for (const row of stream.rows) rows.push(row.slice());
  return { columns: stream.columns, rows, discards: stream.discards };
}

/** Coerces every value to its column's type (the table's schema is the truth) and collects discards. */
export function fitRowsStream(
  batch: FlatBatch,
  schema: ReadonlyMap<string, RudderType>,
  overflow: ReadonlySet<string>,
  rudder: RudderValues,
  tableName: string,
  /** The destination's row size limit (dialect rowLimit); cells past it go to rudder_discards. */
  rowLimit: RowSizeLimit | null = null,
  /** The destination's veto on single values (dialect refuseCell); refused cells go to rudder_discards. */
  refuseCell?: (type: RudderType, value: CellValue) => string | null,
): FittedStream {
  const columns: LoadColumn[] = [];
  const template: Array<CellValue | null> = [];
  const at = new Map<string, number>();
  const use = (name: string): number => {
    let i = at.get(name);
    if (i === undefined) {
      i = columns.length;
      at.set(name, i);
      columns.push({ name, type: schema.get(name)! });
      template.push(null);
    }
    return i;
  };
  const idAt = use('id');
  for (const { name, type: valueType, from } of BATCH_COLUMNS) {
    if (!schema.has(name)) continue;
    // An adopted table may type these differently; constants are strings or ISO datetimes.
    const coerce = COERCE[schema.get(name)!][valueType];
    const value = rudder[from];
    template[use(name)] = coerce && value != null ? coerce(value) : null;
  }
  const slot: number[] = [];
  for (let i = 0; i < batch.columns.length; i++) {
    const name = batch.columns[i];
    slot.push(overflow.has(name) || !schema.has(name) ? -1 : use(name));
  }
  const idColumnType = schema.get('id')!;
  const discards: DiscardRow[] = [];
  const budget =
    rowLimit === null ? Number.POSITIVE_INFINITY : rowLimit.budget(columns.length, slotCount(slot));
  const cellBytes = rowLimit?.cellBytes;
  const width = columns.length;
  const row: Array<CellValue | null> = new Array(width).fill(null);
  let count = 0;
  function* rows(): Generator<ReadonlyArray<CellValue | null>> {
    for (const flat of batch.rows) {
      let used = 0;
      const rowId = String(flat.id);
      const id = fitId(flat.id, flat.idType, idColumnType);
      if (id === null) {
        discards.push({
          tableName,
          rowId,
          columnName: 'id',
          columnValue: rowId,
          reason: `${discardReason(idColumnType, flat.idType)}; the record was not loaded`,
        });
        continue;
      }
      for (let c = 0; c < width; c++) row[c] = template[c];
      row[idAt] = id;
      for (let i = 0; i < flat.values.length; i++) {
        const value = flat.values[i];
        if (value === undefined) continue;
        const name = batch.columns[i];
        const at = slot[i];
        const vt = flat.types[i];
        if (at < 0) {
          discards.push({
            tableName,
            rowId,
            columnName: name,
            columnValue: String(value),
            reason: overflow.has(name)
              ? 'the table has reached the column limit of the warehouse'
              : 'no such column',
          });
          continue;
        }
        const ct = columns[at].type;
        let fitted: CellValue;
        if (ct === COLUMN_TYPE_FOR[vt] && vt !== 'jsonText') fitted = value;
        else {
          const coerce = COERCE[ct][vt];
          if (!coerce) {
            discards.push({
              tableName,
              rowId,
              columnName: name,
              columnValue: String(value),
              reason: discardReason(ct, vt),
            });
            continue;
          }
          fitted = coerce(value);
        }
        const refused = refuseCell?.(ct, fitted);
        if (refused) {
          discards.push({ tableName, rowId, columnName: name, columnValue: String(value), reason: refused });
          continue;
        }
        if (budget !== Number.POSITIVE_INFINITY) {
          used += cellBytes!(ct, fitted);
          if (used > budget) {
            discards.push({
              tableName,
              rowId,
              columnName: name,
              columnValue: String(value),
              reason: ROW_TOO_BIG,
            });
            continue;
          }
        }
        row[at] = fitted;
      }
      count++;
      yield row;
    }
  }
  return { columns, rows: rows(), discards, count: () => count };
}

const ROW_TOO_BIG = 'the row exceeds the row size limit of the warehouse (too many fields for one row)';

function slotCount(slot: number[]): number {
  let n = 0;
  for (const s of slot) if (s >= 0) n++;
  return n;
}

/** The id must load, or the row cannot be merged: numeric strings are allowed into numeric id columns. */
function fitId(id: CellValue, type: ValueType, columnType: RudderType): CellValue | null {
  if (columnType === 'string') return String(id);
  if ((columnType === 'int' || columnType === 'float') && (type === 'int' || type === 'float')) return id;
  // Kept as digits: ids beyond 2^53 must not lose precision on the way to BIGINT.
  if (columnType === 'int' && typeof id === 'string' && /^-?\d{1,18}$/.test(id)) return id;
  if (columnType === 'float' && typeof id === 'string' && id.trim() !== '' && Number.isFinite(Number(id)))
    return Number(id);
  return null;
}
