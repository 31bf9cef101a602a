// A sync through a flaky API (5xx, empty and truncated bodies, connection resets, intermittent 403s) on the
// hard emulator still ends with exactly the account's records and values: every failure is retried,
// nothing is lost or doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { findResource } from '../../src/extract/catalog.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { tempDir } from '../support/env.ts';
import { compareResource, describeMismatch } from './exact.ts';
import { collectionOf, sourceFor, withQuery } from './support.ts';

const FAULTS = '500:0.03,503:0.02,empty:0.01,truncated:0.01,reset:0.01,403:0.005';
let emulator: RunningEmulator;
let dir: { path: string; cleanup: () => void };

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    contacts: 1000,
    rateLimit: 0,
    seed: 23,
    faults: FAULTS,
  });
  dir = tempDir('pipeline-faults');
});
afterAll(async () => {
  await emulator?.close();
  dir?.cleanup();
});

describe('sync under API faults', () => {
  it(`completes with exactly the account's records under --faults ${FAULTS}`, async () => {
    const dest: DestinationConfig = { type: 'duckdb', name: 'w', path: `${dir.path}/faults.duckdb` };
    const source = sourceFor(emulator);
    const result = await runSync({
      source,
      destination: dest,
      logger: silentLogger(),
      tuning: { backoffBaseMs: 20 },
    });
    const problems: string[] = [];
    // Only what the account does not serve at all is skipped; no fault turns into a skip or a failure.
    const served = new Set(emulator.collections());
    for (const s of result.resources) {
      const exists = !findResource(s.name) || served.has(collectionOf(findResource(s.name)!));
      if (s.status !== (exists ? 'success' : 'skipped')) problems.push(`${s.name} ${s.status}: ${s.error}`);
    }

    // The faults really happened.
    const byStatus = emulator.stats().byStatus;
    const injected = ['500', '503', '403'].reduce((a, k) => a + (byStatus[k] ?? 0), 0);
    expect(injected).toBeGreaterThan(0);
    const requests = result.resources.reduce((a, s) => a + (s.requests ?? 0), 0);
    expect(requests).toBeGreaterThan(emulator.stats().requests * 0.9);

    await withQuery(dest, async (q) => {
      for (const s of result.resources) {
        if (s.status !== 'success') continue;
        const d = describeMismatch(await compareResource(q, emulator, dest, source, s.name));
        if (d) problems.push(d);
      }
    });
    expect(problems, problems.join('\n')).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
  });
});
