// The API URL as the user pasted it from Settings > Developer. ActiveCampaign says to use that URL, not one
// built from the account name (non-US accounts live elsewhere), so we only tidy it: a trailing `/api/3` and
// slashes are tolerated, https is required except on loopback hosts (where the emulator runs).
import { isIP } from 'node:net';
import { ConfigError } from '../core/errors.ts';

/** True for 127.0.0.0/8, ::1, `localhost` and `*.localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * The account's base URL (no `/api/3`, no trailing slash in the path; origin plus any path prefix).
 * Throws ConfigError naming what is wrong.
 */
export function normaliseApiUrl(url: string): URL {
  const raw = url.trim();
  if (raw === '') throw new ConfigError('the API URL is empty (copy it from Settings > Developer)', 'url');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`"${raw}" is not a URL (expected e.g. https://youraccount.api-us1.com)`, 'url');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`"${raw}" must be an https:// URL`, 'url');
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new ConfigError(
      `"${raw}" must use https (plain http is allowed only for loopback addresses)`,
      'url',
    );
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError('the API URL must not contain a user name or password', 'url');
  }
  parsed.search = '';
  parsed.hash = '';
  let path = parsed.pathname.replace(/\/+$/, '');
  if (/\/api\/3$/i.test(path)) path = path.slice(0, -'/api/3'.length);
  parsed.pathname = path.replace(/\/+$/, '') || '/';
  return parsed;
}

/** `<base>/api/3/` — the root every request path is resolved against. */
export function apiRoot(base: URL): URL {
  const root = new URL(base.href);
  root.pathname = `${base.pathname.replace(/\/+$/, '')}/api/3/`;
  return root;
}
