// Deletes (issue 10): a scan that reads a whole collection sees every id the API has. Its ids are staged in
// the destination, batch by batch in the batch's own unit of work (so a resumed scan keeps what it staged),
// in `_acsync_seen`; when the scan completes, rows whose id was not staged get `_acsync_deleted_at` and rows
// that were marked but came back are unmarked (Storage.markUnseen: an anti-join in the destination, the
// table's ids never held in memory; the lake appends a new version of each row whose mark changes).
import type { RecordSpec } from './storage.ts';

export const SEEN_TABLE = '_acsync_seen';

/** `scan` = normalised prefix + resource; `seq` keeps a page's ids unique where a scan repeats an id. */
export const SEEN_SPEC: RecordSpec = {
  table: SEEN_TABLE,
  columns: [
    { name: 'scan', type: 'string', nullable: false },
    { name: 'id', type: 'string', nullable: false },
    { name: 'seq', type: 'string', nullable: false },
  ],
  key: ['scan', 'id', 'seq'],
};

/** Ids per INSERT statement (3 parameters each: under every driver's parameter limit). */
export const SEEN_CHUNK = 1000;

export function seenScanKey(prefixKey: string, resource: string): string {
  return `${prefixKey}:${resource}`;
}
