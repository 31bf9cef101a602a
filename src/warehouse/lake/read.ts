// Reading a lake back: what was committed (the manifests), each table's schema, and a DuckDB session in
// which every table is a view holding the newest row per key over its committed files, and acsync's
// bookkeeping tables are tables. `acsync query` and the tests read the lake through it; README "Data
// lakes" gives the same read for other engines.
import { mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DestinationDialect, RudderType } from '../capabilities.ts';
import { SEEN_TABLE } from '../deletes.ts';
import { quoteIdent } from '../naming.ts';
import type { ColumnSpec } from '../storage.ts';
import type { LakeLayout } from './layout.ts';
import { literal } from './parquet.ts';
import { seenObjectsSql } from './seen.ts';
import type { ObjectStore } from './store.ts';

/** A data file a run committed. */
export interface ManifestFile {
  table: string;
  key: string;
  rows: number;
}

/** One run's manifest: rewritten whole at each of its commits, so it lists exactly what it committed. */
export interface Manifest {
  session: string;
  startedAt: string;
  committedAt: string;
  files: ManifestFile[];
}

/** A table's schema object: its columns in order (types as RudderStack's) and what rows merge on. */
export interface TableSchema {
  table: string;
  key: string[];
  columns: Array<[string, RudderType]>;
}

/** A bookkeeping table's object: its spec and rows (datetimes as ISO strings). */
export interface RecordsObject {
  table: string;
  columns: ColumnSpec[];
  key: string[];
  rows: Array<Record<string, unknown>>;
}

const json = <T>(body: Buffer): T => JSON.parse(body.toString('utf8')) as T;

async function readAll<T>(store: ObjectStore, prefix: string): Promise<T[]> {
  const out: T[] = [];
  for (const key of (await store.list(prefix)).filter((k) => k.endsWith('.json')).sort()) {
    const body = await store.get(key);
    if (body) out.push(json<T>(body));
  }
  return out;
}

export const readManifests = (store: ObjectStore, layout: LakeLayout) =>
  readAll<Manifest>(store, layout.manifests);

export const readSchemas = (store: ObjectStore, layout: LakeLayout) =>
  readAll<TableSchema>(store, layout.schemas);

/**
 * The newest row per `key` over `files` (a table's committed Parquet files): file paths sort in write
 * order (layout.ts), so the row from the greatest path is the newest. Columns a file lacks read as NULL.
 */
export function newestPerKey(files: readonly string[], key: readonly string[]): string {
  return (
    `SELECT * EXCLUDE (_acsync_file) FROM read_parquet([${files.map(literal).join(', ')}], ` +
    `union_by_name = true, filename = '_acsync_file') ` +
    `QUALIFY row_number() OVER (PARTITION BY ${key.map(quoteIdent).join(', ')} ORDER BY _acsync_file DESC) = 1`
  );
}

export interface LakeReader {
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/**
 * A DuckDB session over the lake's namespace (the default schema): tables with committed files are views
 * (newestPerKey), tables with none are empty tables of their schema, `_acsync_state`/`_acsync_runs` are
 * tables of their objects' rows, `_acsync_seen` a table of the staged-id objects (lake/seen.ts), and
 * `_acsync_files` lists the committed files. An S3 lake's committed
 * files are downloaded into `tempDir` first (DuckDB's httpfs cannot be installed offline).
 */
export async function openLakeReader(
  store: ObjectStore,
  layout: LakeLayout,
  namespace: string,
  dialect: DestinationDialect,
  tempDir: string,
): Promise<LakeReader> {
  const manifests = await readManifests(store, layout);
  const schemas = await readSchemas(store, layout);
  const records = await readAll<RecordsObject>(store, `${layout.root}_acsync/records/`);
  mkdirSync(tempDir, { recursive: true });
  const files = new Map<string, string[]>();
  const listed: Array<[string, string, number, string]> = [];
  for (const m of manifests)
    for (const f of m.files) {
      const local = await store.localCopy(f.key, tempDir);
      files.set(f.table, [...(files.get(f.table) ?? []), local]);
      listed.push([f.table, f.key, f.rows, m.session]);
    }
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: process.env.ACSYNC_DUCKDB_MEMORY_LIMIT ?? '256MB',
  });
  const connection = await instance.connect();
  const run = (sql: string) => connection.run(sql);
  const ns = quoteIdent(namespace);
  const type = (t: RudderType) => dialect.types[t];
  try {
    await run(`CREATE SCHEMA ${ns}`);
    for (const s of schemas) {
      const target = `${ns}.${quoteIdent(s.table)}`;
      const paths = files.get(s.table);
      if (paths) await run(`CREATE VIEW ${target} AS ${newestPerKey(paths, s.key)}`);
      else
        await run(
          `CREATE TABLE ${target} (${s.columns.map(([n, t]) => `${quoteIdent(n)} ${type(t)}`).join(', ')})`,
        );
    }
    for (const r of records) {
      const target = `${ns}.${quoteIdent(r.table)}`;
      await run(
        `CREATE TABLE ${target} (${r.columns.map((c) => `${quoteIdent(c.name)} ${type(c.type)}`).join(', ')})`,
      );
      for (let i = 0; i < r.rows.length; i += 500) {
        const values = r.rows
          .slice(i, i + 500)
          .map((row) => `(${r.columns.map((c) => sqlValue(row[c.name], c.type)).join(', ')})`);
        await run(`INSERT INTO ${target} VALUES ${values.join(', ')}`);
      }
    }
    // Always there (empty when no scan is staging); an object left by an earlier version already made it.
    const seen = `${ns}.${quoteIdent(SEEN_TABLE)}`;
    await run(
      `CREATE TABLE IF NOT EXISTS ${seen} ("scan" ${type('string')}, "id" ${type('string')}, "seq" ${type('string')})`,
    );
    for (const key of (await store.list(layout.seen)).filter((k) => k.endsWith('.ndjson')).sort()) {
      const scan = layout.scanOf(key);
      if (scan === null) continue;
      const local = await store.localCopy(key, tempDir);
      await run(`INSERT INTO ${seen} SELECT ${literal(scan)}, id, seq FROM ${seenObjectsSql([local])}`);
    }
    await run(
      `CREATE TABLE ${ns}."_acsync_files" ("table_name" VARCHAR, "key" VARCHAR, "rows" BIGINT, "session" VARCHAR)`,
    );
    for (let i = 0; i < listed.length; i += 500) {
      const values = listed
        .slice(i, i + 500)
        .map(([t, k, n, s]) => `(${literal(t)}, ${literal(k)}, ${n}, ${literal(s)})`);
      await run(`INSERT INTO ${ns}."_acsync_files" VALUES ${values.join(', ')}`);
    }
    await run(`SET schema = ${literal(namespace)}`);
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    throw err;
  }
  return {
    query: async (sql) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function sqlValue(v: unknown, type: RudderType): string {
  if (v === null || v === undefined) return 'NULL';
  switch (type) {
    case 'int':
    case 'float':
      return String(Number(v));
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'datetime':
      return `CAST(${literal(String(v))} AS TIMESTAMPTZ)`;
    default:
      return literal(String(v));
  }
}
