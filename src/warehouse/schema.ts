// Schema tracking: what columns each table has (the destination is the truth, read once and then kept
// up to date as acsync adds columns), and bringing a table up to what a batch needs.
import { type FlatBatch, planColumns } from './batch.ts';
import type { RudderType } from './capabilities.ts';
import type { ColumnSpec, Storage, TableColumns } from './storage.ts';

export interface TableShape {
  columns: TableColumns;
  /** Record columns beyond the destination's column limit: their values go to rudder_discards. */
  overflow: Set<string>;
  /** Whether this call created the table (it is empty). */
  created: boolean;
}

export class SchemaTracker {
  /** table → its columns, or null when it does not exist. */
  private readonly tables = new Map<string, TableColumns | null>();

  constructor(private readonly storage: Storage) {}

  /** Forgets everything: after a rollback, cached columns may describe DDL that was undone. */
  forget(): void {
    this.tables.clear();
  }

  async columns(table: string): Promise<TableColumns | null> {
    if (!this.tables.has(table)) this.tables.set(table, await this.storage.readColumns(table));
    return this.tables.get(table)!;
  }

  /** Creates the table or adds the columns the batch brings (RudderStack's rules: existing types win). */
  async fit(
    table: string,
    batch: FlatBatch,
    key: readonly string[],
    stringColumns?: ReadonlySet<string>,
  ): Promise<TableShape> {
    const existing = await this.columns(table);
    const plan = planColumns(batch, existing, this.storage.dialect.maxColumns, stringColumns);
    const { columns, created } = await this.extend(table, existing, plan.add, key);
    return { columns, overflow: plan.overflow, created };
  }

  /** Makes sure the table has at least `wanted` (an existing column keeps its type). */
  async ensure(table: string, wanted: readonly ColumnSpec[], key: readonly string[]): Promise<TableColumns> {
    const existing = await this.columns(table);
    const add = wanted
      .filter((c) => !existing?.has(c.name))
      .map((c): [string, RudderType] => [c.name, c.type]);
    return (await this.extend(table, existing, add, key)).columns;
  }

  private async extend(
    table: string,
    existing: TableColumns | null,
    add: Array<[string, RudderType]>,
    key: readonly string[],
  ): Promise<{ columns: TableColumns; created: boolean }> {
    if (!existing) {
      await this.storage.createTable(table, add, key);
      const columns: TableColumns = new Map(add);
      this.tables.set(table, columns);
      return { columns, created: true };
    }
    if (add.length > 0) {
      await this.storage.addColumns(table, add);
      for (const [name, type] of add) existing.set(name, type);
    }
    return { columns: existing, created: false };
  }
}
