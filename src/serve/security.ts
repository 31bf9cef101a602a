// What keeps the dashboard to its user:
// - bound to loopback, it answers only to loopback Host names (a DNS-rebinding page cannot reach it);
// - bound anywhere else it needs a token (--token / ACSYNC_SERVE_TOKEN), given once on /login (an HttpOnly,
//   SameSite=Strict cookie then carries a digest of it) or as `Authorization: Bearer` by scripts;
// - every state-changing request carries the process's CSRF token in a header AND in a SameSite=Strict
//   cookie, comes from this origin (Origin / Sec-Fetch-Site) and is JSON (a cross-site form cannot send it).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { isLoopbackHost } from '../api/url.ts';
import { ConfigError } from '../core/errors.ts';

export const TOKEN_ENV = 'ACSYNC_SERVE_TOKEN';
export const CSRF_HEADER = 'x-csrf-token';

/** Refuses a non-loopback bind without a token (exit 2 through ConfigError). */
export function checkBind(host: string, token: string | null): void {
  if (!isLoopbackHost(host) && !token)
    throw new ConfigError(
      `--host ${host} makes the dashboard reachable from other machines, so it needs a token: ` +
        `pass --token <secret> or set ${TOKEN_ENV} (or keep the default --host 127.0.0.1)`,
    );
  if (token !== null && token.length < 12)
    throw new ConfigError('the serve token must be at least 12 characters long');
}

export interface Guard {
  /** The per-process CSRF token pages embed. */
  csrfToken: string;
  csrfCookie: string;
  sessionCookie: string;
  token: string | null;
  loopbackOnly: boolean;
}

export function createGuard(host: string, token: string | null): Guard {
  return {
    csrfToken: randomBytes(24).toString('base64url'),
    csrfCookie: 'acsync_csrf',
    sessionCookie: 'acsync_session',
    token,
    loopbackOnly: isLoopbackHost(host),
  };
}

function same(a: string | undefined | null, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SESSION_KEY = randomBytes(32);

/** What the session cookie holds: a keyed digest of the token, never the token itself. */
function sessionValue(token: string): string {
  return createHmac('sha256', SESSION_KEY).update(token).digest('base64url');
}

function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return null;
  }
}

/** Cookies are not scoped by port: named per port, two dashboards on one host do not collide. */
function cookieName(_g: Guard, base: string, c: Context): string {
  const port = new URL(c.req.url).port;
  return port ? `${base}_${port}` : base;
}

/** Loopback binds answer only to loopback Host names (DNS rebinding would otherwise reach them). */
export function hostGuard(g: Guard): MiddlewareHandler {
  return async (c, next) => {
    if (g.loopbackOnly) {
      const host = hostOf(c.req.header('host'));
      if (!host || !isLoopbackHost(host))
        return c.text(
          'acsync serve answers only to loopback host names (127.0.0.1, localhost); use one of those in the address bar.\n',
          421,
        );
    }
    await next();
  };
}

/** With a token, everything but /login and the static assets needs the session cookie or a Bearer header. */
export function authGuard(g: Guard): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (!g.token || path === '/login' || path.startsWith('/assets/')) return next();
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const session = getCookie(c, cookieName(g, g.sessionCookie, c));
    if (same(bearer, g.token) || same(session, sessionValue(g.token))) return next();
    if (c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html'))
      return c.redirect('/login', 303);
    return c.json({ error: 'sign in first: this dashboard needs its token (see /login)' }, 401);
  };
}

/** Checks the token typed on /login; on success sets the session cookie. */
export function signIn(g: Guard, c: Context, typed: string): boolean {
  if (!g.token || !same(typed, g.token)) return false;
  setCookie(c, cookieName(g, g.sessionCookie, c), sessionValue(g.token), {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
  });
  return true;
}

/** Sets the CSRF cookie a page's scripts will be checked against. */
export function issueCsrfCookie(g: Guard, c: Context): void {
  setCookie(c, cookieName(g, g.csrfCookie, c), g.csrfToken, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a state-changing request is refused, or null when it passes. */
export function csrfProblem(g: Guard, c: Context): string | null {
  const origin = c.req.header('origin');
  const own = `${new URL(c.req.url).protocol}//${c.req.header('host')}`;
  if (origin !== undefined && origin !== own) return `the request came from another site (${origin})`;
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `the request came from another site (Sec-Fetch-Site: ${site})`;
  if (c.req.path === '/login') return null; // a form post; the token typed is its own proof
  if (!(c.req.header('content-type') ?? '').startsWith('application/json'))
    return 'expected a JSON request from the dashboard page';
  if (!same(c.req.header(CSRF_HEADER), g.csrfToken)) return 'missing or wrong CSRF token';
  if (!same(getCookie(c, cookieName(g, g.csrfCookie, c)), g.csrfToken)) return 'missing or wrong CSRF cookie';
  return null;
}

export function csrfGuard(g: Guard): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const problem = csrfProblem(g, c);
    if (problem)
      return c.json({ error: `refused: ${problem}. Reload the page and try again.`, csrf: true }, 403);
    await next();
  };
}
