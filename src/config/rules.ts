// The small rules the config file is checked against, kept as data so docs, messages and tests agree.

/** RudderStack's own limit on table prefixes; no separator is added after the prefix. */
export const TABLE_PREFIX_RULE = {
  pattern: /^[A-Za-z][A-Za-z0-9_]{0,29}$/,
  maxLength: 30,
  description: 'letters, digits and underscores, starting with a letter, at most 30 characters',
} as const;

/** CRON schedules may not run more often than this (RudderStack refused shorter CRON frequencies). */
export const MIN_CRON_GAP_MINUTES = 15;

export const DEFAULTS = {
  requestsPerSecond: 5,
  lookbackHours: 24,
  startAt: '00:00',
  timezone: 'UTC',
  resources: 'all' as const,
  configFile: 'acsync.yaml',
} as const;

/** "HH:MM" on a 24-hour clock. */
export const START_AT_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Hosts on which the account-name check is meaningless (the emulator, tunnels to it). */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h.startsWith('127.') || h === '0.0.0.0'
  );
}

/** True when the IANA zone is known to this Node's ICU data. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
