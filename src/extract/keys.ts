// The key a record is merged by. Records carry their catalog primary key (`id`, or `name` for the
// collections served without ids); a record that arrives without a usable one (a collection the API serves
// without keys, a change in the API) must not fail the run. It gets a content key instead: `sha1:` and the
// hash of its JSON. Identical records merge into one row; a changed one becomes a new row (it is, in
// effect, written without merge).
import { createHash } from 'node:crypto';

export const CONTENT_KEY_PREFIX = 'sha1:';

function usable(v: unknown): v is string | number {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
}

/** The record's merge key as a string. */
export function recordKey(record: Record<string, unknown>, primaryKey: string): string {
  const v = record[primaryKey];
  if (usable(v)) return String(v);
  return CONTENT_KEY_PREFIX + createHash('sha1').update(JSON.stringify(record)).digest('hex');
}

/** The record as written: unchanged when it has its key, else with the content key in the key field. */
export function withKey(record: Record<string, unknown>, primaryKey: string): Record<string, unknown> {
  return usable(record[primaryKey]) ? record : { ...record, [primaryKey]: recordKey(record, primaryKey) };
}
