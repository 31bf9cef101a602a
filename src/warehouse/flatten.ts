// A record becomes a row the way RudderStack's warehouse transformer did it for a Cloud Extract source
// (conventions §5): objects flattened with `_` up to four key levels, deeper objects and arrays kept as
// JSON text, blank values skipped, names normalised once per distinct raw path (cached).
import type { SourceRecord } from '../core/contracts.ts';
import type { Dialect } from './dialects.ts';
import { columnName } from './naming.ts';
import { type CellValue, parseTimestamp, type ValueType } from './types.ts';

/** Objects at this key level (0-based) or deeper are not flattened further but kept as JSON text. */
const MAX_FLATTEN_LEVEL = 3;
const INT64_LIMIT = 2 ** 63;
const NAME_CACHE_LIMIT = 100_000;

/** A flattened record: column names (normalised) with their values and value types, in key order. */
export interface FlatCells {
  names: string[];
  values: CellValue[];
  types: ValueType[];
}

export class Flattener {
  private readonly names = new Map<string, string>();
  private readonly jsonPaths: ReadonlySet<string>;

  constructor(
    readonly dialect: Dialect,
    options: {
      /** Dotted raw key paths (e.g. `fieldValues`, `links.options`) stored whole as `json`. */
      jsonPaths?: readonly string[];
      /** Column names the record may not fill: RudderStack's own columns take those slots. */
      reserved?: ReadonlySet<string>;
    } = {},
  ) {
    this.jsonPaths = new Set(options.jsonPaths ?? []);
    this.reserved = options.reserved ?? new Set();
  }

  private readonly reserved: ReadonlySet<string>;

  /** Column name for a raw `_`-joined key path ('' = dropped). Cached: the same keys repeat on every row. */
  name(rawPath: string): string {
    let name = this.names.get(rawPath);
    if (name === undefined) {
      name = columnName(this.dialect, rawPath);
      if (this.reserved.has(name)) name = '';
      if (this.names.size >= NAME_CACHE_LIMIT) this.names.clear();
      this.names.set(rawPath, name);
    }
    return name;
  }

  flatten(record: SourceRecord): FlatCells {
    const out: FlatCells = { names: [], values: [], types: [] };
    this.walk(record as Record<string, unknown>, '', '', 0, out);
    return out;
  }

  private walk(
    obj: Record<string, unknown>,
    rawPrefix: string,
    dotPrefix: string,
    level: number,
    out: FlatCells,
  ) {
    const checkJson = this.jsonPaths.size > 0;
    for (const key in obj) {
      const v = obj[key];
      if (v === null || v === undefined || v === '') continue;
      let value: CellValue;
      let type: ValueType;
      if (checkJson && this.jsonPaths.has(dotPrefix + key)) {
        value = JSON.stringify(v);
        type = 'json';
      } else if (typeof v === 'string') {
        const ts = parseTimestamp(v);
        if (ts === null) {
          value = v;
          type = 'string';
        } else {
          value = ts;
          type = 'datetime';
        }
      } else if (typeof v === 'number') {
        if (!Number.isFinite(v)) continue;
        value = v;
        // Integers beyond BIGINT's range cannot load as int: they become floats.
        type = Number.isInteger(v) && Math.abs(v) < INT64_LIMIT ? 'int' : 'float';
      } else if (typeof v === 'boolean') {
        value = v;
        type = 'boolean';
      } else if (Array.isArray(v)) {
        if (v.length === 0) continue;
        value = JSON.stringify(v);
        type = 'jsonText';
      } else if (typeof v === 'object') {
        if (level < MAX_FLATTEN_LEVEL) {
          this.walk(
            v as Record<string, unknown>,
            `${rawPrefix}${key}_`,
            checkJson ? `${dotPrefix}${key}.` : '',
            level + 1,
            out,
          );
          continue;
        }
        value = JSON.stringify(v);
        type = 'jsonText';
      } else {
        value = String(v);
        type = 'string';
      }
      const name = this.name(rawPrefix + key);
      if (name === '') continue;
      out.names.push(name);
      out.values.push(value);
      out.types.push(type);
    }
  }
}
