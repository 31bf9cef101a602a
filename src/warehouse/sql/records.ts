// acsync's bookkeeping tables on a SQL destination: RecordTable in the dialect's statements.
import type { SqlDriver } from '../driver.ts';
import {
  decodeRecordValue,
  type FindOptions,
  type RecordRow,
  type RecordSpec,
  type RecordTable,
} from '../storage.ts';
import { deleteRecords, insertRecords, selectRecords, updateRecords } from './statements.ts';

export class SqlRecords implements RecordTable {
  constructor(
    private readonly driver: SqlDriver,
    /** The table, qualified and quoted. */
    private readonly target: string,
    private readonly spec: RecordSpec,
  ) {}

  async find(where: RecordRow, options?: FindOptions): Promise<RecordRow[]> {
    const st = selectRecords(this.driver.dialect, this.target, this.spec, where, options);
    const rows = await this.driver.query(st.text, st.params);
    return rows.map((r) => {
      const out: RecordRow = {};
      for (const c of this.spec.columns) out[c.name] = decodeRecordValue(r[c.name], c.type);
      return out;
    });
  }

  async insert(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    const st = insertRecords(this.driver.dialect, this.target, this.spec, rows);
    await this.driver.exec(st.text, st.params);
  }

  /** Delete then insert: works on every SQL warehouse, keys or no keys, inside the caller's transaction. */
  async put(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    const keys = rows.map((row) => Object.fromEntries(this.spec.key.map((k) => [k, row[k] ?? null])));
    const del = deleteRecords(this.driver.dialect, this.target, this.spec, keys);
    await this.driver.exec(del.text, del.params);
    await this.insert(rows);
  }

  async update(where: RecordRow, set: RecordRow): Promise<number> {
    const st = updateRecords(this.driver.dialect, this.target, this.spec, where, set);
    return this.driver.exec(st.text, st.params);
  }

  async remove(where: RecordRow): Promise<void> {
    const st = deleteRecords(this.driver.dialect, this.target, this.spec, [where]);
    await this.driver.exec(st.text, st.params);
  }
}
