// HTTP client for ActiveCampaign API v3, built for how the real API behaves (reference §2, §7): Api-Token
// header, a shared per-account request budget that adapts to the account's other users (budget.ts), and
// every answer that is not a good one handled by its row of the failure table (failures.ts): retried with
// exponential backoff and jitter, or ended at once in an ApiCallError that names the outcome and never
// carries the key.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { redact, registerSecret } from '../core/secrets.ts';
import { budgetFor, type RequestBudget } from './budget.ts';
import { ApiCallError } from './errors.ts';
import {
  attemptsFor,
  MAX_RATE_LIMITED_MS,
  type Outcome,
  outcomeOfBody,
  outcomeOfNetworkError,
  outcomeOfStatus,
  rowOf,
  TRANSIENT_ATTEMPTS,
} from './failures.ts';
import { notifyApiResponse } from './observe.ts';
import { apiRoot, normaliseApiUrl } from './url.ts';

export type QueryParams = Record<string, string | number | undefined>;

export interface ApiResponse {
  /** The parsed JSON object. */
  body: Record<string, unknown>;
  /** Size of the response body in bytes (for batch sizing). */
  bytes: number;
}

/** Counts requests (every attempt, retries included) for one resource. */
export interface RequestCounter {
  requests: number;
}

export interface ApiClientOptions {
  url: string;
  apiKey: string;
  /** Requests per second for this account; 0 = unlimited. */
  requestsPerSecond: number;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  /** At most this many requests per call, whatever the failure table allows. Default 8. */
  maxAttempts?: number;
  /** How long one call may be held back by 429s before it fails. Default 15 minutes. */
  maxRateLimitedMs?: number;
  /** First backoff step; doubles per attempt up to 20 s, with jitter. Default 500 ms. */
  backoffBaseMs?: number;
}

/** What the answer must carry besides being a JSON object. */
export interface Expect {
  /** The member holding the records (`contacts`, `user` …): a 200 without it is a body-shape failure. */
  key?: string;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request's failure: its outcome and what the error message says about it. */
interface Failed {
  outcome: Outcome;
  status?: number;
  /** "answered 404: Not Found", "failed: ECONNRESET" … */
  said: string;
  retryAfterMs?: number;
}

export class ApiClient {
  readonly root: URL;
  readonly budget: RequestBudget;
  /** Every request sent by this client (all resources, retries included). */
  requests = 0;
  /** Requests answered 429. */
  rateLimited = 0;
  private keyWorked = false;
  private readonly agent: http.Agent;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRateLimitedMs: number;
  private readonly backoffBaseMs: number;

