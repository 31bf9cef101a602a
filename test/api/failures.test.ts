// The failure table (src/api/failures.ts), one row at a time, over real HTTP: a local server (or a URL that
// fails the way the row says) makes the client end in the row's outcome after the row's number of requests;
// the decision for a resource is the row's action; the credential check (/users/me) ends in what its
// `check` column says. Every row of the table must have its scenario here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.ts';
import { ApiCallError } from '../../src/api/errors.ts';
import {
  type Action,
  type CheckVerdict,
  decide,
  FAILURES,
  type Outcome,
  rowOf,
} from '../../src/api/failures.ts';
import { whoAmI } from '../../src/api/verify.ts';
import { ApiRefusedError, ApiUnavailableError } from '../../src/core/errors.ts';

const KEY = 'failures-test-key-0123456789';
const GOOD_ME = '{"user":{"username":"jdoe","email":"j@example.com"}}';

interface Answer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  reset?: boolean;
  hang?: boolean;
}

const servers: Array<{ close(): void }> = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A server that answers every list request with `answer` and /users/me with `me`; counts list requests. */
async function serve(
  answer: Answer,
  me: Answer = { body: GOOD_ME },
): Promise<{ url: string; seen: () => number }> {
  let seen = 0;
  const server = http.createServer((req, res) => {
    const a = req.url?.endsWith('/users/me') ? me : answer;
    if (!req.url?.endsWith('/users/me')) seen++;
    if (a.reset) return void req.socket.destroy();
    if (a.hang) return;
    res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => server.close() || server.closeAllConnections() });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen };
}

