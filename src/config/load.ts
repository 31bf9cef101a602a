// Reads acsync.yaml: YAML → ${VAR} expansion → zod validation → cross-checks → SourceConfig /
// DestinationConfig with every default filled in. Every problem names the file, the line and the path
// inside the document, and all problems are reported at once.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { isLoopbackHost } from '../api/url.ts';
import type { DestinationConfig, FleetConfig, Schedule, SourceConfig } from '../core/contracts.ts';
import { ConfigError } from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';
import { expandEnv } from './env.ts';
import { type DocPath, formatPath, locate } from './locate.ts';
import { configSchema, type RawConfig } from './schema.ts';
import { readSecretsFile, secretsFileFor } from './secrets-file.ts';

export interface LoadedConfig {
  /** Absolute path of the file read. */
  file: string;
  sources: SourceConfig[];
  destinations: Record<string, DestinationConfig>;
  /** Things that work but look wrong (account name not matching the URL). */
  warnings: string[];
  /** The secrets file read beside the config (it may not exist). */
  secretsFile: string;
  /** With `missingEnv: 'keep'`: the `${VAR}` references left as written because VAR is not set. */
  missingEnv: { name: string; where: string }[];
  /** The `fleet:` section, when the file has one. */
  fleet?: FleetConfig;
  /** `file:line:col: path` for a path in the document, for problems found after loading (fleet checks). */
  where(path: DocPath): string;
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  /** Judge this text as the file's content (to validate an edit before writing it). */
  text?: string;
  /** Secrets to use as if they were in the secrets file (an edit not yet written). */
  secrets?: Record<string, string>;
  /**
   * 'error' (the default): an unset `${VAR}` is a problem. 'keep': it stays as written and is listed in
   * `missingEnv`, for a reader (the dashboard) that shows the config without running it.
   */
  missingEnv?: 'error' | 'keep';
}

interface Problem {
  path: DocPath;
  message: string;
  /** Point at this key of the map at `path` (unknown keys). */
  key?: string;
}

/** The path the user sees: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && rel.length < file.length ? rel : file;
}

function fail(file: string, problems: string[]): never {
  if (problems.length === 1) throw new ConfigError(problems[0]!);
  throw new ConfigError(
    `${displayPath(file)} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Converts zod issues into our problems, with messages that say what was expected and what was found. */
function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path as DocPath;
    const hasInput = 'input' in issue && issue.input !== undefined;
    const input = (issue as { input?: unknown }).input;
    const isDefault = issue.message.startsWith('Invalid input');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path, key, message: `unknown key "${key}"` });
        break;
      case 'invalid_union': {
        const disc = (issue as { discriminator?: string }).discriminator;
        const got =
          disc && input && typeof input === 'object' ? (input as Record<string, unknown>)[disc] : input;
        out.push({ path, message: `${issue.message} (got ${show(got)})` });
        break;
      }
      default:
        if (!hasInput)
          out.push({ path, message: isDefault ? 'is required' : `is required: ${issue.message}` });
        else if (isDefault && issue.code === 'invalid_type')
          out.push({ path, message: `expected ${issue.expected}, got ${show(input)}` });
        else if (issue.code === 'custom' && (typeof input !== 'string' || issue.message.includes(input)))
          out.push({ path, message: issue.message });
        else out.push({ path, message: `${issue.message} (got ${show(input)})` });
    }
  }
  return out;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Registers the password of a postgres:// URL as a secret, so no message can ever show it. */
