// Test plumbing for the warehouse tests: a real destination per test (DuckDB file in a temp dir, or a
// unique PostgreSQL schema), a way to read it back, and contacts shaped like the API's §5.1 sample.
import { join } from 'node:path';
import type { DestinationConfig, SourceRecord } from '../../src/core/contracts.ts';
import { DuckDBDriver } from '../../src/warehouse/destinations/duckdb.ts';
import { PostgresDriver } from '../../src/warehouse/destinations/postgres.ts';
import type { SqlDriver } from '../../src/warehouse/driver.ts';
import { dropSchema, POSTGRES_URL, tempDir, uniqueSchema } from '../support/env.ts';

export type Kind = 'duckdb' | 'postgres';

export interface Harness {
  kind: Kind;
  dest: DestinationConfig;
  schema: string;
  /** Runs SQL on the destination (its own connection). */
  exec(sql: string): Promise<void>;
  /** Rows with every value as a string (dates as ISO), null kept. */
  rows(sql: string): Promise<Array<Record<string, string | null>>>;
  /** Column name → data_type as the warehouse reports it. */
  columns(table: string): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

function norm(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export async function harness(
  kind: Kind,
  tag: string,
  opts: { schema?: string | null } = {},
): Promise<Harness> {
  const schema = opts.schema === undefined ? uniqueSchema(tag) : opts.schema;
  let dest: DestinationConfig;
  let cleanupDir = () => {};
  if (kind === 'duckdb') {
    const dir = tempDir(tag);
    cleanupDir = dir.cleanup;
    dest = {
      type: 'duckdb',
      name: 'local',
      path: join(dir.path, 'wh.duckdb'),
      ...(schema ? { schema } : {}),
    };
  } else dest = { type: 'postgres', name: 'pg', url: POSTGRES_URL, ...(schema ? { schema } : {}) };
  const withDriver = async <T>(fn: (d: SqlDriver) => Promise<T>): Promise<T> => {
    const d =
      dest.type === 'duckdb' ? await DuckDBDriver.open(dest.path) : await PostgresDriver.open(dest.url);
    try {
      return await fn(d);
    } finally {
      await d.close();
    }
  };
  const h: Harness = {
    kind,
    dest,
    schema: schema ?? '',
    exec: async (sql) => {
      await withDriver((d) => d.exclusive(() => d.exec(sql)));
    },
    rows: async (sql) =>
      (await withDriver((d) => d.exclusive(() => d.query(sql)))).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])),
      ),
    columns: async (table) => {
      const rows = await withDriver((d) =>
        d.exclusive(() =>
          d.query(
            'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
            [h.schema, table],
          ),
        ),
      );
      return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.data_type)]));
    },
    cleanup: async () => {
      if (kind === 'postgres' && h.schema) await dropSchema(h.schema);
      cleanupDir();
    },
  };
  return h;
}

const LINKS = [
  'bounceLogs',
  'contactAutomations',
  'contactData',
  'contactGoals',
  'contactLists',
  'contactTags',
];

/** A contact shaped like the API's documented sample (ids and most numbers are strings). */
export function contact(id: number, overrides: Record<string, unknown> = {}): SourceRecord {
  const base = `https://acct.api-us1.com/api/3/contacts/${id}`;
  return {
    cdate: '2018-09-12T16:53:50-05:00',
    email: `person${id}@example.com`,
    phone: `+1 555 01${String(id).padStart(2, '0')}`,
    firstName: `First${id}`,
    lastName: `Last${id}`,
    orgid: '0',
    segmentio_id: '',
    bounced_hard: '0',
    bounced_date: '0000-00-00',
    ip: '2130706433',
    hash: `hash${id}`,
    socialdata_lastcheck: '0000-00-00 00:00:00',
    sentcnt: '0',
    gravatar: '1',
    deleted: '0',
    udate: '2018-09-12T17:00:00-05:00',
    scoreValues: [],
    links: Object.fromEntries(LINKS.map((l) => [l, `${base}/${l}`])),
    id: String(id),
    organization: null,
    ...overrides,
  };
}
