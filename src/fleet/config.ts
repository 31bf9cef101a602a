// What fleet mode asks of a config: a `fleet:` section, and destinations that workers on several machines
// can all write to (PostgreSQL). Also the fingerprint of a source's settings that `fleet apply` stores, so
// a second apply can tell what changed.
import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import type { DestinationConfig, FleetConfig, Schedule, SourceConfig } from '../core/contracts.ts';
import { ConfigError } from '../core/errors.ts';
import { INTERVAL_MINUTES, nextRun } from '../schedule/next-run.ts';

/** Destinations fleet mode refuses, and why. */
const FLEET_REFUSES: Partial<Record<DestinationConfig['type'], string>> = {
  duckdb:
    'DuckDB: a DuckDB file takes one writing process on one machine, and fleet workers run on several machines at once',
  clickhouse:
    "ClickHouse: fencing checks the lease inside each batch's commit, and ClickHouse has no transactions",
  's3-datalake':
    "a data lake: fencing checks the lease inside each batch's commit, and a lake has no transactions",
  'local-datalake':
    "a data lake: fencing checks the lease inside each batch's commit, and a lake has no transactions",
};

/** The config's fleet section and sources, or a ConfigError (exit 2) saying what fleet mode needs. */
export function requireFleet(config: LoadedConfig): FleetConfig {
  if (!config.fleet)
    throw new ConfigError(
      `${config.file} has no "fleet:" section; fleet mode needs the queue database, e.g.\n` +
        '  fleet:\n    url: postgres://acsync@queue-db:5432/acsync   # schema: acsync_fleet (optional)',
    );
  const problems: string[] = [];
  for (const [name, dest] of Object.entries(config.destinations)) {
    const why = FLEET_REFUSES[dest.type];
    if (!why) continue;
    const users = config.sources.filter((s) => s.destination === name).map((s) => `"${s.name}"`);
    if (users.length === 0) continue;
    problems.push(
      `${config.where(['destinations', name, 'type'])}: fleet mode cannot write to ${why}; ` +
        `use a PostgreSQL destination (type: postgres) for ${users.join(', ')}`,
    );
  }
  if (problems.length === 1) throw new ConfigError(problems[0]!);
  if (problems.length > 1)
    throw new ConfigError(`${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return config.fleet;
}

/** A URL without its password (the fingerprint must not depend on, or leak, a secret). */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/**
 * Fingerprint of everything about a source that changes how or when it runs: its settings (not the API key,
 * which each worker reads from its environment) and its destination (without the password).
 */
export function sourceHash(config: LoadedConfig, source: SourceConfig): string {
  const { apiKey: _key, ...settings } = source;
  const dest = config.destinations[source.destination]!;
  const destination = 'url' in dest ? { ...dest, url: withoutPassword(dest.url) } : dest;
  return createHash('sha256').update(JSON.stringify({ settings, destination })).digest('hex').slice(0, 16);
}

/**
 * The usual time between two runs, in seconds (null for manual schedules): a basic interval, or the gap
 * between a CRON expression's next two runs. The alert rule "no success for 2 × the interval" uses it.
 */
export function scheduleIntervalSeconds(schedule: Schedule, now = new Date()): number | null {
  if (schedule.type === 'manual') return null;
  if (schedule.type === 'basic') return INTERVAL_MINUTES[schedule.every] * 60;
  const a = nextRun(schedule, now);
  const b = a ? nextRun(schedule, a) : null;
  return a && b ? Math.round((b.getTime() - a.getTime()) / 1000) : null;
}
