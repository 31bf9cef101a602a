// The dashboard's view of acsync.yaml, read afresh on every request (a hand edit shows at once): the loaded
// config as `acsync check` sees it, except that an unset `${VAR}` is listed instead of failing, plus the
// raw (unexpanded) values the forms show. No secret value leaves this module: only where each key is kept.
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { groupRuns, ROWS_PER_RUN, type RunHistory } from '../cli/commands/history.ts';
import { withWarehouse } from '../cli/context.ts';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { readSecretsFile, secretsFileFor } from '../config/secrets-file.ts';
import type { SourceConfig } from '../core/contracts.ts';
import { describeError } from '../core/errors.ts';

export type RawSettings = Record<string, unknown>;

export interface ConfigState {
  file: string;
  exists: boolean;
  /** Null when the file is absent or invalid. */
  config: LoadedConfig | null;
  /** Why the file could not be loaded (all its problems, as `acsync check` prints them). */
  error: string | null;
  /** Values as written in the file (`${VAR}` unexpanded), by source name and destination name. */
  rawSources: RawSettings[];
  rawDestinations: Record<string, RawSettings>;
  secretsFile: string;
  /** Names defined in the secrets file (never their values). */
  secretNames: string[];
}

export function readConfigState(file: string): ConfigState {
  const secretsFile = secretsFileFor(file);
  const state: ConfigState = {
    file,
    exists: existsSync(file),
    config: null,
    error: null,
    rawSources: [],
    rawDestinations: {},
    secretsFile,
    secretNames: [],
  };
  try {
    state.secretNames = Object.keys(readSecretsFile(secretsFile).values);
  } catch (e) {
    state.error = describeError(e);
    return state;
  }
  if (!state.exists) return state;
  try {
    state.config = loadConfig(file, { missingEnv: 'keep' });
  } catch (e) {
    state.error = describeError(e);
  }
  try {
    const raw = parseDocument(readFileSync(file, 'utf8')).toJS() as {
      sources?: unknown;
      destinations?: unknown;
    } | null;
    if (raw && Array.isArray(raw.sources))
      state.rawSources = raw.sources.filter((s): s is RawSettings => !!s && typeof s === 'object');
    if (raw?.destinations && typeof raw.destinations === 'object')
      state.rawDestinations = raw.destinations as Record<string, RawSettings>;
  } catch {
    // The loader has reported what is wrong.
  }
  return state;
}

/** The config as `acsync sync` loads it (every `${VAR}` must be set): what a run uses. */
export function loadForRun(file: string): LoadedConfig {
  return loadConfig(file);
}

export function findSource(state: ConfigState, name: string): SourceConfig | undefined {
  return state.config?.sources.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

export function rawSource(state: ConfigState, name: string): RawSettings | undefined {
  return state.rawSources.find((s) => String(s.name ?? '').toLowerCase() === name.toLowerCase());
}

export type KeyStorage = 'secrets-file' | 'env' | 'literal';

export interface KeyInfo {
  storage: KeyStorage;
  /** The variable named by `${VAR}` (for a literal key: none). */
  variable: string | null;
  /** Whether a value is available to this process (environment or secrets file). */
  available: boolean;
}

const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Where a source's key is kept, judged from the raw `apiKey:` value. Never the key itself. */
export function keyInfo(state: ConfigState, raw: RawSettings | undefined): KeyInfo {
  const value = typeof raw?.apiKey === 'string' ? raw.apiKey.trim() : '';
  const m = REFERENCE.exec(value);
  if (!m) return { storage: 'literal', variable: null, available: value !== '' };
  const name = m[1]!;
  const inEnv = !!process.env[name];
  if (state.secretNames.includes(name) && !inEnv)
    return { storage: 'secrets-file', variable: name, available: true };
  return { storage: 'env', variable: name, available: inEnv || state.secretNames.includes(name) };
}

/** Secrets-file variable name proposed for a new source's key: ACSYNC_<NAME>_API_KEY. */
export function suggestedKeyVariable(sourceName: string): string {
  const slug = sourceName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `ACSYNC_${slug || 'SOURCE'}_API_KEY`;
}

/**
 * A source's past runs, newest first, exactly as `acsync history --json` reports them. The warehouse is
 * opened for the read and closed after (a DuckDB file is not held between requests); a DuckDB file that
 * does not exist yet has no runs, and is not created by looking.
 */
export async function readHistory(
  config: LoadedConfig,
  source: SourceConfig,
  runs: number,
): Promise<RunHistory[]> {
  const dest = config.destinations[source.destination];
  if (!dest || (dest.type === 'duckdb' && !existsSync(dest.path))) return [];
  const rows = await withWarehouse(config, source, (t) => t.history({ limit: runs * ROWS_PER_RUN }));
  return groupRuns(rows, runs);
}