function registerUrlPassword(url: string): void {
  try {
    const password = new URL(url).password;
    if (password) {
      registerSecret(password);
      registerSecret(decodeURIComponent(password));
    }
  } catch {
    // Not a URL: validation reports it.
  }
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadedConfig {
  const file = resolve(path);
  const shown = displayPath(file);
  if (opts.text === undefined) {
    if (!existsSync(file))
      throw new ConfigError(
        `config file ${shown} not found (create one with: acsync init, or pass --config PATH)`,
      );
    if (statSync(file).isDirectory()) throw new ConfigError(`config file ${shown} is a directory`);
  }

  const lines = new LineCounter();
  const doc = parseDocument(opts.text ?? readFileSync(file, 'utf8'), { lineCounter: lines });
  if (doc.errors.length > 0) {
    fail(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${shown}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  const where = (p: Problem) => {
    const pos = locate(doc, lines, p.path, p.key);
    return `${shown}${pos ? `:${pos.line}:${pos.col}` : ''}: ${formatPath(p.key ? [...p.path, p.key] : p.path)}: ${p.message}`;
  };

  const raw = doc.toJS() as unknown;
  if (raw === null || raw === undefined)
    throw new ConfigError(`${shown} is empty (expected "destinations:" and "sources:"; see: acsync init)`);
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(
      `${shown}: expected a mapping with "destinations:" and "sources:" at the top level`,
    );

  const warnings: string[] = [];
  // The secrets file fills in what the environment does not set; every value in it is a secret.
  const secretsFile = secretsFileFor(file);
  const stored = readSecretsFile(secretsFile);
  const fileSecrets = { ...stored.values, ...opts.secrets };
  for (const value of Object.values(fileSecrets)) registerSecret(value);
  if (stored.tooOpen)
    warnings.push(
      `${displayPath(secretsFile)} can be read by other users; make it private: chmod 600 ${displayPath(secretsFile)}`,
    );
  const given = opts.env ?? process.env;
  const env: Record<string, string | undefined> = { ...fileSecrets };
  for (const [k, v] of Object.entries(given)) if (v !== undefined && v !== '') env[k] = v;
  const expanded = expandEnv(raw, env);
  const keep = opts.missingEnv === 'keep';
  const missingEnv = keep
    ? expanded.missing.map((m) => ({
        name: m.name,
        where: where({ path: m.path, message: '' }).replace(/: $/, ''),
      }))
    : [];
  const unresolved = (s: string) => expanded.missing.some((m) => s.includes(`\${${m.name}}`));
  if (expanded.missing.length > 0 && !keep) {
    fail(
      file,
      expanded.missing.map((m) =>
        where({
          path: m.path,
          message: `environment variable ${m.name} is not set (referenced as \${${m.name}}; set it, or put it in ${displayPath(secretsFile)})`,
        }),
      ),
    );
  }
  const value = expanded.value as Record<string, unknown>;
  // Secrets first, before anything can echo them.
  for (const s of Array.isArray(value.sources) ? value.sources : []) {
    const key = s && typeof s === 'object' ? (s as { apiKey?: unknown }).apiKey : undefined;
    if (typeof key === 'string' && !unresolved(key)) registerSecret(key);
  }
  for (const d of value.destinations && typeof value.destinations === 'object'
    ? Object.values(value.destinations)
    : []) {
    const url = d && typeof d === 'object' ? (d as { url?: unknown }).url : undefined;
    if (typeof url === 'string' && !unresolved(url)) registerUrlPassword(url);
    const password = d && typeof d === 'object' ? (d as { password?: unknown }).password : undefined;
    if (typeof password === 'string' && !unresolved(password)) registerSecret(password);
  }
  const fleetRaw = value.fleet as { url?: unknown } | undefined;
  if (
    fleetRaw &&
    typeof fleetRaw === 'object' &&
    typeof fleetRaw.url === 'string' &&
    !unresolved(fleetRaw.url)
  )
    registerUrlPassword(fleetRaw.url);

  const parsed = configSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) fail(file, problemsFromIssues(parsed.error.issues).map(where));
  const cfg: RawConfig = parsed.data;

  const problems: Problem[] = [];
  const destinationNames = Object.keys(cfg.destinations);
  const seen = new Map<string, number>();
  cfg.sources.forEach((s, i) => {
    const prev = seen.get(s.name.toLowerCase());
    if (prev !== undefined)
      problems.push({
        path: ['sources', i, 'name'],
        message: `"${s.name}" is already the name of sources[${prev}]`,
      });
    else seen.set(s.name.toLowerCase(), i);

    if (s.destination === undefined && destinationNames.length > 1)
      problems.push({
        path: ['sources', i],
        message: `say which destination to use: destination: ${destinationNames.join(' | ')}`,
      });
    if (s.destination !== undefined && !cfg.destinations[s.destination])
      problems.push({
        path: ['sources', i, 'destination'],
        message: `no destination named "${s.destination}" (defined: ${destinationNames.join(', ')})`,
      });
    const host = hostOf(s.url);
    const local = host !== null && isLoopbackHost(host);
    const firstLabel = host?.split('.')[0]?.toLowerCase();
    const account = s.accountName.split('.')[0]!.toLowerCase();
    if (host && !local && firstLabel !== account)
      warnings.push(
        where({
          path: ['sources', i, 'accountName'],
          message: `account name "${s.accountName}" does not match the API URL's host ${host}; using the URL`,
        }),
      );
    // Unlimited is for the emulator: the real API answers 429 past 5 requests/second per account.
    if (host && !local && s.requestsPerSecond === 0)
      problems.push({
        path: ['sources', i, 'requestsPerSecond'],
        message: `0 (unlimited) is only for a loopback URL such as the emulator's; ${host} allows 5 requests/second per account`,
      });
    if (host && !local && s.requestsPerSecond > 5)
      warnings.push(
        where({
          path: ['sources', i, 'requestsPerSecond'],
          message: `ActiveCampaign allows 5 requests/second per account; ${s.requestsPerSecond} will be answered with 429s`,
        }),
      );
  });
  if (problems.length > 0) fail(file, problems.map(where));

  const destinations: Record<string, DestinationConfig> = {};
  for (const [name, d] of Object.entries(cfg.destinations))
    destinations[name] = toDestinationConfig(name, d, dirname(file));

  const sources: SourceConfig[] = cfg.sources.map((s) => ({
    name: s.name,
    accountName: s.accountName,
    url: s.url,
    apiKey: s.apiKey,
    tablePrefix: s.tablePrefix,
    schedule: s.schedule as Schedule,
    resources: s.resources,
    requestsPerSecond: s.requestsPerSecond,
    destination: s.destination ?? destinationNames[0]!,
    lookbackHours: s.lookbackHours,
    reconcileEveryHours: s.reconcileEveryHours,
  }));
  const config: LoadedConfig = {
    file,
    sources,
    destinations,
    warnings,
    secretsFile,
    missingEnv,
    where: (path) => {
      const pos = locate(doc, lines, path);
      return `${shown}${pos ? `:${pos.line}:${pos.col}` : ''}: ${formatPath(path)}`;
    },
  };
  if (cfg.fleet) config.fleet = { ...cfg.fleet };
  return config;
}

/** A validated destination entry as the layers use it: a DuckDB path is made absolute from `base`. */
export function toDestinationConfig(
  name: string,
  d: RawConfig['destinations'][string],
  base: string,
): DestinationConfig {
  const local = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  const out: DestinationConfig =
    d.type === 'duckdb' || d.type === 'local-datalake'
      ? { type: d.type, name, path: local(d.path), schema: d.schema }
      : d.type === 'clickhouse'
        ? { type: 'clickhouse', name, url: d.url, schema: d.database, user: d.user, password: d.password }
        : d.type === 'postgres'
          ? { type: 'postgres', name, url: d.url, schema: d.schema }
          : { ...d, name };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete (out as Record<string, unknown>)[k];
  return out;
}

/** The sources a command acts on: one by name (case-insensitive), or all of them. */
export function selectSources(config: LoadedConfig, name?: string): SourceConfig[] {
  if (name === undefined) return config.sources;
  const found = config.sources.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (!found)
    throw new ConfigError(
      `no source named "${name}" in ${displayPath(config.file)} (sources: ${config.sources.map((s) => `"${s.name}"`).join(', ')})`,
    );
  return [found];
}
