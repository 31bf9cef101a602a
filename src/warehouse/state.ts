// The state store: each resource's extraction state (cursor, resume point) as opaque JSON, committed in
// the same unit of work as the rows it describes. Rows are keyed by the normalised table prefix, as the
// tables are, so two sources with different prefixes share a schema without sharing state.
import type { JsonObject } from '../core/contracts.ts';
import type { RecordSpec, RecordTable } from './storage.ts';

export const STATE_TABLE = '_acsync_state';

export const STATE_SPEC: RecordSpec = {
  table: STATE_TABLE,
  columns: [
    { name: 'table_prefix', type: 'string', nullable: false },
    { name: 'resource', type: 'string', nullable: false },
    { name: 'state', type: 'string', nullable: false },
    { name: 'updated_at', type: 'datetime', nullable: false },
  ],
  key: ['table_prefix', 'resource'],
};

/**
 * Checked by a state commit inside its unit of work, before the state is written; throwing aborts the
 * whole batch (rows included). Issue 11's fencing plugs in here: "this worker still holds the lease".
 */
export type CommitPrecondition = () => Promise<void>;

export class StateStore {
  constructor(
    private readonly table: RecordTable,
    private readonly prefixKey: string,
  ) {}

  async get(resource: string): Promise<JsonObject | null> {
    const [row] = await this.table.find({ table_prefix: this.prefixKey, resource });
    return row ? (JSON.parse(String(row.state)) as JsonObject) : null;
  }

  async commit(resource: string, state: JsonObject, precondition?: CommitPrecondition): Promise<void> {
    await precondition?.();
    await this.table.put([
      { table_prefix: this.prefixKey, resource, state: JSON.stringify(state), updated_at: new Date() },
    ]);
  }

  /** Forgets the given resources' state, or every resource's of this prefix. */
  async reset(resources?: readonly string[]): Promise<void> {
    if (!resources) return this.table.remove({ table_prefix: this.prefixKey });
    for (const resource of resources) await this.table.remove({ table_prefix: this.prefixKey, resource });
  }
}
