// HTTP client for ActiveCampaign API v3, built for how the real API behaves (reference §2, §7): Api-Token
// header, a shared per-account request budget, retries with exponential backoff and jitter on 429 (honouring
// Retry-After), 5xx, connection resets, timeouts, empty or truncated bodies, and a bounded number of 403s
// once the key has worked. What cannot succeed ends in a typed error that never carries the key.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiRefusedError, ApiUnavailableError } from '../core/errors.ts';
import { redact, registerSecret } from '../core/secrets.ts';
import { budgetFor, type RequestBudget } from './budget.ts';
import { ApiStatusError } from './errors.ts';
import { notifyApiResponse } from './observe.ts';
import { apiRoot, normaliseApiUrl } from './url.ts';

/** How long one request may be held back by 429s (Retry-After) before it fails. */
const MAX_RATE_LIMITED_MS = 15 * 60_000;

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
  /** Attempts per request for transient failures (5xx, resets, bad bodies). Default 8. */
  maxAttempts?: number;
  /** 403s retried once the key has worked. Default 3. */
  forbiddenRetries?: number;
  /** First backoff step; doubles per attempt up to 20 s, with jitter. Default 500 ms. */
  backoffBaseMs?: number;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What to do with an answer: one row per class of status. */
type Verdict = 'ok' | 'retry' | 'rate-limited' | 'forbidden' | 'payment' | 'redirect' | 'fail';
function verdictFor(status: number): Verdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 429) return 'rate-limited';
  if (status === 402) return 'payment';
  if (status === 403 || status === 401) return 'forbidden';
  if (status >= 500) return 'retry';
  return 'fail';
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
  private readonly forbiddenRetries: number;
  private readonly backoffBaseMs: number;

  constructor(opts: ApiClientOptions) {
    registerSecret(opts.apiKey);
    this.apiKey = opts.apiKey;
    this.root = apiRoot(normaliseApiUrl(opts.url));
    this.budget = budgetFor(this.root.origin + this.root.pathname, opts.requestsPerSecond);
    // ACSYNC_HTTP_TIMEOUT_MS lets tests hold answers beyond the timeout without waiting a minute.
    this.timeoutMs = opts.timeoutMs ?? (Number(process.env.ACSYNC_HTTP_TIMEOUT_MS) || 60_000);
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.forbiddenRetries = opts.forbiddenRetries ?? 3;
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

  async get(path: string, params: QueryParams = {}, counter?: RequestCounter): Promise<ApiResponse> {
    const url = this.url(path, params);
    const what = `GET ${url.pathname}${url.search}`;
    let attempt = 0;
    let forbidden = 0;
    let rateLimited = 0;
    let waitedMs = 0;
    for (;;) {
      attempt++;
      await this.budget.take();
      this.requests++;
      if (counter) counter.requests++;
      let res: RawResponse;
      try {
        res = await this.send(url);
        notifyApiResponse({ root: this.root.href, status: res.status });
      } catch (err) {
        notifyApiResponse({ root: this.root.href, status: 'network' });
        const reason = networkReason(err);
        if (attempt < this.maxAttempts) {
          await this.backoff(attempt);
          continue;
        }
        throw new ApiUnavailableError(`${what} failed after ${attempt} attempts: ${reason}`);
      }
      switch (verdictFor(res.status)) {
        case 'ok': {
          const text = res.body.toString('utf8');
          let body: unknown;
          try {
            body = text.trim() === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (body && typeof body === 'object' && !Array.isArray(body)) {
            this.keyWorked = true;
            return { body: body as Record<string, unknown>, bytes: res.body.length };
          }
          // Empty 200s and truncated JSON happen on the real API: ask again.
          if (attempt < this.maxAttempts) {
            await this.backoff(attempt);
            continue;
          }
          throw new ApiUnavailableError(
            `${what} kept answering ${text.trim() === '' ? 'an empty body' : 'invalid JSON'} after ${attempt} attempts`,
          );
        }
        case 'rate-limited': {
          this.rateLimited++;
          rateLimited++;
          const retryAfter = Number(res.headers['retry-after']);
          const waitMs =
            Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : this.backoffMs(rateLimited);
          this.budget.pause(waitMs);
          // 429s are the budget talking, not a failure: they do not use up attempts. Only a request that has
          // been told to wait for longer than MAX_RATE_LIMITED_MS in total gives up.
          attempt--;
          waitedMs += Math.max(waitMs, 1000);
          if (waitedMs > MAX_RATE_LIMITED_MS) {
            throw new ApiUnavailableError(
              `${what} was rate limited ${rateLimited} times over ${Math.round(waitedMs / 1000)} s`,
              429,
            );
          }
          continue;
        }
        case 'retry':
          if (attempt < this.maxAttempts) {
            await this.backoff(attempt);
            continue;
          }
          throw new ApiUnavailableError(
            `${what} answered ${res.status} after ${attempt} attempts`,
            res.status,
          );
        case 'forbidden':
          // The real API raises 403 intermittently on valid keys; retry a few times once the key has worked.
          // A key that never worked gets one second chance only (a rejected key should fail fast).
          if (forbidden < (this.keyWorked ? this.forbiddenRetries : 1)) {
            forbidden++;
            attempt--;
            await this.backoff(forbidden);
            continue;
          }
          throw new ApiStatusError(`${what} answered ${res.status} (forbidden)${detail(res)}`, res.status);
        case 'payment':
          throw new ApiRefusedError(
            'ActiveCampaign answered 402: the account has a payment problem; the sync cannot continue',
            402,
          );
        case 'redirect':
          throw new ApiRefusedError(
            `not an ActiveCampaign API URL — check the account name/URL (${what} was redirected${
              res.headers.location ? ` to ${safeLocation(res.headers.location)}` : ''
            })`,
            res.status,
          );
        default:
          throw new ApiStatusError(`${what} answered ${res.status}${detail(res)}`, res.status);
      }
    }
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

function networkReason(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: string; name?: string; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    if (e.code) return e.code;
    if (e.message) return redact(e.message);
  }
  return redact(String(err));
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
