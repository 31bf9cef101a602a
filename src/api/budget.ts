// The request budget of one account. ActiveCampaign allows 5 requests per second per account, shared by
// every integration on it (forms, Zapier, shop syncs, other keys), so acsync is a good neighbour:
// - Requests take evenly spaced slots (no bursts) at the current rate, never above the configured one.
// - The rate adapts (AIMD): every answer's `RateLimit-Remaining` says how full the account's bucket is. Low
//   (others are busy) → the rate drops by a tenth, at most once per second; high (the account is quiet) →
//   it climbs back toward the configured rate by a small step per answer. A 429 or a 503 halves it.
// - A 429 or 503 also pauses every request sharing the budget (Retry-After, or the client's backoff), as
//   the docs ask ("pause the existing requests").
import { setTimeout as sleep } from 'node:timers/promises';

/** The adaptation's constants, as data (README "Rate limit"). */
export const ADAPT = {
  /** Never slower than this (requests/s), so a busy account still makes progress. */
  floor: 0.5,
  /** `RateLimit-Remaining` at or below this share of `RateLimit-Limit`: the bucket is nearly empty. */
  lowShare: 0.2,
  /** At or above this share: the account is quiet. */
  highShare: 0.6,
  /** Rate kept after a low reading (multiplicative decrease). */
  lowFactor: 0.9,
  /** Rate kept after a 429 or 503. */
  busyFactor: 0.5,
  /** Decreases are at least this far apart: answers in flight report the same dip. */
  decreaseGapMs: 1000,
  /** Added per quiet answer, as a share of the configured rate (additive increase). */
  stepShare: 0.0125,
} as const;

export class RequestBudget {
  private nextSlot = 0;
  private pausedUntil = 0;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private lastBusy = Number.NEGATIVE_INFINITY;
  /** Requests per second now: between ADAPT.floor and `perSecond`. */
  private current: number;

  /** `perSecond` 0 = unlimited (the emulator with its rate limit off): no spacing, no adaptation. */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.current = perSecond;
  }

  /** The rate slots are spaced at now (requests/s; 0 = unlimited). */
  get rate(): number {
    return this.current;
  }

  /** Resolves when the caller may send one request. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      const start = Math.max(now, this.nextSlot, this.pausedUntil);
      if (this.current > 0) this.nextSlot = start + 1000 / this.current;
      if (start > now) await sleep(start - now);
      // A pause that arrived while we waited wins over the slot we were given.
      if (this.pausedUntil <= this.now()) return;
    }
  }

  /** Holds every request back for `ms` (a 429's Retry-After, a 503). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** An answer carried `RateLimit-Remaining` (and maybe `RateLimit-Limit`). */
  observe(remaining: number, limit: number): void {
    if (this.perSecond <= 0 || !(limit > 0)) return;
    if (remaining <= limit * ADAPT.lowShare) this.decrease(ADAPT.lowFactor);
    else if (remaining >= limit * ADAPT.highShare) this.increase();
  }

  /** An answer without rate-limit headers and without a 429: the account is not complaining. */
  quiet(): void {
    if (this.perSecond > 0) this.increase();
  }

  /** A 429 or 503: the account is over its limit. */
  busy(): void {
    if (this.perSecond <= 0) return;
    // Requests in flight meet the same full bucket: one halving per burst of 429s.
    const t = this.now();
    if (t - this.lastBusy < ADAPT.decreaseGapMs) return;
    this.lastBusy = t;
    this.lastDecrease = t;
    this.setRate(this.current * ADAPT.busyFactor);
  }

  private decrease(factor: number): void {
    const t = this.now();
    if (t - this.lastDecrease < ADAPT.decreaseGapMs) return;
    this.lastDecrease = t;
    this.setRate(this.current * factor);
  }

  private increase(): void {
    if (this.current >= this.perSecond) return;
    this.setRate(Math.min(this.perSecond, this.current + this.perSecond * ADAPT.stepShare));
  }

  /** The next slot moves with the rate, so a slowdown applies at once and a speed-up does not wait. */
  private setRate(wanted: number): void {
    const rate = Math.max(Math.min(ADAPT.floor, this.perSecond), wanted);
    if (this.current > 0 && this.nextSlot > 0) {
      const last = this.nextSlot - 1000 / this.current;
      this.nextSlot = last + 1000 / rate;
    }
    this.current = rate;
  }
}

const budgets = new Map<string, RequestBudget>();

/** The budget shared by everything in this process that talks to `account` with the same share. */
export function budgetFor(account: string, perSecond: number): RequestBudget {
  const key = `${account}|${perSecond}`;
  let b = budgets.get(key);
  if (!b) {
    b = new RequestBudget(perSecond);
    budgets.set(key, b);
  }
  return b;
}