/** A TCP server that answers anything with bytes that are not HTTP. */
async function garbage(): Promise<string> {
  const server = net.createServer((s) => s.end('NOT HTTP AT ALL\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => server.close() });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Scenario {
  /** The answer to the resource's request (a scripted server), or a URL that fails on its own. */
  answer?: Answer;
  url?: () => Promise<string>;
  /** The member the answer must hold. Default `contacts`. */
  key?: string;
  /** Requests the client makes before it gives up (maxAttempts is 3 here). */
  requests: number;
  action: Exclude<Action, 'retry'>;
  check: CheckVerdict;
  /** Text the error message must hold. */
  says: RegExp;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(body),
  headers,
});

const SCENARIOS: Record<Outcome, Scenario> = {
  redirect: {
    answer: { status: 302, headers: { Location: 'https://www.activecampaign.com/login/' } },
    requests: 1,
    action: 'skip',
    check: 'not-an-api',
    says: /was redirected \(302\) to https:\/\/www\.activecampaign\.com\/login\//,
  },
  'bad-request': {
    answer: json(400, { errors: [{ title: 'Not available on this account/plan' }] }),
    requests: 1,
    action: 'skip',
    check: 'not-an-api',
    says: /answered 400: Not available on this account\/plan/,
  },
  forbidden: {
    answer: json(403, { message: 'Forbidden' }),
    requests: 2, // the key never worked on this client: one second chance only
    action: 'skip',
    check: 'key-rejected',
    says: /answered 403: Forbidden/,
  },
  payment: {
    answer: json(402, { message: 'Payment required' }),
    requests: 1,
    action: 'stop',
    check: 'payment',
    says: /402: the account has a payment problem/,
  },
  'not-found': {
    answer: json(404, { errors: [{ status: 404, title: 'Not Found' }] }),
    requests: 1,
    action: 'skip',
    check: 'not-an-api',
    says: /answered 404: Not Found/,
  },
  'client-error': {
    answer: json(422, { errors: [{ title: 'Invalid parameter' }] }),
    requests: 1,
    action: 'fail',
    check: 'not-an-api',
    says: /answered 422: Invalid parameter/,
  },
  'rate-limited': {
    // Retry-After 0 counts as 1 s toward the limit on waiting (2.5 s here): the third 429 is one too many.
    answer: json(429, { message: 'Too Many Requests' }, { 'Retry-After': '0' }),
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /was rate limited 3 times/,
  },
  busy: {
    answer: { status: 503, body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>' },
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /answered 503.*\(3 attempts\)/,
  },
  'server-error': {
    answer: json(500, { message: 'Internal Server Error' }),
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /answered 500: Internal Server Error \(3 attempts\)/,
  },
  dns: {
    url: async () => 'https://nonexistent.invalid',
    requests: 1,
    action: 'stop',
    check: 'unreachable',
    says: /the host name nonexistent\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)/,
  },
  tls: {
    // https to a port that speaks plain HTTP: the handshake fails.
    url: async () => (await serve({ body: '{"contacts":[]}' })).url.replace('http:', 'https:'),
    requests: 1,
    action: 'stop',
    check: 'unreachable',
    says: /the TLS connection to 127\.0\.0\.1:\d+ failed \(EPROTO/,
  },
  refused: {
    url: async () => 'http://127.0.0.1:1',
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /failed: ECONNREFUSED \(3 attempts\)/,
  },
  reset: {
    answer: { reset: true },
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /failed: (ECONNRESET|socket hang up) \(3 attempts\)/,
  },
  timeout: {
    answer: { hang: true },
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /failed: timed out \(3 attempts\)/,
  },
  network: {
    url: garbage,
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /failed: HPE_/,
  },
  'empty-body': {
    answer: { body: '' },
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /answered 200 with an empty body \(3 attempts\)/,
  },
  'invalid-json': {
    answer: { body: '{"contacts":[{"id":"1"' },
    requests: 3,
    action: 'fail',
    check: 'unreachable',
    says: /answered 200 with invalid JSON \(3 attempts\)/,
  },
  'html-200': {
    answer: {
      body: '<!DOCTYPE html><html><body>We will be right back.</body></html>',
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
    },
    requests: 2,
    action: 'fail',
    check: 'not-an-api',
    says: /answered 200 with an HTML page instead of JSON \(2 attempts\)/,
  },
  'not-an-object': {
    answer: { body: '[{"id":"1"}]' },
    requests: 3,
    action: 'fail',
    check: 'not-an-api',
    says: /answered 200 with JSON that is not an object \(3 attempts\)/,
  },
  'missing-key': {
    answer: { body: '{}' },
    requests: 3,
    action: 'fail',
    check: 'not-an-api',
    says: /answered 200 with an object without "contacts" \(3 attempts\)/,
  },
};

function client(url: string): ApiClient {
  return new ApiClient({
    url,
    apiKey: KEY,
    requestsPerSecond: 0,
    maxAttempts: 3,
    backoffBaseMs: 5,
    timeoutMs: 300,
    maxRateLimitedMs: 2500,
  });
}

async function target(s: Scenario, me?: Answer): Promise<{ url: string; seen: () => number | null }> {
  if (s.url) return { url: await s.url(), seen: () => null };
  return serve(s.answer!, me);
}

describe('the failure table', () => {
  it('has a scenario here for every row, and one row per outcome', () => {
    expect(FAILURES.map((r) => r.outcome).sort()).toEqual(Object.keys(SCENARIOS).sort());
    expect(new Set(FAILURES.map((r) => r.outcome)).size).toBe(FAILURES.length);
  });

  describe.each(FAILURES.map((r) => [r.outcome, r] as const))('%s', (outcome, row) => {
    const s = SCENARIOS[outcome];

    it(`on a resource: ${s.requests} request(s), then ${s.action}`, async () => {
      const t = await target(s);
      const c = client(t.url);
      const err = await c
        .get('contacts', { limit: 100 }, undefined, { key: s.key ?? 'contacts' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ApiCallError);
      expect(err.outcome).toBe(outcome);
      expect(err.message).toMatch(s.says);
      expect(err.message).not.toContain(KEY);
      expect(c.requests).toBe(s.requests);
      if (t.seen() !== null && outcome !== 'timeout') expect(t.seen()).toBe(s.requests);
      const d = await decide(err, { confirmAccount: () => whoAmI(c) });
      expect(d.action).toBe(s.action);
      expect(d.action).toBe(row.action === 'retry' ? 'fail' : row.action);
      if (d.action === 'skip') expect(d.reason).toContain(row.reason);
      if (d.action === 'stop') expect(d.exitCode).toBe(row.refused ? 3 : 1);
      c.close();
    });

    it(`on /users/me: stops, saying "${s.check}"`, async () => {
      const t = s.url ? { url: await s.url() } : await serve({ body: '{"contacts":[]}' }, s.answer);
      const c = client(t.url);
      const err = await whoAmI(c).catch((e) => e);
      const expected: Record<CheckVerdict, [unknown, RegExp]> = {
        'key-rejected': [ApiRefusedError, /the API key was rejected \(403 on \/api\/3\/users\/me\)/],
        'not-an-api': [ApiRefusedError, /not an ActiveCampaign API URL — check the account name\/URL/],
        payment: [ApiRefusedError, /402: the account has a payment problem/],
        unreachable: [ApiUnavailableError, /could not reach http/],
      };
      const [type, says] = expected[rowOf(outcome).check];
      expect(err).toBeInstanceOf(type);
      expect(err.message).toMatch(says);
      expect(err.message).not.toContain(KEY);
      expect(err.exitCode).toBe(type === ApiRefusedError ? 3 : 1);
      c.close();
    });
  });
});

describe('decisions beyond the row', () => {
  it('a skip stops the run when /users/me is redirected too (a wrong URL, not a plan)', async () => {
    const login = { status: 302, headers: { Location: '/login/' } };
    const t = await serve(login, login);
    const c = client(t.url);
    const err = await c.get('goals', {}, undefined, { key: 'goals' }).catch((e) => e);
    const d = await decide(err, { confirmAccount: () => whoAmI(c) });
    expect(d.action).toBe('stop');
    expect(d.exitCode).toBe(3);
    expect(d.reason).toMatch(/not an ActiveCampaign API URL.*redirected \(302\) to \/login\//);
    c.close();
  });

  it('a 403 stops the run when /users/me refuses the key too', async () => {
    const no = json(403, { message: 'Forbidden' });
    const t = await serve(no, no);
    const c = client(t.url);
    const err = await c.get('deals', {}, undefined, { key: 'deals' }).catch((e) => e);
    const d = await decide(err, { confirmAccount: () => whoAmI(c) });
    expect(d).toMatchObject({ action: 'stop', exitCode: 3 });
    expect(d.reason).toMatch(/the API key was rejected/);
    c.close();
  });

  it('an essential resource fails where another would be skipped', async () => {
    const t = await serve(json(404, { errors: [{ title: 'Not Found' }] }));
    const c = client(t.url);
    const err = await c.get('contacts', {}, undefined, { key: 'contacts' }).catch((e) => e);
    const d = await decide(err, { essential: true, confirmAccount: () => whoAmI(c) });
    expect(d.action).toBe('fail');
    expect(d.reason).toMatch(/not available on this account \(GET \/api\/3\/contacts answered 404/);
    c.close();
  });

  it('a 429 costs no attempt: a call outlasts more 429s than its attempts, then succeeds', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      n++;
      if (n <= 5) {
        res.writeHead(429, { 'Retry-After': '0' });
        return void res.end('{"message":"Too Many Requests"}');
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"contacts":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push({ close: () => server.close() });
    const c = new ApiClient({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: KEY,
      requestsPerSecond: 0,
      maxAttempts: 2,
      backoffBaseMs: 5,
    });
    expect((await c.get('contacts', {}, undefined, { key: 'contacts' })).body).toEqual({ contacts: [] });
    expect(c.rateLimited).toBe(5);
    c.close();
  });
});
