// A sync through a flaky API (5xx, empty and truncated bodies, connection resets, intermittent 403s) still
// ends with exactly the account's records: every failure is retried, nothing is lost or doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { customObjectResourceName, findResource } from '../../src/extract/catalog.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { tempDir } from '../support/env.ts';
import { collectionOf, sourceFor, tableIds, withQuery } from './support.ts';

const FAULTS = '500:0.03,503:0.02,empty:0.01,truncated:0.01,reset:0.01,403:0.005';
let emulator: RunningEmulator;
let dir: { path: string; cleanup: () => void };

beforeAll(async () => {
  // realism: ideal until the extractor handles activity ties broken differently per request and
  // eventTrackingEvents records without ids (issue 9)
  emulator = await startEmulator({
    port: 0,
    contacts: 1000,
    rateLimit: 0,
    seed: 23,
    faults: FAULTS,
    realism: 'ideal',
  });
  dir = tempDir('pipeline-faults');
});
afterAll(async () => {
  await emulator?.close();
  dir?.cleanup();
});

function collectionFor(name: string): string {
  const def = findResource(name);
  if (def) return collectionOf(def);
  for (const s of emulator.records('customObjects/schemas')) {
    if (customObjectResourceName(String(s.slug)) === name) return `customObjects/records/${String(s.id)}`;
  }
  throw new Error(`no collection for ${name}`);
}

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
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    // Only what the account does not serve at all is skipped; no fault turns into a skip or a failure.
    const served = new Set(emulator.collections());
    for (const s of result.resources) {
      const exists = !findResource(s.name) || served.has(collectionOf(findResource(s.name)!));
      expect(s.status, `${s.name}: ${s.error}`).toBe(exists ? 'success' : 'skipped');
    }

    // The faults really happened.
    const byStatus = emulator.stats().byStatus;
    const injected = ['500', '503', '403'].reduce((a, k) => a + (byStatus[k] ?? 0), 0);
    expect(injected).toBeGreaterThan(0);
    const requests = result.resources.reduce((a, s) => a + (s.requests ?? 0), 0);
    expect(requests).toBeGreaterThan(emulator.stats().requests * 0.9);

    await withQuery(dest, async (q) => {
      for (const s of result.resources) {
        if (s.status === 'skipped') continue;
        const pk = findResource(s.name)?.primaryKey ?? 'id';
        const expected = new Set([...emulator.records(collectionFor(s.name))].map((r) => String(r[pk])));
        const got = await tableIds(q, dest, source, s.name);
        expect(got.size, s.name).toBe(expected.size);
        for (const id of expected) expect(got.get(id), `${s.name} ${id}`).toBe(1);
        expect(s.rowsWritten, s.name).toBe(expected.size);
      }
    });
  });
});
