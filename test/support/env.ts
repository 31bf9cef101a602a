// Shared test plumbing: where PostgreSQL and ../shared are, temp dirs, and running the real binary.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_REFERENCE = resolve(PROJECT_ROOT, '../shared/reference');
export const BIN = join(PROJECT_ROOT, 'bin/acsync.js');

export const POSTGRES_URL = process.env.ACSYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true';

/** True when ../shared/reference exists; otherwise prints why the caller skips. */
export function haveSharedReference(what: string): boolean {
  if (existsSync(SHARED_REFERENCE)) return true;
  console.warn(`skipping ${what}: ${SHARED_REFERENCE} is absent (it ships with CI)`);
  return false;
}

/**
 * Whether PostgreSQL answers. Under CI=true a missing server is a failure, not a skip.
 * Use with `describe.runIf(await postgresAvailable('what'))`.
 */
export async function postgresAvailable(what: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (err) {
    if (IN_CI) throw new Error(`PostgreSQL at ${POSTGRES_URL} is required under CI: ${String(err)}`);
    console.warn(`skipping ${what}: no PostgreSQL at ${POSTGRES_URL} (${String(err)})`);
    return false;
  }
}

/** A unique, valid schema name for one test. */
export function uniqueSchema(tag: string): string {
  return `t_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function tempDir(tag: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `acsync-${tag}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `acsync ...args` as a real process. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
