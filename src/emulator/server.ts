// HTTP in front of the API: account host check, auth, rate limit (shared with another API user),
// emulated latency and faults, and the response bytes (including the broken ones real clients must
// survive: 503s under bursts, HTML or `{}` in a 200). Every request can be logged (requestLog).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Api, type ApiResponse } from './api.ts';
import { sequence } from './hash.ts';
import type { RequestLogEntry, ResolvedOptions } from './options.ts';
import { TokenBucket } from './ratelimit.ts';
import { TestModes } from './test-modes.ts';
import type { World } from './world.ts';

export interface Stats {
  requests: number;
  /** Requests answered 429 because the account was over its limit (or a 429 storm). */
  rateLimited: number;
  byStatus: Record<string, number>;
}

/** How often the realism knobs struck (RunningEmulator.realismCounts()). */
export interface RealismCounts {
  /** Requests over the limit answered 503 instead of 429 (burst503). */
  busy503: number;
  /** 200 answers that carried an HTML page or `{}` instead of the list (junk200). */
  junk200: number;
  /** Records churn inserted and deleted. */
  churnInserted: number;
  churnDeleted: number;
}

const LOGIN_PAGE =
  '<!doctype html><html><head><title>Log in</title></head><body><form>Log in</form></body></html>';
/** What a load balancer answers when the account is flooded (no Retry-After, not JSON). */
const BUSY_PAGE =
  '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>';
/** An HTML page with status 200 where the JSON list should be (a maintenance page, a login page). */
const JUNK_PAGE =
  '<!DOCTYPE html><html><head><title>ActiveCampaign</title></head><body><p>We will be right back.</p></body></html>';

/** Epoch milliseconds on the monotonic clock the rate limit uses. */
const epoch = (perf: number) => Math.round(performance.timeOrigin + perf);
const MAX_BODY = 1 << 20;

/** Host names that reach the account: loopback addresses, localhost, and ACCOUNT.localhost. */
function hostAllowed(hostHeader: string | undefined, account: string): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.split(':')[0];
  const name = host.toLowerCase();
  return (
    name === 'localhost' ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    name === `${account.toLowerCase()}.localhost`
  );
}

export class EmulatorServer {
  readonly server: Server;
  readonly api: Api;
  readonly stats: Stats = { requests: 0, rateLimited: 0, byStatus: {} };
  private readonly struck = { busy503: 0, junk200: 0 };
  readonly bucket?: TokenBucket;
  private readonly faultDraw: () => number;
  private readonly latencyDraw: () => number;
  private readonly busyDraw: () => number;
  private readonly junkDraw: () => number;
  private readonly log?: RequestLogEntry[];
  private readonly sockets = new Set<Socket>();
  /** Off unless options asked for them (see test-modes.ts). */
  readonly modes: TestModes;

  constructor(
    readonly world: World,
    readonly opts: ResolvedOptions,
  ) {
    const r = opts.realism;
    this.api = new Api(world, {
      unsortedOrder: r.unsortedOrder,
      tieOrder: r.tieOrder,
      plan: r.plan,
      eventTracking: r.eventTracking,
      childWritesTouchContact: r.childWritesTouchContact,
      includeCap: r.includeCap,
      churn: r.churn,
      churnCollections: r.churnCollections,
    });
    if (opts.requestLog) this.log = [];
    if (opts.rateLimit > 0) {
      this.bucket = new TokenBucket(opts.rateLimit, undefined, {
        rps: r.tenantRps,
        seed: opts.seed,
        onRequest: (at, ok) =>
          this.record({
            t: epoch(at),
            method: 'GET',
            path: '/api/3/(another API user)',
            query: '',
            status: ok ? 200 : 429,
            tenant: true,
          }),
      });
    }
    this.faultDraw = sequence(opts.seed ^ 0xfa017);
    this.latencyDraw = sequence(opts.seed ^ 0x1a7e);
    this.busyDraw = sequence(opts.seed ^ 0xb503);
    this.junkDraw = sequence(opts.seed ^ 0x1200);
    this.modes = new TestModes(opts.testModes, opts.seed);
    this.server = createServer((req, res) => {
      const t = epoch(performance.now());
      this.handle(req, res)
        .catch((err) => {
          if (!res.headersSent) this.send(res, 500, { message: `emulator error: ${String(err)}` });
          else res.destroy();
        })
        .finally(() => {
          if (!this.log) return;
          const url = new URL(req.url ?? '/', 'http://emulator');
          this.record({
            t,
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.search.slice(1),
            status: res.headersSent ? res.statusCode : 0,
            tenant: false,
          });
        });
    });
    // Keep idle connections open longer than clients' pools usually do (Node's default is 5 s), so a
    // client reusing a pooled socket does not race the server closing it.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  private record(entry: RequestLogEntry): void {
    if (!this.log) return;
    this.log.push(entry);
    this.opts.onRequestLog?.(entry);
  }

