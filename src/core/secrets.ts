// Redaction by value: every API key the process learns is registered here, and every string that
// leaves the process (logs, errors, history rows, JSON output) passes through `redact`. Field-name
// redaction alone misses keys echoed inside URLs, messages or response bodies.
const secrets = new Set<string>();

export const REDACTED = '[REDACTED]';

/** Registers a secret value. Values shorter than 4 characters are ignored (they would redact ordinary text). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
    // Also catch the key as it appears URL-encoded.
    const enc = encodeURIComponent(s);
    if (enc !== s && out.includes(enc)) out = out.split(enc).join(REDACTED);
  }
  return out;
}

/** Deep copy of a JSON-like value with every string redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
