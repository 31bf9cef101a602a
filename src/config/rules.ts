// The small rules the config file is checked against, kept as data so docs, messages and tests agree.

/** CRON schedules may not run more often than this (RudderStack refused shorter CRON frequencies). */
export const MIN_CRON_GAP_MINUTES = 15;

export const DEFAULTS = {
  /** Of the account's 5: the rest is headroom for its other users (forms, Zapier, shop syncs). */
  requestsPerSecond: 4,
  lookbackHours: 24,
  /** Hours between reconcile runs (issue 10); runs in between are fast-tier. */
  reconcileEveryHours: 24,
  startAt: '00:00',
  timezone: 'UTC',
  resources: 'all' as const,
  configFile: 'acsync.yaml',
} as const;

/** The `fleet:` section's defaults and limits (README "Fleet mode"). */
export const FLEET_DEFAULTS = {
  schema: 'acsync_fleet',
  /** With checks every quarter lease, a dead worker's run is noticed within 75 s (the bound: 2 min). */
  leaseSeconds: 60,
  retryLimit: 3,
  retryDelaySeconds: 10,
  sliceMinutes: 60,
  concurrency: 4,
  pollSeconds: 2,
  metricsPort: 9469,
} as const;

/** pg-boss refuses job expirations of 24 hours or more; a slice plus two leases must stay under it. */
export const FLEET_MAX_JOB_SECONDS = 24 * 3600 - 60;

/** "HH:MM" on a 24-hour clock. */
export const START_AT_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True when the IANA zone is known to this Node's ICU data. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
