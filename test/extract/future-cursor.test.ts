// Future dates (reminders, scheduled sends, shop clocks) must not pin a cursor ahead of the run: the cursor
// is clamped to the run's start (minus a small skew allowance), so the next incremental run still writes
// the records updated after this one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { call } from '../emulator/helpers.ts';
import { scanOnce } from './support.ts';

let emulator: RunningEmulator;
let client: ApiClient;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    contacts: 400,
    rateLimit: 0,
    seed: 3,
    futureDates: 0.05,
    junk200: 0,
  });
  client = new ApiClient({ url: emulator.url, apiKey: emulator.apiKey, requestsPerSecond: 0 });
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

const cursorOf = (state: unknown) => Date.parse(String((state as { cursor?: unknown }).cursor));

describe('cursors and future dates', () => {
  it('keeps the contact_automations cursor at or before the run start, and writes records added later', async () => {
    const future = [...emulator.records('contactAutomations')].filter(
      (r) => Date.parse(String(r.remdate)) > Date.now() + 86_400_000,
    );
    expect(future.length).toBeGreaterThan(0);
    const startedAt = Date.now();
    const first = await scanOnce(client, 'contact_automations', { fullRefresh: true, startedAt });
    expect(first.done).toBe(true);
    const state = first.state.get('contact_automations')!;
    expect(cursorOf(state)).toBeLessThanOrEqual(startedAt);

    // Records added after the run (churn stamps them with the clock), then an incremental run from the
    // stored state: they must be written.
    const known = new Set([...emulator.records('contactAutomations')].map((r) => String(r.id)));
    emulator.setChurn(4, ['contactAutomations']);
    let added: string[] = [];
    try {
      for (let i = 0; i < 20 && added.length === 0; i++) {
        expect((await call(emulator, 'contactAutomations?limit=1')).status).toBe(200);
        added = [...emulator.records('contactAutomations')]
          .map((r) => String(r.id))
          .filter((id) => !known.has(id));
      }
    } finally {
      emulator.setChurn(0);
    }
    expect(added.length).toBeGreaterThan(0);
    const next = await scanOnce(client, 'contact_automations', { state, lookbackHours: 1 });
    expect(next.done).toBe(true);
    const written = next.written.get('contact_automations') ?? new Set();
    for (const id of added) expect(written.has(id), `added contact automation ${id}`).toBe(true);
  });

  it('keeps the activities cursor (the next after=) at or before the run start', async () => {
    const startedAt = Date.now();
    const res = await scanOnce(client, 'activities', { fullRefresh: true, startedAt });
    expect(res.done).toBe(true);
    expect(cursorOf(res.state.get('activities'))).toBeLessThanOrEqual(startedAt);
  });
});
