// The warehouse layer's entry point: open one source's view of a destination (or a query session on
// it), and the pure naming helpers the CLI uses (`acsync resources`, docs).
import type { DestinationConfig, WarehouseTarget } from '../core/contracts.ts';
import { DIALECTS } from './dialects.ts';
import { resourceTableName, toSafeNamespace, validateTablePrefix as validatePrefix } from './naming.ts';
import type { Storage } from './storage.ts';
import { Target, type WarehouseOptions } from './target.ts';

export type { WarehouseOptions } from './target.ts';

type Config<T extends DestinationConfig['type']> = Extract<DestinationConfig, { type: T }>;

/** What a destination's driver file exports: how to open a Storage on one namespace of it. */
export interface DestinationModule<T extends DestinationConfig['type']> {
  openStorage(dest: Config<T>, namespace: string): Promise<Storage>;
}

/**
 * Every destination acsync writes to, by config `type`: its driver file, loaded on first use (a
 * PostgreSQL user never loads DuckDB). Its capabilities row is DIALECTS[type].
 */
const DESTINATIONS: { [T in DestinationConfig['type']]: () => Promise<DestinationModule<T>> } = {
  duckdb: () => import('./destinations/duckdb.ts'),
  postgres: () => import('./destinations/postgres.ts'),
  clickhouse: () => import('./destinations/clickhouse.ts'),
  's3-datalake': () => import('./destinations/s3-datalake.ts'),
  'local-datalake': () => import('./destinations/local-datalake.ts'),
};

async function openStorage(dest: DestinationConfig, namespace: string): Promise<Storage> {
  const module = (await DESTINATIONS[dest.type]()) as DestinationModule<DestinationConfig['type']>;
  return module.openStorage(dest as never, namespace);
}

/** The schema a source writes to: the destination's `schema`, else the source name the RudderStack way. */
export function schemaFor(dest: DestinationConfig, sourceName: string): string {
  return dest.schema ?? toSafeNamespace(DIALECTS[dest.type], sourceName);
}

/**
 * Opens `source`'s view of `dest`: creates the schema and acsync's tables if needed. Throws
 * DestinationUnreachableError (exit 4) when the server cannot be reached or the DuckDB file is busy.
 */
export async function openWarehouse(
  dest: DestinationConfig,
  source: { name: string; tablePrefix: string },
  options: WarehouseOptions = {},
): Promise<WarehouseTarget> {
  const storage = await openStorage(dest, schemaFor(dest, source.name));
  try {
    return await Target.open(storage, source, dest, options);
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }
}

/** A query session on a source's destination, its schema the default (`acsync query`). Creates nothing. */
export interface QuerySession {
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openQuery(dest: DestinationConfig, sourceName: string): Promise<QuerySession> {
  const storage = await openStorage(dest, schemaFor(dest, sourceName));
  return { query: (sql) => storage.query(sql), close: () => storage.close() };
}

/** `<tablePrefix>rudder_<resource>`, normalised as RudderStack names tables on `dest`. Pure. */
export function tableName(dest: DestinationConfig['type'], tablePrefix: string, resource: string): string {
  return resourceTableName(DIALECTS[dest], tablePrefix, resource);
}

/** null if `prefix` is a usable table prefix, else a message saying what is wrong. */
export function validateTablePrefix(prefix: string): string | null {
  return validatePrefix(prefix);
}
