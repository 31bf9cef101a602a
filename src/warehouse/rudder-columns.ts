// RudderStack's own columns on every extract row (conventions §4.1): the one list, in the order a new
// table gets them, with the type each is created with and which batch value fills it. Everything else
// (the flattener's reserved names, new tables' leading columns, the values of a batch) derives from it.
import type { RudderType } from './capabilities.ts';

const COLUMNS = [
  // The record's primary key: typed by its values, filled per row.
  { name: 'id', type: null, from: null },
  { name: 'received_at', type: 'datetime', from: 'receivedAt' },
  { name: 'event', type: 'string', from: 'event' },
  { name: 'context_sources_job_id', type: 'string', from: 'jobId' },
  { name: 'context_sources_job_run_id', type: 'string', from: 'jobRunId' },
  { name: 'context_sources_task_run_id', type: 'string', from: 'taskRunId' },
  { name: 'context_sources_version', type: 'string', from: 'version' },
  { name: 'context_source_id', type: 'string', from: 'sourceId' },
  { name: 'context_source_type', type: 'string', from: 'sourceType' },
  { name: 'context_destination_id', type: 'string', from: 'destinationId' },
  { name: 'context_destination_type', type: 'string', from: 'destinationType' },
  { name: 'uuid_ts', type: 'datetime', from: 'uuidTs' },
  // acsync's own (issue 10): when a reconcile found the record gone from the API; NULL while it exists, and
  // written NULL with every row, so a record that comes back is unmarked.
  { name: '_acsync_deleted_at', type: 'datetime', from: 'deletedAt' },
] as const;

type Source = Exclude<(typeof COLUMNS)[number]['from'], null>;

/** The values of RudderStack's columns shared by every row of a batch (all but `id`); datetimes as ISO. */
export type RudderValues = Record<Exclude<Source, 'deletedAt'>, string> & { deletedAt?: null };

/** The column a reconcile sets on rows whose record the API no longer has. */
export const DELETED_AT = '_acsync_deleted_at';

export const RUDDER_COLUMNS: readonly string[] = COLUMNS.map((c) => c.name);
export const RUDDER_COLUMN_SET: ReadonlySet<string> = new Set(RUDDER_COLUMNS);

/** The columns a batch fills with one value for every row, in table order. */
export const BATCH_COLUMNS: ReadonlyArray<{ name: string; type: RudderType; from: Source }> = COLUMNS.filter(
  (c): c is Extract<(typeof COLUMNS)[number], { from: Source }> => c.from !== null,
);
