// acsync's bookkeeping tables on a lake: each one JSON object (`_acsync/records/<table>.json`), read once
// and kept in memory (a lake namespace has one writer at a time). Changes made inside a unit of work go
// to a working copy that the unit's commit writes (or its failure drops); outside one they are written at
// once. Every write replaces the whole object, so a reader sees the table before or after, never between.
import {
  decodeRecordValue,
  type FindOptions,
  type RecordRow,
  type RecordSpec,
  type RecordTable,
  type RecordValue,
} from '../storage.ts';

/** What a LakeRecords asks of its storage: write now, or mark for the current unit's commit. */
export interface RecordsHost {
  changed(table: LakeRecords): Promise<void>;
}

export class LakeRecords implements RecordTable {
  /** The working copy of a unit in progress; null = none. */
  private working: RecordRow[] | null = null;

  constructor(
    private readonly host: RecordsHost,
    readonly spec: RecordSpec,
    readonly key: string,
    private committed: RecordRow[],
  ) {}

  /** Parses the stored object (dates were written as ISO strings). */
  static decode(spec: RecordSpec, body: Buffer | null): RecordRow[] {
    if (!body) return [];
    const parsed = JSON.parse(body.toString('utf8')) as { rows: Array<Record<string, unknown>> };
    return parsed.rows.map((r) => {
      const out: RecordRow = {};
      for (const c of spec.columns) out[c.name] = decodeRecordValue(r[c.name], c.type);
      return out;
    });
  }

  /** The rows as they would be stored now (the working copy when a unit is in progress). */
  encode(): string {
    return JSON.stringify({
      table: this.spec.table,
      columns: this.spec.columns,
      key: this.spec.key,
      rows: this.rows,
    });
  }

  /** The committed rows, for readers. */
  get stored(): readonly RecordRow[] {
    return this.committed;
  }

  private get rows(): RecordRow[] {
    return this.working ?? this.committed;
  }

  /** Called by the storage: a unit begins to change this table. */
  begin(): void {
    this.working ??= this.committed.map((r) => ({ ...r }));
  }

  /** The unit's changes are stored. */
  commit(): void {
    if (this.working) this.committed = this.working;
    this.working = null;
  }

  /** The unit failed: its changes are dropped. */
  rollback(): void {
    this.working = null;
  }

  async find(where: RecordRow, options: FindOptions = {}): Promise<RecordRow[]> {
    return select(this.rows, where, options);
  }

  async insert(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.change((all) => {
      // One pass over the table per call, not per row: a scan stages its ids a thousand at a time.
      const keys = new Set(all.map((r) => keyIdentity(r, this.spec.key)));
      for (const row of rows) {
        const key = keyIdentity(row, this.spec.key);
        if (keys.has(key))
          throw new Error(`${this.spec.table}: a row with key ${keyText(row, this.spec.key)} exists`);
        keys.add(key);
        all.push(this.complete(row));
      }
    });
  }

  async put(rows: readonly RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.change((all) => {
      for (const row of rows) {
        const at = all.findIndex((r) => sameKey(r, row, this.spec.key));
        if (at >= 0) all[at] = this.complete(row);
        else all.push(this.complete(row));
      }
    });
  }

  async update(where: RecordRow, set: RecordRow): Promise<number> {
    let matched = 0;
    if (!this.rows.some((r) => matches(r, where))) return 0;
    await this.change((all) => {
      for (const r of all)
        if (matches(r, where)) {
          Object.assign(r, set);
          matched++;
        }
    });
    return matched;
  }

  async remove(where: RecordRow): Promise<void> {
    if (!this.rows.some((r) => matches(r, where))) return;
    await this.change((all) => {
      for (let i = all.length - 1; i >= 0; i--) if (matches(all[i]!, where)) all.splice(i, 1);
    });
  }

  /** Applies `fn` to the rows a unit of work sees, then lets the storage write them. */
  private async change(fn: (rows: RecordRow[]) => void): Promise<void> {
    this.begin();
    fn(this.working!);
    await this.host.changed(this);
  }

  private complete(row: RecordRow): RecordRow {
    const out: RecordRow = {};
    for (const c of this.spec.columns) out[c.name] = row[c.name] ?? null;
    return out;
  }
}

/** The rows matching `where`, ordered and limited as `options` say (copies). */
export function select(all: readonly RecordRow[], where: RecordRow, options: FindOptions = {}): RecordRow[] {
  let rows = all.filter((r) => matches(r, where));
  if (options.orderBy) {
    const order = options.orderBy;
    rows = [...rows].sort((a, b) => {
      for (const [column, direction] of order) {
        const c = compare(a[column] ?? null, b[column] ?? null);
        if (c !== 0) return direction === 'asc' ? c : -c;
      }
      return 0;
    });
  }
  if (options.limit !== undefined) rows = rows.slice(0, options.limit);
  return rows.map((r) => ({ ...r }));
}

export function matches(row: RecordRow, where: RecordRow): boolean {
  for (const [k, v] of Object.entries(where)) {
    const have = row[k] ?? null;
    // As in SQL, NULL matches nothing.
    if (v === null || have === null || compare(have, v) !== 0) return false;
  }
  return true;
}

function sameKey(a: RecordRow, b: RecordRow, key: readonly string[]): boolean {
  return key.every((k) => compare(a[k] ?? null, b[k] ?? null) === 0);
}

/** Equal for keys sameKey finds equal (a Date by its time, a number as its text). */
export function keyIdentity(row: RecordRow, key: readonly string[]): string {
  return JSON.stringify(
    key.map((k) => {
      const v = row[k] ?? null;
      return v === null ? null : v instanceof Date ? String(v.getTime()) : String(v);
    }),
  );
}

export function keyText(row: RecordRow, key: readonly string[]): string {
  return key.map((k) => JSON.stringify(row[k] ?? null)).join(', ');
}

function compare(a: RecordValue, b: RecordValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
