// The failure table: everything an API call can end in, other than a good answer, and the ONE action each
// outcome leads to. The client (retries, pauses), the credential check (`verify.ts`), custom-object discovery
// and the sync's classification of a failed resource all read these rows; none of them decides on its own.
//
//   retry  ask again (backoff with jitter) up to `attempts` requests in all; when they run out the resource
//          fails (on the credential check: the API could not be reached)
//   skip   the account does not offer this resource: `skipped` with the reason, not a failure; only once
//          /users/me still answers (a wrong URL or a revoked key must not pass for "not on this plan")
//   fail   this resource fails with the reason; the others go on
//   stop   nothing else can succeed either (payment problem, no such host, broken TLS): the run stops
//
// The credential check (GET /users/me, `acsync check` and the key check after a 403) cannot skip: every
// outcome there stops, with what the `check` column says. An essential resource cannot skip either: what
// would skip it fails it instead (an account always has contacts; a 404 there is a wrong URL, not a plan).
import { AcsyncError, ApiRefusedError, describeError, ExitCode } from '../core/errors.ts';
import { ApiCallError } from './errors.ts';

export type Action = 'retry' | 'skip' | 'fail' | 'stop';

export type Outcome =
  | 'redirect'
  | 'bad-request'
  | 'forbidden'
  | 'payment'
  | 'not-found'
  | 'client-error'
  | 'rate-limited'
  | 'busy'
  | 'server-error'
  | 'dns'
  | 'tls'
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'network'
  | 'empty-body'
  | 'invalid-json'
  | 'html-200'
  | 'not-an-object'
  | 'missing-key';

/** What the credential check says when it ends in an outcome (it always stops there). */
export type CheckVerdict = 'key-rejected' | 'not-an-api' | 'payment' | 'unreachable';

export interface FailureRow {
  outcome: Outcome;
  /** What the call ended in (README, tests). */
  when: string;
  action: Action;
  /** Requests in all before the action (retry) or before giving up (1 = no second request). */
  attempts: number;
  /** Retry rows: attempts before the key has ever worked, when fewer (a rejected key must fail fast). */
  attemptsBeforeKeyWorked?: number;
  check: CheckVerdict;
  /** Why the resource was skipped or failed, as the sync summary says it. */
  reason: string;
  /** The account is busy: hold every request to it (Retry-After or a backoff) and slow the budget down. */
  slowsBudget?: boolean;
  /** Exit code 3 (the API refused the account), not 1. */
  refused?: boolean;
}

/** Transient failures get this many requests in all (the client's `maxAttempts` may lower it). */
export const TRANSIENT_ATTEMPTS = 8;
/** A 429 is the budget talking, not a failure: it costs no attempt; a request gives up after this long. */
export const MAX_RATE_LIMITED_MS = 15 * 60_000;

