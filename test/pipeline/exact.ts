// Exactness against the account: every live record of a resource is in its table, once, with the values
// the account holds now. Expected cells come from flattening the emulator's record with the warehouse's
// own Flattener (the naming and typing rules are tested elsewhere; here the question is whether the
// extractor brought the current record). A cell that went to rudder_discards counts as present.
import type { DestinationConfig, SourceConfig } from '../../src/core/contracts.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { customObjectResourceName, findResource } from '../../src/extract/catalog.ts';
import { latestRows } from '../../src/warehouse/dialects/clickhouse.ts';
import { DIALECTS } from '../../src/warehouse/dialects.ts';
import { DISCARD_KEY } from '../../src/warehouse/discards.ts';
import { Flattener } from '../../src/warehouse/flatten.ts';
import { schemaFor, tableName } from '../../src/warehouse/index.ts';
import { RUDDER_COLUMN_SET } from '../../src/warehouse/rudder-columns.ts';
import { collectionOf, type Query } from './support.ts';

/** The emulator collection a resource reads (custom objects included). */
export function collectionFor(em: RunningEmulator, name: string): string {
  const def = findResource(name);
  if (def) return collectionOf(def);
  for (const s of em.records('customObjects/schemas')) {
    if (customObjectResourceName(String(s.slug)) === name) return `customObjects/records/${String(s.id)}`;
  }
  throw new Error(`no collection for ${name}`);
}

export interface Mismatch {
  resource: string;
  missing: string[];
  duplicated: string[];
  /** id: column (warehouse ≠ account) */
  stale: string[];
  live: number;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** What a cell holds, as text comparable across the account's JSON and DuckDB's columns. */
function norm(v: unknown, type: string): string | null {
  if (v === null || v === undefined) return null;
  if (type === 'datetime') return String(Date.parse(String(v)));
  if (type === 'int' || type === 'float') return String(Number(v));
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

function rudderType(dataType: string): string {
  const t = dataType.toUpperCase();
  if (t.startsWith('TIMESTAMP') || /DATETIME/.test(t)) return 'datetime';
  if (/INT/.test(t)) return 'int';
  if (/DOUBLE|DECIMAL|NUMERIC|FLOAT|REAL/.test(t)) return 'float';
  return 'string';
}

/**
 * Compares a resource's table with the account's live records now. Rows of deleted records may stay (as
 * with RudderStack); every live record must be there once with its current values.
 */
export async function compareResource(
  q: Query,
  em: RunningEmulator,
  dest: DestinationConfig,
  source: SourceConfig,
  resource: string,
): Promise<Mismatch> {
  const schema = schemaFor(dest, source.name);
  const table = tableName(dest.type, source.tablePrefix, resource);
  const pk = findResource(resource)?.primaryKey ?? 'id';
  const out: Mismatch = { resource, missing: [], duplicated: [], stale: [], live: 0 };
  // ClickHouse is read the documented way: the newest row per id (DateTime holds whole seconds).
  const ch = dest.type === 'clickhouse';
  const cols = await q(
    ch
      ? `SELECT name AS column_name, type AS data_type FROM system.columns WHERE database = '${schema}' AND table = '${table}'`
      : `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}'`,
  );
  const types = new Map(cols.map((c) => [String(c.column_name), rudderType(String(c.data_type))]));
  const records = [...em.records(collectionFor(em, resource))];
  out.live = records.length;
  if (types.size === 0) {
    out.missing = records.map((r) => String(r[pk])).slice(0, 20);
    return out;
  }
  const recordColumns = [...types.keys()].filter((c) => !RUDDER_COLUMN_SET.has(c));
  const select = recordColumns.map((c) =>
    types.get(c) === 'datetime'
      ? `${ch ? `toUnixTimestamp(${ident(c)}) * 1000` : `epoch_ms(${ident(c)})`} AS ${ident(c)}`
      : `${ch ? `toString(${ident(c)})` : `CAST(${ident(c)} AS VARCHAR)`} AS ${ident(c)}`,
  );
  const from = ch
    ? `(${latestRows(`${ident(schema)}.${ident(table)}`)})`
    : `${ident(schema)}.${ident(table)}`;
  const discardsFrom = ch
    ? `(${latestRows(`${ident(schema)}.rudder_discards`, DISCARD_KEY)})`
    : `${ident(schema)}.rudder_discards`;
  const rows = await q(
    `SELECT ${ch ? 'toString(id)' : 'CAST(id AS VARCHAR)'} AS id${select.length ? `, ${select.join(', ')}` : ''} FROM ${from}`,
  );
  const discards = new Set(
    (
      await q(`SELECT row_id, column_name FROM ${discardsFrom} WHERE table_name = '${table}'`).catch(() => [])
    ).map((d) => `${String(d.row_id)}\u0000${String(d.column_name)}`),
  );
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const id = String(r.id);
    if (byId.has(id)) out.duplicated.push(id);
    byId.set(id, r);
  }
  const flattener = new Flattener(DIALECTS[dest.type], { reserved: RUDDER_COLUMN_SET });
  for (const record of records) {
    const id = String(record[pk]);
    const row = byId.get(id);
    if (!row) {
      out.missing.push(id);
      continue;
    }
    const cells = flattener.flatten(record);
    const expected = new Map<string, unknown>();
    cells.names.forEach((n, i) => {
      expected.set(n, cells.values[i]);
    });
    for (const c of recordColumns) {
      const type = types.get(c)!;
      let want = norm(expected.get(c), type);
      if (ch && type === 'datetime' && want !== null) want = String(Math.floor(Number(want) / 1000) * 1000);
      const got =
        row[c] === null || row[c] === undefined ? null : norm(row[c], type === 'datetime' ? 'ms' : type);
      if (want === got) continue;
      if (got === null && discards.has(`${id}\u0000${c}`)) continue;
      out.stale.push(`${id}: ${c} = ${JSON.stringify(got)}, account ${JSON.stringify(want)}`);
    }
  }
  return out;
}

/** A short description of what is wrong, or '' when the table matches the account. */
export function describeMismatch(m: Mismatch): string {
  const parts: string[] = [];
  if (m.missing.length)
    parts.push(`${m.missing.length} of ${m.live} live records missing (${m.missing.slice(0, 5).join(', ')})`);
  if (m.duplicated.length)
    parts.push(`${m.duplicated.length} ids twice (${m.duplicated.slice(0, 5).join(', ')})`);
  if (m.stale.length) parts.push(`${m.stale.length} stale cells (${m.stale.slice(0, 3).join('; ')})`);
  return parts.length ? `${m.resource}: ${parts.join('; ')}` : '';
}
