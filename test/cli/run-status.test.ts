// The run's status through the real CLI: for every combination of resource outcomes (success, skipped,
// failed), `acsync sync --json` and `acsync history --json` give the same status, the one the rule in
// src/pipeline/run-status.ts names. A resource is skipped by the account's plan (deals answer 403 on Lite)
// and failed by its destination table (a view stands where the table should be, so writes fail).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { schemaFor } from '../../src/warehouse/index.ts';
import { runCli, tempDir } from '../support/env.ts';
import { sourceYaml } from './fixture.ts';

interface Summary {
  source: string;
  status: string;
  exitCode: number;
  resources: { name: string; status: string }[];
}
interface HistoryRun {
  runId: string;
  source: string;
  status: string;
  resources: { name: string; status: string }[];
}

/** One source per combination: its resources, each one's expected outcome, and the run's status. */
const COMBINATIONS: Array<{ name: string; resources: string[]; expect: string }> = [
  { name: 'Only Success', resources: ['tags'], expect: 'success' },
  { name: 'Success Skipped', resources: ['tags', 'deals'], expect: 'success' },
  { name: 'Only Skipped', resources: ['deals'], expect: 'success' },
  { name: 'Success Failed', resources: ['tags', 'lists'], expect: 'partial' },
  { name: 'Failed Skipped', resources: ['lists', 'deals'], expect: 'failed' },
  { name: 'Only Failed', resources: ['lists'], expect: 'failed' },
  { name: 'All Three', resources: ['tags', 'lists', 'deals'], expect: 'partial' },
];
const OUTCOME: Record<string, string> = { tags: 'success', deals: 'skipped', lists: 'failed' };

const tmp = tempDir('run-status');
const file = join(tmp.path, 'warehouse.duckdb');
let lite: RunningEmulator;
let revoking: RunningEmulator;

const cli = (args: string[], key: string) =>
  runCli(args, { cwd: tmp.path, env: { AC_API_KEY: key }, timeoutMs: 180_000 });

function writeConfig(
  name: string,
  em: RunningEmulator,
  sources: Array<{ name: string; resources: string[] }>,
) {
  const path = join(tmp.path, name);
  writeFileSync(
    path,
    `destinations:\n  warehouse:\n    type: duckdb\n    path: ./warehouse.duckdb\nsources:\n${sources
      .map((s) => sourceYaml({ name: s.name, resources: `[${s.resources.join(', ')}]` }, em.url))
      .join('\n')}\n`,
  );
  return path;
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  lite = await startEmulator({ port: 0, contacts: 50, rateLimit: 0, seed: 9, plan: 'lite' });
  revoking = await startEmulator({ port: 0, contacts: 400, rateLimit: 0, seed: 9, revokeKeyAfter: 6 });
  // The failing resource: a view where its table goes, in every schema that selects it.
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  for (const c of COMBINATIONS.filter((x) => x.resources.includes('lists'))) {
    const schema = schemaFor({ type: 'duckdb', name: 'warehouse', path: file }, c.name);
    await conn.run(`CREATE SCHEMA "${schema}"`);
    await conn.run(`CREATE VIEW "${schema}"."ac_rudder_lists" AS SELECT 1 AS id`);
  }
  conn.closeSync();
  instance.closeSync();
});
afterAll(async () => {
  await lite?.close();
  await revoking?.close();
  tmp.cleanup();
});

describe('a run has one status: the sync summary and acsync history agree', () => {
  it('for every combination of success, skipped and failed resources', async () => {
    const config = writeConfig('combinations.yaml', lite, COMBINATIONS);
    const synced = await cli(['sync', '--json', '--config', config], lite.apiKey);
    expect(synced.code, synced.stderr.slice(-2000)).toBe(1);
    const summaries = new Map((jsonLines(synced.stdout) as Summary[]).map((s) => [s.source, s]));
    const history = await cli(['history', '--json', '--limit', '1', '--config', config], lite.apiKey);
    expect(history.code, history.stderr.slice(-2000)).toBe(0);
    const runs = new Map((jsonLines(history.stdout).at(-1) as HistoryRun[]).map((r) => [r.source, r]));

    for (const c of COMBINATIONS) {
      const s = summaries.get(c.name)!;
      const h = runs.get(c.name)!;
      const what = `${c.name} [${c.resources.join(', ')}]`;
      for (const r of s.resources) expect(r.status, `${what}: ${r.name}`).toBe(OUTCOME[r.name]);
      expect(s.status, `${what}: sync summary`).toBe(c.expect);
      expect(h.status, `${what}: history`).toBe(c.expect);
      expect(s.exitCode, what).toBe(c.expect === 'success' ? 0 : 1);
      expect(Object.fromEntries(h.resources.map((r) => [r.name, r.status]))).toEqual(
        Object.fromEntries(s.resources.map((r) => [r.name, r.status])),
      );
    }

    // The table form says the same.
    const text = await cli(['history', '--limit', '1', '--config', config], lite.apiKey);
    for (const c of COMBINATIONS)
      expect(text.stdout, c.name).toMatch(new RegExp(`${c.expect.toUpperCase()}\\s+[\\d,]+ events`));
  }, 300_000);

  it('when the key is revoked mid-run (exit 3)', async () => {
    const config = writeConfig('revoked.yaml', revoking, [
      { name: 'Revoked', resources: ['tags', 'lists', 'contacts', 'deals', 'notes', 'field_values'] },
    ]);
    const synced = await cli(['sync', '--json', '--config', config], revoking.apiKey);
    expect(synced.code, synced.stderr.slice(-2000)).toBe(3);
    const s = jsonLines(synced.stdout).at(-1) as Summary;
    const history = await cli(['history', '--json', '--limit', '1', '--config', config], revoking.apiKey);
    const h = (jsonLines(history.stdout).at(-1) as HistoryRun[])[0]!;
    expect(s.resources.some((r) => r.status === 'failed')).toBe(true);
    expect(['partial', 'failed']).toContain(s.status);
    expect(h.status).toBe(s.status);
    expect(Object.fromEntries(h.resources.map((r) => [r.name, r.status]))).toEqual(
      Object.fromEntries(s.resources.map((r) => [r.name, r.status])),
    );
  }, 300_000);
});
