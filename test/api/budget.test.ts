// The request budget's adaptation (src/api/budget.ts): the control law on a clock the test moves, then the
// client feeding it from real HTTP answers (RateLimit-Remaining, 429, 503) and a 503 pausing every request
// that shares the budget.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPT, RequestBudget } from '../../src/api/budget.ts';
import { ApiClient } from '../../src/api/client.ts';

describe('RequestBudget adaptation', () => {
  const at = () => {
    const clock = { t: 1_000_000 };
    return { clock, now: () => clock.t };
  };

  it('slows down when RateLimit-Remaining is low, once per second, harder when the bucket is empty', () => {
    const { clock, now } = at();
    const b = new RequestBudget(4, now);
    b.observe(1, 5);
    expect(b.rate).toBeCloseTo(4 * ADAPT.lowFactor);
    b.observe(1, 5); // the same dip, reported by another answer in flight
    expect(b.rate).toBeCloseTo(4 * ADAPT.lowFactor);
    clock.t += 1000;
    b.observe(0, 5);
    expect(b.rate).toBeCloseTo(4 * ADAPT.lowFactor * ADAPT.emptyFactor);
    clock.t += 1000;
    b.observe(2, 5); // between low and high: hold
    expect(b.rate).toBeCloseTo(4 * ADAPT.lowFactor * ADAPT.emptyFactor);
  });

  it('returns to the configured rate, and no further, while the account is quiet', () => {
    const { clock, now } = at();
    const b = new RequestBudget(4, now);
    b.busy();
    const low = b.rate;
    expect(low).toBeCloseTo(4 * ADAPT.busyFactor);
    let seconds = 0;
    while (b.rate < 4 && seconds < 120) {
      clock.t += 250;
      seconds += 0.25;
      b.observe(4, 5);
    }
    // Linear in the quiet time: (4 − low) ÷ (riseShare × 4) seconds.
    expect(seconds).toBeCloseTo((4 - low) / (ADAPT.riseShare * 4), 0);
    clock.t += 10_000;
    b.observe(5, 5);
    b.quiet();
    expect(b.rate).toBe(4);
  });

  it('decreases once per burst of 429s, never below the floor', () => {
    const { clock, now } = at();
    const b = new RequestBudget(4, now);
    b.busy();
    b.busy();
    expect(b.rate).toBeCloseTo(4 * ADAPT.busyFactor);
    for (let i = 0; i < 20; i++) {
      clock.t += 1000;
      b.busy();
    }
    expect(b.rate).toBe(ADAPT.floor);
  });

  it('does not adapt an unlimited budget (the emulator with its rate limit off)', () => {
    const b = new RequestBudget(0);
    b.busy();
    b.observe(0, 5);
    expect(b.rate).toBe(0);
  });
});

const servers: http.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

async function serve(
  answer: (n: number) => { status?: number; headers?: Record<string, string>; body?: string },
) {
  const seen: number[] = [];
  const server = http.createServer((_req, res) => {
    const n = seen.length;
    seen.push(Date.now());
    const a = answer(n);
    // A few milliseconds per answer, so quiet time passes between answers.
    setTimeout(() => {
      res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
      res.end(a.body ?? '{"contacts":[]}');
    }, 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const client = (url: string, requestsPerSecond: number) =>
  new ApiClient({ url, apiKey: 'budget-test-key-123', requestsPerSecond, backoffBaseMs: 5 });

describe('the client adapts its budget to what the account says', () => {
  it('slows down on a low RateLimit-Remaining and climbs back on high ones', async () => {
    const s = await serve((n) => ({
      headers: { 'RateLimit-Limit': '5', 'RateLimit-Remaining': n === 0 ? '0' : '4' },
    }));
    const c = client(s.url, 50);
    await c.get('contacts');
    const slowed = c.budget.rate;
    expect(slowed).toBeCloseTo(50 * ADAPT.emptyFactor);
    for (let i = 0; i < 5; i++) await c.get('contacts');
    expect(c.budget.rate).toBeGreaterThan(slowed);
    expect(c.budget.rate).toBeLessThanOrEqual(50);
    c.close();
  });

  it('slows down on a 429 and on a 503, and climbs back on answers without rate-limit headers', async () => {
    const s = await serve((n) =>
      n === 0
        ? { status: 429, headers: { 'Retry-After': '0' }, body: '{"message":"Too Many Requests"}' }
        : n === 2
          ? { status: 503, body: '<html><body>503 Service Temporarily Unavailable</body></html>' }
          : {},
    );
    const c = client(s.url, 40);
    await c.get('contacts');
    expect(c.rateLimited).toBe(1);
    // Cut to busyFactor by the 429, then a first small climb on the retry's quiet answer.
    const after429 = c.budget.rate;
    expect(after429).toBeGreaterThanOrEqual(40 * ADAPT.busyFactor);
    expect(after429).toBeLessThan(40 * ADAPT.busyFactor + 1);
    await c.get('contacts');
    expect(c.budget.rate).toBeGreaterThan(after429);
    c.close();
    // A fresh account for the 503 (budgets are shared per account and rate).
    const s2 = await serve((n) =>
      n === 0 ? { status: 503, body: '<html><body>503 Service Temporarily Unavailable</body></html>' } : {},
    );
    const c2 = client(s2.url, 40);
    await c2.get('contacts');
    expect(s2.seen.length).toBe(2);
    expect(c2.budget.rate).toBeLessThan(40);
    c2.close();
  });

  it('a 503 pauses every request sharing the budget, as a 429 does', async () => {
    const s = await serve((n) =>
      n === 0 ? { status: 503, headers: { 'Retry-After': '1' }, body: '<html>busy</html>' } : {},
    );
    const c = client(s.url, 0);
    const [a, b] = await Promise.all([
      c.get('contacts'),
      new Promise((r) => setTimeout(r, 100)).then(() => c.get('contacts')),
    ]);
    expect(a.body).toEqual({ contacts: [] });
    expect(b.body).toEqual({ contacts: [] });
    // The retry and the other request both waited out the second the 503 asked for.
    expect(s.seen.length).toBe(3);
    expect(s.seen[1]! - s.seen[0]!).toBeGreaterThanOrEqual(950);
    expect(s.seen[2]! - s.seen[0]!).toBeGreaterThanOrEqual(950);
    c.close();
  });
});