  realismCounts(): RealismCounts {
    const churn = this.api.churn.counts;
    return { ...this.struck, churnInserted: churn.inserted, churnDeleted: churn.deleted };
  }

  /** The request log so far (the other user's requests settled up to now), in time order. */
  requestLog(): RequestLogEntry[] {
    this.bucket?.advance();
    return [...(this.log ?? [])].sort((a, b) => a.t - b.t);
  }

  /** Destroys open connections so close() does not wait for idle keep-alive sockets. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  private count(status: number | string): void {
    this.stats.byStatus[String(status)] = (this.stats.byStatus[String(status)] ?? 0) + 1;
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    mode: 'json' | 'empty' | 'truncated' | 'bare' = 'json',
    arrived?: number,
  ): void {
    this.count(status);
    let bytes = mode === 'empty' ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    if (mode === 'truncated') bytes = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
    const h: Record<string, string | number> = { ...headers, 'Content-Length': bytes.length };
    // Time from arrival to serialised body, excluding emulated latency (the benchmark reads it).
    if (arrived !== undefined) h['Server-Timing'] = `app;dur=${(performance.now() - arrived).toFixed(3)}`;
    // Auth failures come back without a Content-Type, as clients have seen from the real service.
    if (mode !== 'bare') h['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(status, h);
    res.end(bytes);
  }

  /** An HTML answer (busy pages, junk 200s). */
  private sendText(
    res: ServerResponse,
    status: number,
    html: string,
    headers: Record<string, string> = {},
  ): void {
    this.count(status);
    res.writeHead(status, {
      ...headers,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
    });
    res.end(html);
  }

