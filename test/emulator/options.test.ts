// Option parsing: the fault and latency syntax, and clear errors naming the bad part.
import { describe, expect, it } from 'vitest';
import { parseFaults, parseLatency, startEmulator } from '../../src/emulator/index.ts';

describe('emulator options', () => {
  it('parses the fault syntax', () => {
    expect(parseFaults('500:0.02,503:0.01,403:0.002,empty:0.005,truncated:0.005,reset:0.002')).toEqual([
      { kind: 500, probability: 0.02 },
      { kind: 503, probability: 0.01 },
      { kind: 403, probability: 0.002 },
      { kind: 'empty', probability: 0.005 },
      { kind: 'truncated', probability: 0.005 },
      { kind: 'reset', probability: 0.002 },
    ]);
    expect(parseFaults('')).toEqual([]);
    expect(() => parseFaults('500')).toThrow(/"500" is not KIND:PROBABILITY/);
    expect(() => parseFaults('boom:0.1')).toThrow(/unknown kind "boom"/);
    expect(() => parseFaults('200:0.1')).toThrow(/status 200/);
    expect(() => parseFaults('500:0.7,503:0.7')).toThrow(/add up to 1.4/);
  });

  it('parses latency as MS or MIN-MAX', () => {
    expect(parseLatency('25')).toEqual([25, 25]);
    expect(parseLatency('10-40')).toEqual([10, 40]);
    expect(parseLatency(undefined)).toEqual([0, 0]);
    expect(() => parseLatency('40-10')).toThrow(/below minimum/);
    expect(() => parseLatency('slow')).toThrow(/--latency/);
  });

  it('refuses bad options before listening', async () => {
    await expect(startEmulator({ port: 0, account: 'bad name' })).rejects.toThrow(/account/);
    await expect(startEmulator({ port: 0, contacts: -1 })).rejects.toThrow(/contacts/);
    await expect(startEmulator({ port: 0, rateLimit: -1 })).rejects.toThrow(/rate limit/);
    const bad: Array<[Parameters<typeof startEmulator>[0], RegExp]> = [
      [{ unsortedOrder: 'random' as 'id' }, /unsorted-order: "random"/],
      [{ tieOrder: 'sorted' as 'stable' }, /tie-order: "sorted"/],
      [{ churn: -1 }, /churn: -1/],
      [{ churnCollections: ['contacts', 'fieldOptions'] }, /churn-collections: "fieldOptions"/],
      [{ futureDates: 2 }, /future-dates: 2/],
      [{ burst503: 1.5 }, /burst-503: 1.5/],
      [{ junk200: -0.1 }, /junk-200: -0.1/],
      [{ tenantRps: Number.NaN }, /tenant-rps/],
      [{ includeCap: 1.5 }, /include-cap: 1.5/],
      [{ plan: 'free' }, /plan: "free"/],
      [{ timezone: 'Nowhere/Town' }, /timezone: "Nowhere\/Town"/],
      [{ realism: 'soft' as 'ideal' }, /realism: "soft"/],
    ];
    for (const [opts, message] of bad)
      await expect(startEmulator({ port: 0, ...opts })).rejects.toThrow(message);
  });

  it('takes realism defaults from the level and lets a knob override it', async () => {
    const ideal = await startEmulator({
      port: 0,
      contacts: 20,
      rateLimit: 0,
      realism: 'ideal',
      timezone: 'Asia/Tokyo',
    });
    try {
      expect(ideal.timezone).toBe('Asia/Tokyo');
      expect(ideal.refusedStatus('eventTrackingEvents')).toBe(404);
    } finally {
      await ideal.close();
    }
  });

  it('adds latency without counting it as server time', async () => {
    const em = await startEmulator({ port: 0, contacts: 20, rateLimit: 0, latency: [300, 300] });
    try {
      const started = performance.now();
      const res = await fetch(`${em.url}/api/3/users/me`, { headers: { 'Api-Token': em.apiKey } });
      expect(res.status).toBe(200);
      // A lower bound only: the delay happened (the upper bound would depend on the machine).
      expect(performance.now() - started).toBeGreaterThanOrEqual(295);
      const timing = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]);
      expect(timing).toBeGreaterThanOrEqual(0);
      expect(timing).toBeLessThan(300);
    } finally {
      await em.close();
    }
  });
});
