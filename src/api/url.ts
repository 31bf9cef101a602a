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

/** Private and link-local ranges (RFC 1918, 169.254/16, 0/8, RFC 4193, fe80::/10) as [first, bits]. */
const PRIVATE_V4: Array<[string, number]> = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['0.0.0.0', 8],
];

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/**
 * True for IP literals in private or link-local networks (IPv4, and IPv6 unique-local, link-local and
 * IPv4-mapped). A URL there is refused before any request: an API key must not travel to an address
 * inside the network (cloud metadata services live at 169.254.169.254). Loopback stays allowed.
 */
export function isPrivateAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) === 4)
    return PRIVATE_V4.some(
      ([first, bits]) => v4Number(host) >>> (32 - bits) === v4Number(first) >>> (32 - bits),
    );
  if (isIP(host) !== 6) return false;
  if (/^f[cd][0-9a-f]{0,2}:/.test(host) || /^fe[89ab][0-9a-f]?:/.test(host)) return true;
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(host);
  if (!mapped) return false;
  const v4 =
    mapped[1] ??
    [mapped[2]!, mapped[3]!]
      .map((h) => {
        const n = parseInt(h, 16);
        return `${n >> 8}.${n & 255}`;
      })
      .join('.');
  return isPrivateAddress(v4);
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
  if (isPrivateAddress(parsed.hostname)) {
    throw new ConfigError(
      `"${raw}" points at a private network address; use the account's API URL (or a loopback emulator)`,
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
