// rudder_discards: cells that could not load (incompatible type, column or row limit), one row per
// (table, row, column), shared with RudderStack's own table when the schema already has one.
import type { DiscardRow, FittedStream, LoadColumn } from './batch.ts';
import type { RudderValues } from './rudder-columns.ts';
import type { TableColumns } from './storage.ts';
import type { CellValue } from './types.ts';

export const DISCARDS_TABLE = 'rudder_discards';

export const DISCARD_COLUMNS: readonly LoadColumn[] = [
  { name: 'table_name', type: 'string' },
  { name: 'row_id', type: 'string' },
  { name: 'column_name', type: 'string' },
  { name: 'column_value', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'received_at', type: 'datetime' },
  { name: 'uuid_ts', type: 'datetime' },
];

/** What a discard is merged on: a cell discarded again replaces its earlier row. */
export const DISCARD_KEY: readonly string[] = ['table_name', 'row_id', 'column_name'];

/** A batch's discards as rows for the table (its existing column types win), the last of a cell kept. */
export function discardRows(
  discards: readonly DiscardRow[],
  rudder: RudderValues,
  table: TableColumns,
): FittedStream {
  const unique = new Map<string, Array<CellValue | null>>();
  for (const d of discards)
    unique.set(JSON.stringify([d.tableName, d.rowId, d.columnName]), [
      d.tableName,
      d.rowId,
      d.columnName,
      d.columnValue,
      d.reason,
      rudder.receivedAt,
      rudder.uuidTs,
    ]);
  const columns = DISCARD_COLUMNS.map((c) => ({ name: c.name, type: table.get(c.name) ?? c.type }));
  const rows = [...unique.values()];
  return { columns, rows, discards: [], count: () => rows.length };
}
