// Plumbing for the fleet tests: emulated accounts behind a request-logging proxy (one loopback address per
// account, since an account is its API host), fleet configs, and `acsync worker` processes (the real
// binary) whose JSON log lines the tests read.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { BIN, POSTGRES_URL, PROJECT_ROOT } from '../support/env.ts';

export interface LoggedRequest {
  /** Arrival time, ms since the epoch. */
  t: number;
  path: string;
  query: string;
  status: number;
}

export interface Account {
  /** The URL sources use, on this account's own loopback address (an account is its API host). */
  url: string;
  host: string;
  emulator: RunningEmulator;
  /** Every request our sources made to the account, in arrival order (the emulator's own request log). */
  readonly log: LoggedRequest[];
  close(): Promise<void>;
}

/**
 * An emulated account on `host`, with its request log on. Ideal realism: these tests are about the fleet,
 * not about surviving the hard API (the proof suites do that), so nobody else uses the account's budget.
 */
export async function startAccount(
  host: string,
  opts: { contacts: number; seed: number; rateLimit: number },
): Promise<Account> {
  const emulator = await startEmulator({ port: 0, host, realism: 'ideal', requestLog: true, ...opts });
  return {
    url: emulator.url,
    host,
    emulator,
    get log() {
      return emulator
        .requestLog()
        .filter((r) => !r.tenant)
        .map((r) => ({ t: r.t, path: r.path, query: r.query, status: r.status }));
    },
    close: () => emulator.close(),
  };
}

export interface SourceSpec {
  name: string;
  url: string;
  prefix: string;
  resources: string[];
  requestsPerSecond?: number;
  schedule?: string;
}

export interface FleetSpec {
  destSchema: string;
  /** Omit for a config without a fleet: section. */
  fleetSchema?: string;
  fleetExtra?: Record<string, number>;
  sources: SourceSpec[];
  destination?: string[];
}

export function fleetYaml(spec: FleetSpec): string {
  const lines = [
    'destinations:',
    '  warehouse:',
    ...(spec.destination ?? [
      '    type: postgres',
      `    url: ${JSON.stringify(POSTGRES_URL)}`,
      `    schema: ${spec.destSchema}`,
    ]),
  ];
  if (spec.fleetSchema) {
    lines.push('fleet:', `  url: ${JSON.stringify(POSTGRES_URL)}`, `  schema: ${spec.fleetSchema}`);
    for (const [k, v] of Object.entries(spec.fleetExtra ?? {})) lines.push(`  ${k}: ${v}`);
  }
  lines.push('sources:');
  for (const s of spec.sources)
    lines.push(
      `  - name: ${JSON.stringify(s.name)}`,
      '    accountName: emulator',
      `    url: ${s.url}`,
      `    apiKey: ${'$'}{AC_API_KEY}`,
      `    tablePrefix: ${s.prefix}`,
      `    resources: [${s.resources.join(', ')}]`,
      `    requestsPerSecond: ${s.requestsPerSecond ?? 0}`,
      `    schedule: ${s.schedule ?? '{ type: manual }'}`,
    );
  return `${lines.join('\n')}\n`;
}

export function writeYaml(file: string, spec: FleetSpec): string {
  writeFileSync(file, fleetYaml(spec));
  return file;
}

export interface Proc {
  child: ChildProcess;
  /** Parsed JSON log lines from stderr so far. */
  logs: Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line matching, or rejects after `ms`. */
  waitFor(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

/** Starts `acsync ...args` (the real binary). */
export function acsyncProc(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ACSYNC_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(parsed);
      for (const w of [...waiters])
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(match, ms = 60_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching log line within ${ms} ms; stderr:\n${err.slice(-3000)}`));
        }, ms);
        void done.then(() => {
          if (waiters.includes(w)) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`process ended before a matching log line; stderr:\n${err.slice(-3000)}`));
          }
        });
      });
    },
  };
}

/** Runs `acsync ...args` to the end. */
export async function acsyncRun(args: string[], env: Record<string, string> = {}) {
  const p = acsyncProc(args, env);
  const r = await p.done;
  return { ...r, stdout: p.stdout(), stderr: p.stderr(), logs: p.logs };
}

/** A worker process; resolves once it is listening (its metrics URL is in the log). */
export async function startWorker(
  config: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<Proc & { metrics: string; id: string }> {
  const p = acsyncProc(
    ['worker', '--config', config, '--metrics-port', '0', '--metrics-host', '127.0.0.1', ...extra],
    env,
  );
  const started = await p.waitFor((l) => l.msg === 'worker started', 60_000);
  return Object.assign(p, { metrics: String(started.metrics), id: String(started.worker) });
}

export async function query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Polls `check` until it returns a value, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  ms: number,
  what: string,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Prometheus text → { 'name{labels}': value }. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export async function dropSchemas(...schemas: string[]): Promise<void> {
  for (const s of schemas) await query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}

/**
 * Ends what a fleet test started, for its afterAll: SIGKILLs the processes still alive (SIGCONT first, so a
 * stopped one dies too), closes the accounts, drops the schemas and removes the temp dir.
 */
export async function cleanUp(what: {
  procs?: Array<Proc | undefined>;
  accounts?: Array<Account | undefined>;
  schemas?: string[];
  tmp?: { cleanup(): void };
}): Promise<void> {
  for (const p of what.procs ?? [])
    if (p && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
  for (const a of what.accounts ?? []) await a?.close();
  if (what.schemas?.length) await dropSchemas(...what.schemas);
  what.tmp?.cleanup();
}