export const FAILURES: readonly FailureRow[] = [
  // ── HTTP status ──
  {
    outcome: 'redirect',
    when: 'a 3xx (a login page: the plan or account does not reach this path)',
    action: 'skip',
    attempts: 1,
    check: 'not-an-api',
    reason: 'not available on this account',
  },
  {
    outcome: 'bad-request',
    when: '400 (e.g. "Not available on this account/plan")',
    action: 'skip',
    attempts: 1,
    check: 'not-an-api',
    reason: 'not available on this account',
  },
  {
    outcome: 'forbidden',
    when: '401 or 403 (intermittent on valid keys; a plan or user without the feature; a revoked key)',
    action: 'skip',
    attempts: 4,
    attemptsBeforeKeyWorked: 2,
    check: 'key-rejected',
    reason: 'not allowed for this plan or user',
  },
  {
    outcome: 'payment',
    when: '402 (the account has a payment problem)',
    action: 'stop',
    attempts: 1,
    refused: true,
    check: 'payment',
    reason: 'the account has a payment problem',
  },
  {
    outcome: 'not-found',
    when: '404 (an undocumented or plan-gated endpoint this account lacks)',
    action: 'skip',
    attempts: 1,
    check: 'not-an-api',
    reason: 'not available on this account',
  },
  {
    outcome: 'client-error',
    when: 'any other 4xx (405, 409, 410, 422 …)',
    action: 'fail',
    attempts: 1,
    check: 'not-an-api',
    reason: 'refused the request',
  },
  {
    outcome: 'rate-limited',
    when: '429 (the account is over its 5 requests/second)',
    action: 'retry',
    attempts: Number.POSITIVE_INFINITY,
    slowsBudget: true,
    check: 'unreachable',
    reason: 'rate limited for too long',
  },
  {
    outcome: 'busy',
    when: '503 (what users see when bursting past the limit, and outages)',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    slowsBudget: true,
    check: 'unreachable',
    reason: 'the API stayed unavailable',
  },
  {
    outcome: 'server-error',
    when: '500, 502, 504 and any other 5xx',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the API kept failing',
  },
  // ── network ──
  {
    outcome: 'dns',
    when: 'the host name does not resolve (ENOTFOUND, EAI_AGAIN …)',
    action: 'stop',
    attempts: 1,
    check: 'unreachable',
    reason: 'the host name does not resolve',
  },
  {
    outcome: 'tls',
    when: 'the TLS handshake or certificate failed (EPROTO, CERT_*, ERR_SSL_* …)',
    action: 'stop',
    attempts: 1,
    check: 'unreachable',
    reason: 'the TLS connection failed',
  },
  {
    outcome: 'refused',
    when: 'connection refused (ECONNREFUSED)',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the connection was refused',
  },
  {
    outcome: 'reset',
    when: 'connection reset, or the answer was cut off (ECONNRESET, EPIPE, truncated body)',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the connection kept dropping',
  },
  {
    outcome: 'timeout',
    when: 'no answer within the timeout',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the API kept timing out',
  },
  {
    outcome: 'network',
    when: 'any other network error',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the network kept failing',
  },
  // ── body shape (status 200) ──
  {
    outcome: 'empty-body',
    when: 'a 200 with an empty body',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the API kept answering an empty body',
  },
  {
    outcome: 'invalid-json',
    when: 'a 200 whose JSON does not parse (truncated)',
    action: 'retry',
    attempts: TRANSIENT_ATTEMPTS,
    check: 'unreachable',
    reason: 'the API kept answering invalid JSON',
  },
  {
    outcome: 'html-200',
    when: 'a 200 carrying an HTML page (maintenance or login page)',
    action: 'retry',
    attempts: 2,
    check: 'not-an-api',
    reason: 'the API answered an HTML page instead of JSON',
  },
  {
    outcome: 'not-an-object',
    when: 'a 200 whose JSON is not an object',
    action: 'retry',
    attempts: 3,
    check: 'not-an-api',
    reason: 'the API answered JSON that is not an object',
  },
  {
    outcome: 'missing-key',
    when: 'a 200 object without the member that holds the records (`{}`)',
    action: 'retry',
    attempts: 3,
    check: 'not-an-api',
    reason: 'the answer lacks the member that holds the records',
  },
];

const BY_OUTCOME = new Map(FAILURES.map((r) => [r.outcome, r]));

export function rowOf(outcome: Outcome): FailureRow {
  const row = BY_OUTCOME.get(outcome);
  if (!row) throw new Error(`no failure row for "${outcome}"`);
  return row;
}

/** The outcome of an HTTP status that is not a 2xx. */
export function outcomeOfStatus(status: number): Outcome {
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 400) return 'bad-request';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 402) return 'payment';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status === 503) return 'busy';
  if (status >= 500) return 'server-error';
  return 'client-error';
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA']);
/** OpenSSL's certificate verification codes, as Node reports them. */
const CERT_CODES =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|HOSTNAME_MISMATCH$|ERR_OSSL_)/;