  private redirectToLogin(req: IncomingMessage, res: ServerResponse): void {
    this.count(302);
    const host = req.headers.host ?? `${this.opts.host}`;
    res.writeHead(302, { Location: `http://${host}/login/`, 'Content-Length': 0 });
    res.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/login')) {
      this.count(200);
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(LOGIN_PAGE),
      });
      res.end(LOGIN_PAGE);
      return;
    }
    // A host that is not this account, or a path outside the API, lands on the login page.
    if (!hostAllowed(req.headers.host, this.opts.account) || !/^\/api\/3(\/|$)/.test(url.pathname)) {
      req.resume();
      this.redirectToLogin(req, res);
      return;
    }
    const limitHeaders: Record<string, string> = {};
    if (this.bucket) {
      const t = this.bucket.take();
      limitHeaders['RateLimit-Limit'] = String(this.opts.rateLimit);
      if (!t.ok) {
        req.resume();
        if (this.busyDraw() < this.opts.realism.burst503) {
          // Users report 503s, not 429s, when bursting past the limit: no Retry-After, not JSON.
          this.struck.busy503++;
          this.sendText(res, 503, BUSY_PAGE);
          return;
        }
        this.stats.rateLimited++;
        this.send(
          res,
          429,
          { message: 'Too Many Requests' },
          { ...limitHeaders, 'RateLimit-Remaining': '0', 'Retry-After': String(t.retryAfter) },
        );
        return;
      }
      limitHeaders['RateLimit-Remaining'] = String(t.remaining);
    }
    const storm = this.modes.before();
    if (storm) {
      this.stats.rateLimited++;
      req.resume();
      this.send(res, storm.status, storm.body, { ...limitHeaders, ...storm.headers });
      return;
    }
    let body = '';
    if (req.method === 'POST' || req.method === 'PUT') body = await readBody(req);
    else req.resume();
    const [lo, hi] = this.opts.latency;
    let delayed = 0;
    if (hi > 0) {
      const started = performance.now();
      await new Promise((r) => setTimeout(r, lo + this.latencyDraw() * (hi - lo)));
      delayed = performance.now() - started;
    }

    if (req.headers['api-token'] !== this.opts.apiKey || this.modes.keyRefused()) {
      this.send(res, 403, { message: 'Forbidden' }, limitHeaders, 'bare');
      return;
    }
    await this.modes.delay();
    const fault = this.drawFault();
    if (fault === 'reset') {
      this.stats.byStatus.reset = (this.stats.byStatus.reset ?? 0) + 1;
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'number') {
      const extra: Record<string, string> = fault === 429 || fault === 503 ? { 'Retry-After': '1' } : {};
      this.send(res, fault, faultBody(fault), { ...limitHeaders, ...extra }, fault === 403 ? 'bare' : 'json');
      return;
    }
    const segments = url.pathname.split('/').filter(Boolean).slice(2).map(decodeURIComponent);
    let out: ApiResponse;
    if (req.method === 'GET') {
      out = this.api.get(segments, url.searchParams);
      out = { ...out, body: this.modes.plant(segments, out.status, out.body) };
      if (!fault && out.list && this.junkDraw() < this.opts.realism.junk200) {
        this.struck.junk200++;
        if (this.junkDraw() < 0.5) this.sendText(res, 200, JUNK_PAGE, limitHeaders);
        else this.send(res, 200, {}, limitHeaders);
        return;
      }
    } else if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
      let payload: unknown;
      try {
        payload = body === '' ? {} : JSON.parse(body);
      } catch {
        this.send(res, 400, { message: 'The request body is not valid JSON' }, limitHeaders);
        return;
      }
      out = this.api.write(req.method, segments, payload, Date.now());
    } else out = { status: 405, body: { message: 'Method Not Allowed' } };
    if (out.status === 302) {
      this.redirectToLogin(req, res);
      return;
    }
    const mode = fault === 'empty' ? 'empty' : fault === 'truncated' ? 'truncated' : 'json';
    this.send(res, fault ? 200 : out.status, out.body, limitHeaders, mode, arrived + delayed);
  }

  /** One seeded draw per authenticated request decides its fault (or none). */
  private drawFault(): number | 'empty' | 'truncated' | 'reset' | undefined {
    if (this.opts.faults.length === 0) return undefined;
    let u = this.faultDraw();
    for (const f of this.opts.faults) {
      if (u < f.probability) return f.kind;
      u -= f.probability;
    }
    return undefined;
  }
}

/** Bodies of injected error statuses (mostly undocumented for the real service; shaped like its other errors). */
function faultBody(status: number): unknown {
  if (status === 403) return { message: 'Forbidden' };
  if (status === 402) return { message: 'Payment required: the account has a billing problem' };
  if (status === 429) return { message: 'Too Many Requests' };
  if (status === 404) return { errors: [{ status: 404, title: 'Not Found' }] };
  if (status < 500) return { errors: [{ status, title: 'Request failed' }] };
  return {
    message:
      status === 503 ? 'Service Unavailable' : status === 502 ? 'Bad Gateway' : 'Internal Server Error',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
