// Helpers for the pipeline tests: a source config pointing at an emulator, and reading back what a sync
// wrote (ids per table) from a real DuckDB file or PostgreSQL schema.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import type { DestinationConfig, SourceConfig } from '../../src/core/contracts.ts';
import { findResource, type ResourceDef } from '../../src/extract/catalog.ts';
import { schemaFor, tableName } from '../../src/warehouse/index.ts';

export function sourceFor(
  emulator: { url: string; apiKey: string },
  extra: Partial<SourceConfig> = {},
): SourceConfig {
  return {
    name: 'Test Source',
    accountName: 'emulator',
    url: emulator.url,
    apiKey: emulator.apiKey,
    tablePrefix: 'ac_',
    schedule: { type: 'manual' },
    resources: 'all',
    requestsPerSecond: 0,
    destination: 'warehouse',
    lookbackHours: 24,
    ...extra,
  };
}

/** The emulator collection a resource reads (side-loads by their array key). */
export function collectionOf(def: ResourceDef): string {
  if (def.path.startsWith('customObjects/records/')) return decodeURIComponent(def.path);
  if (def.paging === 'sideload') return def.arrayKey;
  return def.path;
}

export function defOf(name: string): ResourceDef {
  const d = findResource(name);
  if (!d) throw new Error(`no resource ${name}`);
  return d;
}

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Opens the destination once for several queries (a DuckDB file is opened and closed around them). */
export async function withQuery<T>(dest: DestinationConfig, fn: (q: Query) => Promise<T>): Promise<T> {
  if (dest.type === 'clickhouse') {
    const client = createClient({ url: dest.url, log: { level: ClickHouseLogLevel.OFF } });
    try {
      return await fn(async (sql) => {
        const r = await client.query({ query: sql, format: 'JSONEachRow' });
        return (await r.json()) as Record<string, unknown>[];
      });
    } finally {
      await client.close();
    }
  }
  if (dest.type === 'postgres') {
    const client = new pg.Client({ connectionString: dest.url });
    await client.connect();
    try {
      return await fn(async (sql) => (await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  }
  if (dest.type !== 'duckdb') throw new Error(`withQuery reads duckdb and postgres, not ${dest.type}`);
  const instance = await DuckDBInstance.create(dest.path);
  const conn = await instance.connect();
  try {
    return await fn(
      async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Runs SQL against the destination and returns plain rows. */
export function query(dest: DestinationConfig, sql: string): Promise<Record<string, unknown>[]> {
  return withQuery(dest, (q) => q(sql));
}

export function qualified(dest: DestinationConfig, source: SourceConfig, resource: string): string {
  return `"${schemaFor(dest, source.name)}"."${tableName(dest.type, source.tablePrefix, resource)}"`;
}

/** ids in a resource table, with how many rows each has (empty when the table does not exist). */
export async function tableIds(
  q: Query,
  dest: DestinationConfig,
  source: SourceConfig,
  resource: string,
): Promise<Map<string, number>> {
  const rows = await q(
    `SELECT CAST(id AS VARCHAR) AS id, COUNT(*) AS n FROM ${qualified(dest, source, resource)} GROUP BY 1`,
  ).catch(() => []);
  return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
}
