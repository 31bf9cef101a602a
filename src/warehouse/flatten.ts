// A record becomes a row the way RudderStack's warehouse transformer did it for a Cloud Extract source
// (conventions §5): objects flattened with `_` up to four key levels, deeper objects and arrays kept as
// JSON text, blank values skipped, names normalised once per distinct raw path (cached). When two keys
// flatten to one column (an activity's own `reference_type` and its `reference.type`), the one RudderStack
// writes last wins: its Go transformer walks keys in sorted order (conventions §5.1, §6.6), so the winner
// is the greater raw key path, compared key by key.
import type { SourceRecord } from '../core/contracts.ts';
import type { Dialect } from './dialects.ts';
import { columnName } from './naming.ts';
import { type CellValue, parseRudderTimestamp, type ValueType } from './types.ts';

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

/** Receives a record's cells in key order. */
export interface CellSink {
  put(name: string, value: CellValue, type: ValueType): void;
}

/** Names under one key prefix: raw key → column name ('' = dropped), plus the cache one level down. */
interface NameNode {
  names: Map<string, string>;
  children: Map<string, NameNode>;
}
const newNode = (): NameNode => ({ names: new Map(), children: new Map() });

/** Separates the keys of a raw path in a collision rank: below every character, so `a` < `a_b`. */
const RANK_SEP = '\u0000';

export class Flattener {
  private root: NameNode = newNode();
  private cached = 0;
  /** Column name → the first raw path (rank form) that produced it, to notice collisions. */
  private owners = new Map<string, string>();
  /** Column names two raw paths flatten to: their cells are ranked, and the greater path wins. */
  private readonly contested = new Set<string>();
  /** The contested cells of the record being walked: name → the winner so far. */
  private readonly pending = new Map<string, { rank: string; value: CellValue; type: ValueType }>();
  private readonly jsonPaths: ReadonlySet<string>;
  private readonly reserved: ReadonlySet<string>;

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

  /** Column name for a key under a prefix ('' = dropped). Cached per prefix: keys repeat on every row. */
  private name(node: NameNode, rawPrefix: string, rankPrefix: string, key: string): string {
    let name = node.names.get(key);
    if (name === undefined) {
      name = columnName(this.dialect, rawPrefix + key);
      if (this.reserved.has(name)) name = '';
      // Records with ever-new keys (custom fields by the thousand) must not grow the cache forever.
      if (++this.cached > NAME_CACHE_LIMIT) {
        this.root = newNode();
        this.owners = new Map();
        this.cached = 0;
      }
      node.names.set(key, name);
      if (name !== '') {
        const path = rankPrefix + key;
        const owner = this.owners.get(name);
        if (owner === undefined) this.owners.set(name, path);
        else if (owner !== path && !this.contested.has(name)) this.contested.add(name);
      }
    }
    return name;
  }

  private child(node: NameNode, key: string): NameNode {
    let child = node.children.get(key);
    if (!child) {
      child = newNode();
      node.children.set(key, child);
    }
    return child;
  }

  /** The record's cells as parallel arrays (convenient for tests; the loader uses flattenInto). */
  flatten(record: SourceRecord): FlatCells {
    const out: FlatCells = { names: [], values: [], types: [] };
    this.flattenInto(record, {
      put(name, value, type) {
        const at = out.names.indexOf(name);
        if (at < 0) {
          out.names.push(name);
          out.values.push(value);
          out.types.push(type);
        } else {
          out.values[at] = value;
          out.types[at] = type;
        }
      },
    });
    return out;
  }

  /** Puts the record's cells into the sink; a name may be put twice, and the last put is the cell. */
  flattenInto(record: SourceRecord, sink: CellSink): void {
    const known = this.contested.size;
    this.walk(record as Record<string, unknown>, this.root, '', '', '', 0, sink);
    if (this.contested.size !== known) {
      // A collision first seen in this record: cells before it went out unranked, so walk it again.
      this.pending.clear();
      this.walk(record as Record<string, unknown>, this.root, '', '', '', 0, sink);
    }
    if (this.pending.size > 0) {
      for (const [name, c] of this.pending) sink.put(name, c.value, c.type);
      this.pending.clear();
    }
  }

  private walk(
    obj: Record<string, unknown>,
    node: NameNode,
    rawPrefix: string,
    dotPrefix: string,
    rankPrefix: string,
    level: number,
    sink: CellSink,
  ) {
    const checkJson = this.jsonPaths.size > 0;
    const ranked = this.contested.size > 0;
    for (const key in obj) {
      const v = obj[key];
      if (v === null || v === undefined || v === '') continue;
      let value: CellValue;
      let type: ValueType;
      if (checkJson && this.jsonPaths.has(dotPrefix + key)) {
        value = JSON.stringify(v);
        type = 'json';
      } else if (typeof v === 'string') {
        const ts = parseRudderTimestamp(v);
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
            this.child(node, key),
            `${rawPrefix}${key}_`,
            checkJson ? `${dotPrefix}${key}.` : '',
            `${rankPrefix}${key}${RANK_SEP}`,
            level + 1,
            sink,
          );
          continue;
        }
        value = JSON.stringify(v);
        type = 'jsonText';
      } else {
        value = String(v);
        type = 'string';
      }
      const name = this.name(node, rawPrefix, rankPrefix, key);
      if (name === '') continue;
      if (ranked && this.contested.has(name)) {
        const rank = rankPrefix + key;
        const held = this.pending.get(name);
        if (!held || rank > held.rank) this.pending.set(name, { rank, value, type });
      } else sink.put(name, value, type);
    }
  }
}
