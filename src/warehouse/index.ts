// The warehouse layer's entry point: open one source's view of a destination, and the pure naming
// helpers the CLI uses (`acsync resources`, docs).
import type { DestinationConfig, WarehouseTarget } from '../core/contracts.ts';
import { DIALECTS } from './dialects.ts';
import type { Driver } from './driver.ts';
import { resourceTableName, toSafeNamespace, validateTablePrefix as validatePrefix } from './naming.ts';
import { Target, type WarehouseOptions } from './target.ts';

export type { WarehouseOptions } from './target.ts';

async function openDriver(dest: DestinationConfig): Promise<Driver> {
  switch (dest.type) {
    case 'duckdb': {
      const { DuckDBDriver } = await import('./destinations/duckdb.ts');
      return DuckDBDriver.open(dest.path);
    }
    case 'postgres': {
      const { PostgresDriver } = await import('./destinations/postgres.ts');
      return PostgresDriver.open(dest.url);
    }
  }
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
  const driver = await openDriver(dest);
  const target = new Target(driver, schemaFor(dest, source.name), source, dest, options);
  try {
    await target.init();
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return target;
}

/** `<tablePrefix>rudder_<resource>`, normalised as RudderStack names tables on `dest`. Pure. */
export function tableName(dest: DestinationConfig['type'], tablePrefix: string, resource: string): string {
  return resourceTableName(DIALECTS[dest], tablePrefix, resource);
}

/** null if `prefix` is a usable table prefix, else a message saying what is wrong. */
export function validateTablePrefix(prefix: string): string | null {
  return validatePrefix(prefix);
}
