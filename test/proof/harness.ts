// Shared plumbing for the proof suites (crash, fault, bad input, secrecy): sizes (reduced for `npm test`,
// full under ACSYNC_STRESS=full), destinations, config files, the real `acsync` binary as a child process,
// and what a warehouse holds, reduced to per-table fingerprints two syncs can be compared by.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { sequence } from '../../src/emulator/hash.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { latestRows } from '../../src/warehouse/dialects/clickhouse.ts';
import { DISCARD_KEY } from '../../src/warehouse/discards.ts';
import { openQuery } from '../../src/warehouse/index.ts';
import { BIN, POSTGRES_URL, PROJECT_ROOT } from '../support/env.ts';

export const FULL = process.env.ACSYNC_STRESS === 'full';

/** Suite sizes: the full ones run by `npm run test:stress`, the reduced ones inside `npm test`. */
export const SIZES = FULL
  ? { crashContacts: 50_000, kills: 20, faultContacts: 5_000, badInputContacts: 2_000 }
  : { crashContacts: 1_000, kills: 5, faultContacts: 500, badInputContacts: 300 };

/**
 * Resources the reduced fault suite syncs: one of each paging style (keyset, offset, side-load, child
 * collections) so every fault meets every paginator; the full suite syncs them all.
 */
export const FAULT_RESOURCES: string[] | undefined = FULL
  ? undefined
  : [
      // field_values and contact_tags ride on the contacts pages (side-loads): activities and
      // email_activities add pages of their own, so every fault has requests enough to strike.
      'activities',
      'email_activities',
      'contacts',
      'field_values',
      'contact_tags',
      'deals',
      'notes',
      'tags',
      'lists',
      'fields',
      'field_options',
      'deal_groups',
      'deal_stages',
      'ecom_order_products',
      'users',
    ];

/** Per-test timeout: full-size runs take long. */
export const SUITE_TIMEOUT_MS = FULL ? 4 * 3600_000 : 600_000;

export const SOURCE_NAME = 'Proof Source';
export const PREFIX = 'ac_';

/** RudderStack columns whose values belong to one run, not to the record: left out of fingerprints. */
export const RUN_COLUMNS = new Set([
  'received_at',
  'uuid_ts',
  'context_sources_job_id',
  'context_sources_job_run_id',
  'context_sources_task_run_id',
]);

export type Dest =
  | { type: 'duckdb'; path: string; schema?: string }
  | { type: 'postgres'; url: string; schema: string }
  | { type: 'clickhouse'; url: string; schema: string; password?: string }
  | { type: 'local-datalake'; path: string; schema: string }
  | { type: 's3-datalake'; bucket: string; endpoint: string; region: string; schema: string };

export function destYaml(d: Dest): string[] {
  if (d.type === 'clickhouse')
    return [
      '    type: clickhouse',
      `    url: ${JSON.stringify(d.url)}`,
      `    database: ${d.schema}`,
      ...(d.password ? [`    password: ${JSON.stringify(d.password)}`] : []),
    ];
  if (d.type === 'local-datalake')
    return ['    type: local-datalake', `    path: ${JSON.stringify(d.path)}`, `    schema: ${d.schema}`];
  if (d.type === 's3-datalake')
    return [
      '    type: s3-datalake',
      `    bucket: ${d.bucket}`,
      `    region: ${d.region}`,
      `    endpoint: ${JSON.stringify(d.endpoint)}`,
      `    schema: ${d.schema}`,
    ];
  return d.type === 'duckdb'
    ? [
        '    type: duckdb',
        `    path: ${JSON.stringify(d.path)}`,
        ...(d.schema ? [`    schema: ${d.schema}`] : []),
      ]
    : ['    type: postgres', `    url: ${JSON.stringify(d.url)}`, `    schema: ${d.schema}`];
}

export interface ConfigOptions {
  url: string;
  apiKey: string;
  resources?: string[];
  requestsPerSecond?: number;
}

/** Writes an acsync.yaml for one source and one destination; returns its path. */
export function writeConfig(file: string, dest: Dest, o: ConfigOptions): string {
  mkdirSync(dirname(file), { recursive: true });
  const lines = [
    'destinations:',
    '  warehouse:',
    ...destYaml(dest),
    'sources:',
    `  - name: ${JSON.stringify(SOURCE_NAME)}`,
    '    accountName: emulator',
    `    url: ${JSON.stringify(o.url)}`,
    `    apiKey: ${JSON.stringify(o.apiKey)}`,
    `    tablePrefix: ${PREFIX}`,
    `    requestsPerSecond: ${o.requestsPerSecond ?? 0}`,
    `    resources: ${o.resources ? `[${o.resources.join(', ')}]` : 'all'}`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The schema a destination's tables live in (the source name the RudderStack way unless set). */
export function schemaOf(d: Dest): string {
  return d.schema ?? 'proof_source';
}

// ───────────────────────────── the binary ─────────────────────────────

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Finished>;
}

/** Starts `acsync ...args` (the real binary); `env` adds to the environment. */
export function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function acsync(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return start(args, env).done;
}

/** Client timeout for the proof syncs (the slow fault holds answers beyond it). */
export const CLIENT_TIMEOUT_MS = 2_000;
export const SYNC_ENV = { ACSYNC_HTTP_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS) };

