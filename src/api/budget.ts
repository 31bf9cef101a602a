// The request budget of one account. ActiveCampaign allows 5 requests per second per account, shared by
// every integration on it (forms, Zapier, shop syncs, other keys), so acsync is a good neighbour:
// - Requests take evenly spaced slots (no bursts) at the current rate, never above the configured one.
// - The rate adapts (AIMD): every answer's `RateLimit-Remaining` says how full the account's bucket is. Low
//   (others are busy) → the rate drops by a share, at most once per second; high (the account is quiet) →
//   it climbs back toward the configured rate, linearly with the quiet time. A 429 or a 503 cuts it harder.
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
  /** Rate kept after a low reading (multiplicative decrease)… */
  lowFactor: 0.85,
  /** …and after a reading of 0 left. */
  emptyFactor: 0.7,
  /** Rate kept after a 429 or 503. */
  busyFactor: 0.6,
  /** Decreases are at least this far apart: answers in flight report the same dip. */
  decreaseGapMs: 1000,
  /** While answers say the account is quiet, the rate climbs by this share of the budget per second. */
  riseShare: 0.05,
};
export type Adaptation = typeof ADAPT;

export class RequestBudget {
  private nextSlot = 0;
  /** When the last request went; slots are spaced from it at the current rate. */
  private lastSlot = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  private pumping = false;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private lastBusy = Number.NEGATIVE_INFINITY;
  /** When the rate last climbed, or was held: only quiet time counts toward the climb. */
  private lastRise = Number.NEGATIVE_INFINITY;
  /** Requests per second now: between ADAPT.floor and `perSecond`. */
  private current: number;

  /** `perSecond` 0 = unlimited (the emulator with its rate limit off): no spacing, no adaptation. */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly adapt: Adaptation = ADAPT,
  ) {
    this.current = perSecond;
  }

  /** The rate slots are spaced at now (requests/s; 0 = unlimited). */
  get rate(): number {
    return this.current;
  }

  /**
   * Resolves when the caller may send one request. Callers are served in order by one timer, so a pause or
   * a new rate applies at once to everyone waiting (no slot booked at the old rate is kept).
   */
  take(): Promise<void> {
    if (this.current <= 0 && this.waiters.length === 0 && this.pausedUntil <= this.now())
      return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const wait = this.nextAt() - this.now();
        if (wait > 0) {
          await sleep(wait);
          continue; // a pause or a slowdown may have come meanwhile
        }
        // A timer that fired late keeps the grid (up to half a slot late), so event-loop lag under load does
        // not stretch every gap and lower the rate; later than that, the budget was idle: start afresh.
        const due = Math.max(this.nextSlot, this.pausedUntil);
        const spacing = this.current > 0 ? 1000 / this.current : 0;
        this.book(this.now() - due <= spacing / 2 ? due : this.now());
        this.waiters.shift()!();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** When the next request may go (epoch ms on this budget's clock). */
  nextAt(): number {
    return Math.max(this.now(), this.nextSlot, this.pausedUntil);
  }

  /** Records a request sent at `t`: the next one goes a slot later. */
  book(t: number): void {
    this.lastSlot = t;
    this.nextSlot = this.current > 0 ? t + 1000 / this.current : t;
  }

  /** Holds every request back for `ms` (a 429's Retry-After, a 503). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** An answer carried `RateLimit-Remaining` (and maybe `RateLimit-Limit`). */
  observe(remaining: number, limit: number): void {
    if (this.perSecond <= 0 || !(limit > 0)) return;
    const a = this.adapt;
    if (remaining <= limit * a.lowShare) this.decrease(remaining <= 0 ? a.emptyFactor : a.lowFactor);
    else if (remaining >= limit * a.highShare) this.increase();
    else this.lastRise = this.now();
  }

  /** An answer without rate-limit headers and without a 429: the account is not complaining. */
  quiet(): void {
    if (this.perSecond > 0) this.increase();
  }

  /** A 429 or 503: the account is over its limit. */
  busy(): void {
    if (this.perSecond <= 0) return;
    // Requests in flight meet the same empty bucket: one decrease per burst of 429s.
    const t = this.now();
    this.lastRise = t;
    if (t - this.lastBusy < this.adapt.decreaseGapMs) return;
    this.lastBusy = t;
    this.lastDecrease = t;
    this.setRate(this.current * this.adapt.busyFactor);
  }

  private decrease(factor: number): void {
    const t = this.now();
    this.lastRise = t;
    if (t - this.lastDecrease < this.adapt.decreaseGapMs) return;
    this.lastDecrease = t;
    this.setRate(this.current * factor);
  }

  private increase(): void {
    const t = this.now();
    const quietMs = Math.min(1000, Math.max(0, t - this.lastRise));
    this.lastRise = t;
    if (this.current >= this.perSecond) return;
    this.setRate(
      Math.min(this.perSecond, this.current + (this.perSecond * this.adapt.riseShare * quietMs) / 1000),
    );
  }

  /** The next slot moves with the rate, so a slowdown applies at once and a speed-up does not wait. */
  private setRate(wanted: number): void {
    const rate = Math.max(Math.min(this.adapt.floor, this.perSecond), wanted);
    this.current = rate;
    if (Number.isFinite(this.lastSlot)) this.nextSlot = this.lastSlot + 1000 / rate;
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