  constructor(opts: ApiClientOptions) {
    registerSecret(opts.apiKey);
    this.apiKey = opts.apiKey;
    this.root = apiRoot(normaliseApiUrl(opts.url));
    this.budget = budgetFor(this.root.origin + this.root.pathname, opts.requestsPerSecond);
    // ACSYNC_HTTP_TIMEOUT_MS lets tests hold answers beyond the timeout without waiting a minute.
    this.timeoutMs = opts.timeoutMs ?? (Number(process.env.ACSYNC_HTTP_TIMEOUT_MS) || 60_000);
    this.maxAttempts = opts.maxAttempts ?? TRANSIENT_ATTEMPTS;
    this.maxRateLimitedMs = opts.maxRateLimitedMs ?? MAX_RATE_LIMITED_MS;
    this.backoffBaseMs = opts.backoffBaseMs ?? 500;
    const AgentClass = this.root.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: 16 });
  }

  /** `path` is relative to `/api/3/` (e.g. `contacts`, `customObjects/records/abc`). */
  url(path: string, params: QueryParams = {}): URL {
    const u = new URL(path.replace(/^\/+/, ''), this.root);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async get(
    path: string,
    params: QueryParams = {},
    counter?: RequestCounter,
    expect: Expect = {},
  ): Promise<ApiResponse> {
    const url = this.url(path, params);
    const what = `GET ${url.pathname}${url.search}`;
    // Requests that count against the row's attempts (429s do not: they are the budget talking).
    let attempts = 0;
    let rateLimited = 0;
    let waitedMs = 0;
    for (;;) {
      await this.budget.take();
      this.requests++;
      if (counter) counter.requests++;
      const answer = await this.attempt(url, expect);
      if ('body' in answer) {
        this.keyWorked = true;
        return answer;
      }
      const row = rowOf(answer.outcome);
      const limited = answer.outcome === 'rate-limited';
      if (limited) {
        this.rateLimited++;
        rateLimited++;
      }
      if (row.slowsBudget) {
        // The account is over its limit: everyone sharing the budget waits and slows down.
        this.budget.busy();
        const waitMs = answer.retryAfterMs ?? this.backoffMs(limited ? rateLimited : attempts + 1);
        this.budget.pause(waitMs);
        if (limited) {
          waitedMs += Math.max(waitMs, 1000);
          if (waitedMs > this.maxRateLimitedMs) {
            throw new ApiCallError(
              `${what} was rate limited ${rateLimited} times over ${Math.round(waitedMs / 1000)} s`,
              'rate-limited',
              429,
            );
          }
          continue;
        }
      }
      attempts++;
      if (attempts < attemptsFor(row, this.keyWorked, this.maxAttempts)) {
        if (!row.slowsBudget) await this.backoff(attempts);
        continue;
      }
      const after = attempts > 1 ? ` (${attempts} attempts)` : '';
      throw new ApiCallError(`${what} ${answer.said}${after}`, answer.outcome, answer.status, row.refused);
    }
  }

  /** One request: the parsed body, or what went wrong. */
  private async attempt(url: URL, expect: Expect): Promise<ApiResponse | Failed> {
    let res: RawResponse;
    try {
      res = await this.send(url);
    } catch (err) {
      notifyApiResponse({ root: this.root.href, status: 'network' });
      const outcome = outcomeOfNetworkError(err);
      return { outcome, said: `failed: ${networkReason(err, outcome, url)}` };
    }
    notifyApiResponse({ root: this.root.href, status: res.status });
    // A 429/503 slows the budget through its row (busy); its RateLimit-Remaining (0) would count twice.
    if (res.status !== 429 && res.status !== 503) this.observeLimit(res);
    const { status } = res;
    if (status >= 200 && status < 300) {
      const text = res.body.toString('utf8');
      const shape = outcomeOfBody(headerOf(res, 'content-type'), text, expect.key);
      if ('body' in shape) return { body: shape.body, bytes: res.body.length };
      return {
        outcome: shape.outcome,
        status,
        said: `answered ${status} with ${BODY_SAID[shape.outcome](expect)}`,
      };
    }
    const outcome = outcomeOfStatus(status);
    const retryAfter = Number(headerOf(res, 'retry-after'));
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined;
    if (outcome === 'redirect') {
      const location = headerOf(res, 'location');
      return {
        outcome,
        status,
        said: `was redirected (${status})${location ? ` to ${safeLocation(location)}` : ''}`,
      };
    }
    if (outcome === 'payment')
      return {
        outcome,
        status,
        said: 'answered 402: the account has a payment problem; the sync cannot continue',
      };
    return { outcome, status, said: `answered ${status}${detail(res)}`, retryAfterMs };
  }

  /** Feeds the budget what the account said about its bucket. */
  private observeLimit(res: RawResponse): void {
    const remaining = Number.parseInt(headerOf(res, 'ratelimit-remaining') ?? '', 10);
    if (Number.isFinite(remaining)) {
      const limit = Number.parseInt(headerOf(res, 'ratelimit-limit') ?? '', 10);
      this.budget.observe(remaining, Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_LIMIT);
    } else if (res.status >= 200 && res.status < 300) this.budget.quiet();
  }

  close(): void {
    this.agent.destroy();
  }

  private backoffMs(attempt: number): number {
    const cap = Math.min(20_000, this.backoffBaseMs * 2 ** (attempt - 1));
    return cap / 2 + Math.random() * (cap / 2);
  }

  private async backoff(attempt: number): Promise<void> {
    await sleep(this.backoffMs(attempt));
  }

  private send(url: URL): Promise<RawResponse> {
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method: 'GET',
          agent: this.agent,
          headers: { 'Api-Token': this.apiKey, Accept: 'application/json', 'User-Agent': 'acsync' },
          signal: AbortSignal.timeout(this.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('response aborted')));
          res.on('end', () => {
            if (!res.complete) reject(new Error('response truncated'));
            else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}

/** ActiveCampaign's documented `RateLimit-Limit`, for answers that give only the remaining count. */
const DEFAULT_LIMIT = 5;

const BODY_SAID: Record<string, (e: Expect) => string> = {
  'empty-body': () => 'an empty body',
  'invalid-json': () => 'invalid JSON',
  'html-200': () => 'an HTML page instead of JSON',
  'not-an-object': () => 'JSON that is not an object',
  'missing-key': (e) => `an object without "${e.key}"`,
};

function headerOf(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function networkReason(err: unknown, outcome: Outcome, url: URL): string {
  const e = (err && typeof err === 'object' ? err : {}) as { code?: string; message?: string };
  if (outcome === 'timeout') return 'timed out';
  if (outcome === 'dns') return `the host name ${url.hostname} does not resolve (${e.code})`;
  if (outcome === 'tls') {
    // OpenSSL's reason ("wrong version number", "certificate has expired") without its source location.
    const parts = (e.message ?? '').split(':').map((p) => p.trim());
    const why = parts.reverse().find((p) => /^[a-z][a-z -]+$/i.test(p) && p.includes(' ')) ?? '';
    return `the TLS connection to ${url.host} failed (${e.code}${why && why !== e.code ? `: ${redact(why)}` : ''})`;
  }
  if (e.code) return e.code;
  return redact(e.message ?? String(err));
}

/** A short, secret-free excerpt of an error body (AC's error shapes vary, §2.3). */
function detail(res: RawResponse): string {
  const text = res.body.toString('utf8').trim();
  if (!text) return '';
  try {
    const j = JSON.parse(text) as { message?: unknown; errors?: unknown };
    if (typeof j.message === 'string') return `: ${redact(j.message)}`;
    if (Array.isArray(j.errors)) {
      const first = j.errors[0] as { title?: string; detail?: string } | undefined;
      if (first) return `: ${redact([first.title, first.detail].filter(Boolean).join(' — '))}`;
    }
    if (typeof j.errors === 'string') return `: ${redact(j.errors)}`;
  } catch {
    // not JSON: fall through
  }
  return `: ${redact(text.slice(0, 200))}`;
}

function safeLocation(location: string): string {
  try {
    const u = new URL(location, 'http://x');
    return u.origin === 'http://x' ? u.pathname : `${u.origin}${u.pathname}`;
  } catch {
    return '(unparseable location)';
  }
}
