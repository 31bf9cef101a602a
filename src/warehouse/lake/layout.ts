// Where things live in a lake, one rule each. Data files follow RudderStack's layout
// (`rudder-datalake/<namespace>/<table>/YYYY/MM/DD/HH/<file>`, warehouse/utils GetTablePathInObjectStorage);
// acsync's own objects (table schemas, bookkeeping tables, the manifests) sit beside the tables under
// `_acsync/`, a name no table can take (table names always end in `rudder_<resource>` or are RudderStack's).

export const LAKE_ROOT = 'rudder-datalake';

export class LakeLayout {
  /** `<LAKE_ROOT>/<namespace>/` */
  readonly root: string;

  constructor(namespace: string) {
    this.root = `${LAKE_ROOT}/${namespace}/`;
  }

  /**
   * A data file. Its name starts with the UTC time it was written to the millisecond, so within a table
   * the path order is the write order: the documented read keeps, per id, the row of the greatest path.
   */
  dataFile(table: string, at: Date, session: string, seq: number): string {
    const iso = at.toISOString(); // 2026-12-01T21:50:00.123Z
    const hour = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
    return `${this.root}${table}/${hour}/${stamp(at)}-${session}-${String(seq).padStart(6, '0')}.parquet`;
  }

  /** A table's columns, types and merge key (JSON). */
  schema(table: string): string {
    return `${this.root}_acsync/schema/${table}.json`;
  }

  get schemas(): string {
    return `${this.root}_acsync/schema/`;
  }

  /** A bookkeeping table (state, run history) as one JSON object. */
  records(table: string): string {
    return `${this.root}_acsync/records/${table}.json`;
  }

  /** Where the staged ids of reconcile scans live (`_acsync_seen`, lake/seen.ts): a folder per scan. */
  get seen(): string {
    return `${this.root}_acsync/seen/`;
  }

  /** One scan's folder of staged-id objects; the scan key encoded so it is one safe path segment. */
  seenScan(scan: string): string {
    return `${this.seen}${encodeSegment(scan)}/`;
  }

  /** One batch's staged ids (newline-delimited JSON), named like a data file so names never collide. */
  seenObject(scan: string, at: Date, session: string, seq: number): string {
    return `${this.seenScan(scan)}${stamp(at)}-${session}-${String(seq).padStart(6, '0')}.ndjson`;
  }

  /** The scan a staged-id object belongs to (the inverse of seenScan), or null for another key. */
  scanOf(key: string): string | null {
    if (!key.startsWith(this.seen)) return null;
    const segment = key.slice(this.seen.length).split('/')[0];
    return segment ? decodeURIComponent(segment) : null;
  }

  /** One process's (one run's) manifest: the data files it committed, rewritten at each commit. */
  manifest(startedAt: Date, session: string): string {
    return `${this.manifests}${stamp(startedAt)}-${session}.json`;
  }

  get manifests(): string {
    return `${this.root}_acsync/manifests/`;
  }
}

/** `20261201T215000123Z`: sorts as the time does. */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/** Percent-encodes every character but letters, digits, `_` and `-` (no `.`, `/`, or glob character). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*~.]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
