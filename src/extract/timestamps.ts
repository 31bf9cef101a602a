// One place that reads ActiveCampaign's timestamps. The API mixes ISO with the account's offset
// (`2018-09-12T16:53:50-05:00`), naive wall-clock (`2021-05-12 11:30:06`, account-local or UTC depending on
// the field), `Z` with nanoseconds (custom objects) and `0000-00-00 00:00:00` for "no date". Naive values are
// account-local, but the API does not tell the account's zone: they are read as UTC everywhere (consistent
// between syncs), and cursor.ts keeps the look-back at or above the widest offset (±14 h).
//
// This reader is lenient, for cursors: second 60 (a leap second) is accepted and rolls into the next minute,
// so such a record still has an update time. The warehouse's typing rule (warehouse/types.ts,
// parseRudderTimestamp) is RudderStack's and stricter: second 60 keeps a value a string there.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch, or null when the value is not a real date (second 60 accepted). */
export function parseApiInstant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year === 0 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60)
    return null;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March; a date that rolls over is not a date.
  if (new Date(t).getUTCDate() !== day) return null;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    t -= sign * offsetMin * 60_000;
  }
  return t;
}

/** The newest real date among the given fields of a record, or null when none holds one. */
export function newestOf(record: Record<string, unknown>, fields: readonly string[]): number | null {
  let best: number | null = null;
  for (const f of fields) {
    const t = parseApiInstant(record[f]);
    if (t !== null && (best === null || t > best)) best = t;
  }
  return best;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `YYYY-MM-DD` (UTC) for the date-typed filters (`filters[updated_after]`). */
export function toDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