/** The outcome of a request that got no answer (the error Node raised). */
export function outcomeOfNetworkError(err: unknown): Outcome {
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'ETIMEDOUT') return 'timeout';
  if (DNS_CODES.has(code)) return 'dns';
  if (code === 'EPROTO' || CERT_CODES.test(code)) return 'tls';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/socket hang up|response (aborted|truncated)/.test(message)) return 'reset';
  return 'network';
}

/**
 * The outcome of a 2xx's body, or the body itself when it is a JSON object carrying `key` (the member that
 * holds the records; nothing to check when undefined). A missing key is a failure, never an empty last page.
 */
export function outcomeOfBody(
  contentType: string | undefined,
  text: string,
  key: string | undefined,
): { outcome: Outcome } | { body: Record<string, unknown> } {
  const t = text.trim();
  if (t === '') return { outcome: 'empty-body' };
  if (/html/i.test(contentType ?? '') || t.startsWith('<')) return { outcome: 'html-200' };
  let body: unknown;
  try {
    body = JSON.parse(t);
  } catch {
    return { outcome: 'invalid-json' };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { outcome: 'not-an-object' };
  if (key !== undefined && !(key in body)) return { outcome: 'missing-key' };
  return { body: body as Record<string, unknown> };
}

/** Requests in all that `row` allows, given whether the key has worked and the client's cap. */
export function attemptsFor(row: FailureRow, keyWorked: boolean, cap: number): number {
  const n =
    !keyWorked && row.attemptsBeforeKeyWorked !== undefined ? row.attemptsBeforeKeyWorked : row.attempts;
  return Math.min(n, cap);
}

export interface Decision {
  action: Exclude<Action, 'retry'>;
  /** What the summary and history say. */
  reason: string;
  /** The run's exit code when the action is `stop`. */
  exitCode: number;
  /** The credential check's error, when that is what stops the run. */
  cause?: unknown;
}

export interface DecisionContext {
  /** The resource cannot be skipped (what would skip it fails it). */
  essential?: boolean;
  /**
   * The credential check (GET /users/me), run before a resource is skipped: a skip caused by a wrong URL or a
   * revoked key must stop the run, not pass for "not on this plan". Throws ApiRefusedError when it fails.
   */
  confirmAccount?: () => Promise<unknown>;
}

/**
 * What a resource's scan does about the error it ended in. API failures follow their row; a refused
 * account or a lost destination (exit 3 or 4) stops the run; anything else fails the resource.
 */
export async function decide(err: unknown, ctx: DecisionContext = {}): Promise<Decision> {
  const message = describeError(err);
  if (!(err instanceof ApiCallError)) {
    if (err instanceof AcsyncError && STOPPING_EXIT_CODES.has(err.exitCode))
      return { action: 'stop', reason: message, exitCode: err.exitCode };
    return { action: 'fail', reason: message, exitCode: ExitCode.syncFailed };
  }
  const row = rowOf(err.outcome);
  const reason = `${row.reason} (${message})`;
  if (row.action === 'stop') return { action: 'stop', reason: message, exitCode: err.exitCode };
  if (row.action !== 'skip') return { action: 'fail', reason: message, exitCode: err.exitCode };
  if (ctx.confirmAccount) {
    try {
      await ctx.confirmAccount();
    } catch (checkErr) {
      const m = describeError(checkErr);
      if (checkErr instanceof ApiRefusedError)
        return { action: 'stop', reason: m, exitCode: checkErr.exitCode, cause: checkErr };
      return {
        action: 'fail',
        reason: `${message}; checking the account failed: ${m}`,
        exitCode: ExitCode.syncFailed,
      };
    }
  }
  return { action: ctx.essential ? 'fail' : 'skip', reason, exitCode: ExitCode.syncFailed };
}

const STOPPING_EXIT_CODES = new Set<number>([ExitCode.apiRefused, ExitCode.destinationUnreachable]);

/** Resources a run cannot do without: every account has contacts, so a 404 there is a broken URL or API. */
export const ESSENTIAL_RESOURCES: ReadonlySet<string> = new Set(['contacts']);
