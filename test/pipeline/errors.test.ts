// How runSync ends when things go wrong: a rejected key or a payment problem stops the run with exit code 3
// (and the key never appears anywhere); an unreachable destination or a bad config rejects before the start;
// a stop request ends the run after the current batch commits, and the next run resumes from there.
import { afterAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../src/core/contracts.ts';
import { ConfigError, DestinationUnreachableError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { tempDir } from '../support/env.ts';
import { sourceFor, tableIds, withQuery } from './support.ts';

const dir = tempDir('pipeline-errors');
const emulators: RunningEmulator[] = [];
afterAll(async () => {
  for (const e of emulators) await e.close();
  dir.cleanup();
});
async function emulator(opts: Parameters<typeof startEmulator>[0]) {
  const e = await startEmulator({ port: 0, rateLimit: 0, seed: 3, ...opts });
  emulators.push(e);
  return e;
}
let n = 0;
const duck = (): DestinationConfig => ({ type: 'duckdb', name: 'w', path: `${dir.path}/e${n++}.duckdb` });

describe('runSync failures', () => {
  it('a rejected key stops the run with exit code 3 and never shows the key', async () => {
    const em = await emulator({ contacts: 100 });
    const key = 'not-the-right-key-123456';
    const r = await runSync({
      source: sourceFor(em, { apiKey: key }),
      destination: duck(),
      resources: ['contacts', 'deals', 'tags'],
      logger: silentLogger(),
    });
    expect(r.status).toBe('failed');
    expect(r.exitCode).toBe(3);
    expect(r.error).toMatch(/the API key was rejected/);
    for (const s of r.resources) expect(s.status).toBe('failed');
    expect(JSON.stringify(r)).not.toContain(key);
  });

  it('a 402 (payment problem) stops the run with exit code 3 and says so', async () => {
    const em = await emulator({ contacts: 100, faults: '402:1' });
    const r = await runSync({
      source: sourceFor(em),
      destination: duck(),
      resources: ['contacts', 'tags'],
      logger: silentLogger(),
    });
    expect(r.exitCode).toBe(3);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/402.*payment/);
  });

  it('rejects before the start for a bad URL or an unreachable destination', async () => {
    const em = await emulator({ contacts: 10 });
    await expect(
      runSync({
        source: sourceFor(em, { url: 'http://example.com' }),
        destination: duck(),
        logger: silentLogger(),
      }),
    ).rejects.toBeInstanceOf(ConfigError);
    const err = await runSync({
      source: sourceFor(em),
      destination: { type: 'postgres', name: 'pg', url: 'postgres://postgres@127.0.0.1:1/test' },
      logger: silentLogger(),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DestinationUnreachableError);
    expect(err.exitCode).toBe(4);
  });

  it('a stop request ends after the current batch commits; the next run resumes there', async () => {
    const em = await emulator({ contacts: 5000, latency: [1, 2] });
    const dest = duck();
    const source = sourceFor(em);
    const stop = new AbortController();
    const first = await runSync({
      source,
      destination: dest,
      resources: ['contacts'],
      logger: silentLogger(),
      signal: stop.signal,
      tuning: { batch: { maxRows: 500, maxBytes: 1e8 } },
      onProgress: (e) => {
        if (e.kind === 'page') stop.abort();
      },
    });
    expect(first.exitCode).toBe(1);
    expect(first.status).not.toBe('success');
    const c1 = first.resources[0];
    expect(c1.status).toBe('failed');
    expect(c1.error).toMatch(/stopped/);
    expect(c1.rowsWritten).toBeGreaterThan(0);
    expect(c1.rowsWritten).toBeLessThan(5000);
    const before = em.stats().requests;
    const second = await runSync({
      source,
      destination: dest,
      resources: ['contacts'],
      logger: silentLogger(),
    });
    expect(second.status).toBe('success');
    // Resumed: it did not re-read what the first run committed.
    expect(em.stats().requests - before).toBeLessThanOrEqual(51 - Math.floor(c1.rowsWritten / 100) + 1);
    await withQuery(dest, async (q) => {
      const ids = await tableIds(q, dest, source, 'contacts');
      expect(ids.size).toBe(5000);
    });
  });
});
