// Shared set-up for the dashboard tests: an in-process dashboard on a temp config, and a client that
// speaks to it the way its page does (CSRF header + cookie, JSON).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningDashboard, startDashboard } from '../../src/serve/index.ts';
import { BIN } from '../support/env.ts';

export interface DashboardClient {
  url: string;
  dashboard: RunningDashboard;
  csrf: string;
  cookie: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function dashboardClient(dir: string, file = 'acsync.yaml'): Promise<DashboardClient> {
  const dashboard = await startDashboard({
    configFile: join(dir, file),
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: silentLogger(),
  });
  const first = await fetch(`${dashboard.url}/`);
  const html = await first.text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(html)![1]!;
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const client: DashboardClient = {
    url: dashboard.url,
    dashboard,
    csrf,
    cookie,
    get: (path, headers = {}) => fetch(`${dashboard.url}${path}`, { headers: { cookie, ...headers } }),
    post: (path, body, headers = {}) =>
      fetch(`${dashboard.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': csrf,
          cookie,
          origin: dashboard.url,
          ...headers,
        },
        body: JSON.stringify(body),
      }),
  };
  return client;
}

/** The form's JSON for a new source on the emulator with a new DuckDB destination. */
export function sourceForm(emulatorUrl: string, over: Record<string, unknown> = {}) {
  return {
    originalName: null,
    name: 'ActiveCampaign Prod',
    accountName: 'emulator',
    url: emulatorUrl,
    apiKey: '',
    keyStorage: 'secrets-file',
    keyVariable: 'ACSYNC_PROD_KEY',
    tablePrefix: 'test_',
    schedule: { type: 'manual', every: '', startAt: '', expression: '', timezone: '' },
    resources: ['contacts', 'tags', 'lists'],
    destination: { mode: 'new', name: 'warehouse', type: 'duckdb', settings: { path: './warehouse.duckdb' } },
    ...over,
  };
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/** `acsync serve ...args` as a real process; resolves once it prints its address. */
export function spawnServe(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`acsync serve did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /dashboard at (http:\/\/[^\s/]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          output: () => out,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`acsync serve exited with ${code}:\n${out}`));
    });
  });
}