/** `acsync sync --config FILE --json`, returning the parsed summary (last stdout line) too. */
export async function sync(
  config: string,
  extra: string[] = [],
): Promise<Finished & { summary?: Record<string, unknown> }> {
  const r = await acsync(['sync', '--config', config, '--json', ...extra], SYNC_ENV);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...r, summary: JSON.parse(last) as Record<string, unknown> };
  } catch {
    return r;
  }
}

/**
 * Starts a sync and SIGKILLs it once the emulator has answered `afterRequests` more requests. Resolves
 * with whether the kill happened (false: the sync ended on its own first).
 */
export async function syncKilledAfter(
  config: string,
  em: RunningEmulator,
  afterRequests: number,
  onKill?: () => void | Promise<void>,
): Promise<{ killed: boolean; result: Finished }> {
  const base = em.stats().requests;
  const run = start(['sync', '--config', config, '--json'], SYNC_ENV);
  let killed = false;
  const timer = setInterval(() => {
    if (!killed && em.stats().requests - base >= afterRequests) {
      killed = true;
      run.child.kill('SIGKILL');
      void onKill?.();
    }
  }, 2);
  const result = await run.done;
  clearInterval(timer);
  return { killed: result.signal === 'SIGKILL', result };
}

/** A seeded generator (the emulator's mulberry32): kill points are reproducible. */
export const seeded = sequence;

// ───────────────────────────── reading a warehouse ─────────────────────────────

export type Rows = Record<string, unknown>[];
export type Query = (sql: string) => Promise<Rows>;

export async function withQuery<T>(d: Dest, fn: (q: Query) => Promise<T>): Promise<T> {
  if (d.type === 'clickhouse') {
    const client = createClient({ url: d.url, log: { level: ClickHouseLogLevel.OFF } });
    try {
      return await fn(async (sql) => {
        const r = await client.query({ query: sql, format: 'JSONEachRow' });
        return (await r.json()) as Rows;
      });
    } finally {
      await client.close();
    }
  }
  if (d.type === 'local-datalake' || d.type === 's3-datalake') {
    // A lake is read the documented way: the newest row per id over the committed files.
    const session = await openQuery({ ...d, name: 'warehouse' }, SOURCE_NAME);
    try {
      return await fn((sql) => session.query(sql));
    } finally {
      await session.close();
    }
  }
  if (d.type === 'postgres') {
    const client = new pg.Client({ connectionString: d.url });
    await client.connect();
    try {
      return await fn(async (sql) => (await client.query(sql)).rows as Rows);
    } finally {
      await client.end();
    }
  }
  const instance = await DuckDBInstance.create(d.path);
  const conn = await instance.connect();
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Rows);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Tables in the destination's schema with their columns, in name order. */
export async function tablesOf(q: Query, d: Dest): Promise<Map<string, string[]>> {
  const rows = await q(
    d.type === 'clickhouse'
      ? `SELECT table AS table_name, name AS column_name FROM system.columns WHERE database = ${lit(schemaOf(d))} ` +
          'ORDER BY table_name, column_name'
      : `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ${lit(schemaOf(d))} ` +
          'ORDER BY table_name, column_name',
  );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const t = String(r.table_name);
    out.set(t, [...(out.get(t) ?? []), String(r.column_name)]);
  }
  return out;
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Date) return x.toISOString();
    return x;
  });
}

export interface TableFingerprint {
  rows: number;
  distinctIds: number;
  columns: string[];
  /** sha256 over every row's record columns, in id order. */
  checksum: string;
}

/** Per resource table (and rudder_discards): row count, distinct ids, record columns and a checksum. */
export async function fingerprint(d: Dest): Promise<Record<string, TableFingerprint>> {
  return withQuery(d, async (q) => {
    const out: Record<string, TableFingerprint> = {};
    for (const [table, all] of await tablesOf(q, d)) {
      if (table.startsWith('_acsync_')) continue;
      const columns = all.filter((c) => !RUN_COLUMNS.has(c));
      const hasId = columns.includes('id');
      // ClickHouse is read the documented way: the newest row per id (per cell for discards).
      const from =
        d.type === 'clickhouse'
          ? `(${latestRows(`${ident(schemaOf(d))}.${ident(table)}`, hasId ? ['id'] : DISCARD_KEY)})`
          : `${ident(schemaOf(d))}.${ident(table)}`;
      const counts = await q(
        `SELECT COUNT(*) AS n, ${hasId ? 'COUNT(DISTINCT id)' : 'COUNT(*)'} AS ids FROM ${from}`,
      );
      const asText = (c: string) =>
        d.type === 'clickhouse' ? `toString(${ident(c)})` : `CAST(${ident(c)} AS VARCHAR)`;
      const order = hasId ? asText('id') : columns.map(asText).join(', ');
      const rows = await q(`SELECT ${columns.map(ident).join(', ')} FROM ${from} ORDER BY ${order}`);
      const hash = createHash('sha256');
      for (const r of rows) hash.update(`${canonical(columns.map((c) => r[c]))}\n`);
      out[table] = {
        rows: Number(counts[0]!.n),
        distinctIds: Number(counts[0]!.ids),
        columns,
        checksum: hash.digest('hex'),
      };
    }
    return out;
  });
}

