// The client against a real HTTP server scripted per test: each request takes the next scripted answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { ApiCallError } from '../../src/api/errors.ts';
import { verifyCredentials } from '../../src/api/verify.ts';
import { ApiRefusedError, ApiUnavailableError } from '../../src/core/errors.ts';

const KEY = 'test-key-0123456789abcdef';
type Answer = {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  reset?: boolean;
  truncate?: boolean;
};

interface Script {
  url: string;
  seen: { path: string; token: string | undefined; at: number }[];
  close(): Promise<void>;
}

const open: Script[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function serve(answers: Answer[] | ((n: number) => Answer)): Promise<Script> {
  const seen: Script['seen'] = [];
  const server = http.createServer((req, res) => {
    const n = seen.length;
    seen.push({ path: req.url ?? '', token: req.headers['api-token'] as string | undefined, at: Date.now() });
    const a = typeof answers === 'function' ? answers(n) : (answers[n] ?? answers[answers.length - 1]);
    if (a.reset) {
      req.socket.destroy();
      return;
    }
    const body = a.body ?? '{"ok":[]}';
    if (a.truncate) {
      res.writeHead(a.status ?? 200, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
      });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const s: Script = {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  open.push(s);
  return s;
}

function client(url: string, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}): ApiClient {
  return new ApiClient({ url, apiKey: KEY, requestsPerSecond: 0, backoffBaseMs: 5, ...extra });
}

describe('ApiClient', () => {
  it('sends the key in the Api-Token header under /api/3 and parses the body', async () => {
    const s = await serve([{ body: '{"contacts":[{"id":"1"}],"meta":{"total":"1"}}' }]);
    const c = client(`${s.url}/api/3/`);
    const counter = { requests: 0 };
    const res = await c.get('contacts', { limit: 100, offset: 0, skip: undefined }, counter);
    expect(res.body).toEqual({ contacts: [{ id: '1' }], meta: { total: '1' } });
    expect(s.seen[0]).toMatchObject({ path: '/api/3/contacts?limit=100&offset=0', token: KEY });
    expect(counter.requests).toBe(1);
    c.close();
  });

  it('retries 5xx, empty bodies, truncated JSON, cut-off responses and resets, counting every attempt', async () => {
    const s = await serve([
      { status: 500 },
      { status: 503 },
      { body: '' },
      { body: '{"contacts":[{"id":"1"' },
      { truncate: true, body: '{"contacts":[{"id":"1"}]}' },
      { reset: true },
      { body: '{"contacts":[]}' },
    ]);
    const c = client(s.url);
    const counter = { requests: 0 };
    const res = await c.get('contacts', {}, counter);
    expect(res.body).toEqual({ contacts: [] });
    expect(counter.requests).toBe(7);
    expect(c.requests).toBe(7);
    c.close();
  });

  it('gives up after maxAttempts with a typed error that names the request, not the key', async () => {
    const s = await serve([{ status: 502, body: `{"message":"bad gateway for ${KEY}"}` }]);
    const c = client(s.url, { maxAttempts: 3 });
    const err = await c.get('deals').catch((e) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err.outcome).toBe('server-error');
    expect(err.message).toMatch(/GET \/api\/3\/deals answered 502: bad gateway for .* \(3 attempts\)/);
    expect(err.message).not.toContain(KEY);
    expect(s.seen.length).toBe(3);
    c.close();
  });

  it('honours Retry-After on 429 and pauses every request sharing the budget', async () => {
    const s = await serve((n) =>
      n === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { body: '{"a":[]}' },
    );
    const c = client(s.url);
    const [a, b] = await Promise.all([
      c.get('a'),
      new Promise((r) => setTimeout(r, 100)).then(() => c.get('b')),
    ]);
    expect(a.body).toEqual({ a: [] });
    expect(b.body).toEqual({ a: [] });
    expect(c.rateLimited).toBe(1);
    // Both later requests waited out the second the server asked for.
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(950);
    expect(s.seen[2].at - s.seen[0].at).toBeGreaterThanOrEqual(950);
    c.close();
  });

  it('spaces requests evenly at the budget (no bursts)', async () => {
    const s = await serve([{ body: '{"a":[]}' }]);
    const c = new ApiClient({ url: s.url, apiKey: KEY, requestsPerSecond: 10 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => c.get('a')));
    // Slot i is i × 100 ms after the start: load can only delay a request, never bring it forward.
    const arrivals = s.seen.map((x) => x.at - t0).sort((a, b) => a - b);
    arrivals.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual(i * 100 - 5);
    });
    c.close();
  });

  it('gives a 403 on a key that never worked one second chance only', async () => {
    const s = await serve([{ status: 403, body: '{"message":"Forbidden"}' }]);
    const c = client(s.url);
    const err = await c.get('lists').catch((e) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err.outcome).toBe('forbidden');
    expect(err.status).toBe(403);
    expect(s.seen.length).toBe(2);
    c.close();
  });

  it('retries a bounded number of 403s once the key has worked', async () => {
    const s = await serve([{}, { status: 403 }, { status: 403 }, { body: '{"lists":[]}' }]);
    const c = client(s.url);
    await c.get('users/me');
    expect((await c.get('lists')).body).toEqual({ lists: [] });
    const s2 = await serve((n) => (n === 0 ? {} : { status: 403 }));
    const c2 = client(s2.url);
    await c2.get('users/me');
    const err = await c2.get('lists').catch((e) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    // The failure table's forbidden row: 4 requests in all once the key has worked.
    expect(s2.seen.length).toBe(1 + 4);
    c.close();
    c2.close();
  });

  it('ends a 402 at once with exit code 3, and a redirect at once naming where it went', async () => {
    const s = await serve([{ status: 402, body: '{}' }]);
    const err = await client(s.url)
      .get('contacts')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/402.*payment/);
    const s2 = await serve([{ status: 302, headers: { Location: 'https://www.activecampaign.com/login/' } }]);
    const err2 = await client(s2.url)
      .get('contacts')
      .catch((e) => e);
    expect(err2).toBeInstanceOf(ApiCallError);
    expect(err2.outcome).toBe('redirect');
    expect(err2.message).toMatch(/was redirected \(302\) to https:\/\/www\.activecampaign\.com\/login\//);
    expect(s2.seen.length).toBe(1);
  });

  it('fails 404/422 at once with the API message', async () => {
    const s = await serve([{ status: 404, body: '{"message":"No Result found for Subscriber with id 1"}' }]);
    const err = await client(s.url)
      .get('contacts/1')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err.message).toContain('No Result found for Subscriber with id 1');
    expect(s.seen.length).toBe(1);
  });
});

describe('verifyCredentials', () => {
  it('returns the user of a working key', async () => {
    const s = await serve([{ body: '{"user":{"username":"jdoe","email":"j@example.com","id":"1"}}' }]);
    expect(await verifyCredentials({ url: s.url, apiKey: KEY, accountName: 'x' })).toEqual({
      username: 'jdoe',
      email: 'j@example.com',
    });
    expect(s.seen[0].path).toBe('/api/3/users/me');
  });

  it('says the key was rejected, never printing it', async () => {
    const s = await serve([{ status: 403, body: `{"message":"bad token ${KEY}"}`, headers: {} }]);
    const err = await verifyCredentials({ url: s.url, apiKey: KEY, accountName: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiRefusedError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('the API key was rejected');
    expect(err.message).not.toContain(KEY);
  });

  it('explains a login redirect and an unreachable host', async () => {
    const s = await serve([{ status: 302, headers: { Location: '/login' } }]);
    const err = await verifyCredentials({ url: s.url, apiKey: KEY, accountName: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiRefusedError);
    expect(err.message).toContain('not an ActiveCampaign API URL');
    const down = await verifyCredentials({ url: 'http://127.0.0.1:1', apiKey: KEY, accountName: 'x' }).catch(
      (e) => e,
    );
    expect(down).toBeInstanceOf(ApiUnavailableError);
    expect(down.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
  });
});
