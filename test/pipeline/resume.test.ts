// Killing a sync (SIGKILL) at random moments and restarting it ends with the same table as an uninterrupted
// run, and the restarts resume from the last committed batch instead of starting over.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig, RunResult } from '../../src/core/contracts.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { openWarehouse } from '../../src/warehouse/index.ts';
import { PROJECT_ROOT, tempDir } from '../support/env.ts';
import { qualified, sourceFor, tableIds, withQuery } from './support.ts';

const CONTACTS = 12_000;
const FIXTURE = join(PROJECT_ROOT, 'test/pipeline/fixtures/run-sync.ts');
let emulator: RunningEmulator;
let dir: { path: string; cleanup: () => void };

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, contacts: CONTACTS, rateLimit: 0, seed: 31, latency: [1, 3] });
  dir = tempDir('pipeline-resume');
});
afterAll(async () => {
  await emulator?.close();
  dir?.cleanup();
});

/** Runs the fixture; when `killAfterRequests` is set, SIGKILLs it once the emulator has seen that many more requests. */
function runChild(
  input: unknown,
  killAfterRequests?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; result?: RunResult }> {
  return new Promise((resolve, reject) => {
    const start = emulator.stats().requests;
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(input)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer =
      killAfterRequests === undefined
        ? undefined
        : setInterval(() => {
            if (emulator.stats().requests - start >= killAfterRequests) child.kill('SIGKILL');
          }, 5);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const line = out.trim().split('\n').pop();
      if (code !== null && code !== 0 && !line) reject(new Error(`run-sync failed (${code}): ${err}`));
      resolve({ code, signal, result: line ? (JSON.parse(line) as RunResult) : undefined });
    });
  });
}

describe('resuming a killed sync', () => {
  it('ends with the full table after random SIGKILLs, requesting fewer pages than two full runs', async () => {
    const dest: DestinationConfig = { type: 'duckdb', name: 'w', path: `${dir.path}/resume.duckdb` };
    const source = sourceFor(emulator);
    const input = { source, destination: dest, resources: ['contacts'], batchRows: 1500 };
    const fullRunPages = Math.floor(CONTACTS / 100) + 1;
    const before = emulator.stats().requests;

    let kills = 0;
    for (let i = 0; i < 3; i++) {
      // A random moment: after 15–60 more pages of this run.
      const after = 15 + Math.floor(Math.random() * 45);
      const r = await runChild(input, after);
      if (r.signal === 'SIGKILL') kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const last = await runChild(input);
    expect(last.code).toBe(0);
    expect(last.result?.status).toBe('success');

    const requests = emulator.stats().requests - before;
    expect(requests).toBeLessThan(2 * fullRunPages);

    await withQuery(dest, async (q) => {
      const ids = await tableIds(q, dest, source, 'contacts');
      const expected = [...emulator.records('contacts')].map((c) => String(c.id));
      expect(ids.size).toBe(expected.length);
      for (const id of expected) expect(ids.get(id), id).toBe(1);
      const rows = await q(
        `SELECT CAST(id AS VARCHAR) AS id, email FROM ${qualified(dest, source, 'contacts')}`,
      );
      const emails = new Map([...emulator.records('contacts')].map((c) => [String(c.id), c.email]));
      for (const row of rows) expect(row.email).toBe(emails.get(String(row.id)));
    });

    // The killed runs could not record their end; the next start marked them failed.
    const target = await openWarehouse(dest, { name: source.name, tablePrefix: source.tablePrefix });
    const history = await target.history();
    await target.close();
    expect(history.filter((h) => h.status === 'running')).toEqual([]);
    expect(history.filter((h) => h.status === 'failed').length).toBeGreaterThanOrEqual(kills);
    expect(history.filter((h) => h.status === 'success').length).toBe(1);
  });
});