/** A bookkeeping table as SQL: on ClickHouse, its newest live version per key (see destinations/clickhouse.ts). */
function bookkeeping(d: Dest, table: string, key: string[]): string {
  const target = `${ident(schemaOf(d))}.${ident(table)}`;
  if (d.type !== 'clickhouse') return target;
  return `(SELECT * FROM ${target} ORDER BY _version DESC LIMIT 1 BY ${key.map(ident).join(', ')}) WHERE _deleted = 0`;
}

/** How far before the emulator's start a cursor counts as clamped to a run's start (skew allowance and more). */
const CLAMP_MARGIN_MS = 15 * 60_000;

/**
 * Every resource's stored state (resource → parsed JSON). With `accountSince` (when the emulator started),
 * timestamps from CLAMP_MARGIN_MS before it on read `<clamped>`: a cursor that met a future date is clamped
 * to its run's start (minus a skew), which differs between two syncs of the same account.
 */
export async function states(d: Dest, accountSince?: number): Promise<Record<string, unknown>> {
  const recent = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const t = /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
      return accountSince !== undefined && t >= accountSince - CLAMP_MARGIN_MS ? '<clamped>' : v;
    }
    if (Array.isArray(v)) return v.map(recent);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, recent(x)]));
    return v;
  };
  return withQuery(d, async (q) => {
    const rows = await q(
      `SELECT resource, state FROM ${bookkeeping(d, '_acsync_state', ['table_prefix', 'resource'])} ORDER BY resource`,
    );
    return Object.fromEntries(
      rows.map((r) => {
        const state = recent(JSON.parse(String(r.state))) as Record<string, unknown>;
        // When the last reconcile ran belongs to the run, not to the records (extract/tiers.ts).
        if (String(r.resource) === '_tiers') delete state.reconciledAt;
        return [String(r.resource), state];
      }),
    );
  });
}

export interface HistoryRun {
  runId: string;
  statuses: string[];
  errors: string[];
  startedAt: string;
}

/** The run history, oldest first, grouped by run. */
export async function historyRuns(d: Dest): Promise<HistoryRun[]> {
  return withQuery(d, async (q) => {
    const rows = await q(
      `SELECT run_id, status, error, ${d.type === 'clickhouse' ? 'started_at' : 'CAST(started_at AS VARCHAR)'} AS started FROM ${bookkeeping(d, '_acsync_runs', ['run_id', 'resource'])} ORDER BY started_at, run_id`,
    );
    const runs = new Map<string, HistoryRun>();
    for (const r of rows) {
      const id = String(r.run_id);
      const run = runs.get(id) ?? { runId: id, statuses: [], errors: [], startedAt: String(r.started) };
      run.statuses.push(String(r.status));
      if (r.error != null) run.errors.push(String(r.error));
      runs.set(id, run);
    }
    return [...runs.values()];
  });
}

/** Every text value in every table of the destination's schema, as one string per table (for secrecy scans). */
export async function allText(d: Dest): Promise<Map<string, string>> {
  return withQuery(d, async (q) => {
    const out = new Map<string, string>();
    for (const [table, columns] of await tablesOf(q, d)) {
      const from = `${ident(schemaOf(d))}.${ident(table)}`;
      const rows = await q(
        d.type === 'clickhouse'
          ? `SELECT * FROM ${from}`
          : `SELECT ${columns.map((c) => `CAST(${ident(c)} AS VARCHAR) AS ${ident(c)}`).join(', ')} FROM ${from}`,
      );
      out.set(
        table,
        `${columns.join('\n')}\n${rows.map((r) => columns.map((c) => String(r[c] ?? '')).join('\t')).join('\n')}`,
      );
    }
    return out;
  });
}

/** A fresh DuckDB destination in `dir`. */
export function duckdbDest(dir: string, name: string): Dest {
  return { type: 'duckdb', path: join(dir, `${name}.duckdb`), schema: 'proof' };
}

/** A fresh local data lake in `dir`. */
export function localLakeDest(dir: string, name: string): Dest {
  return { type: 'local-datalake', path: join(dir, `${name}-lake`), schema: 'proof' };
}

export function postgresDest(schema: string, url = POSTGRES_URL): Dest {
  return { type: 'postgres', url, schema };
}

/** A ClickHouse database on a test's own server. */
export function clickhouseDest(url: string, schema: string): Dest {
  return { type: 'clickhouse', url, schema };
}
