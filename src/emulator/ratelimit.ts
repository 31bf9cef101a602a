// The account's request budget: a token bucket holding up to 5 requests, refilled continuously at
// the rate limit, checked when a request arrives (before any emulated latency).
//
// The budget belongs to the account, not to one key: another API user (forms, Zapier, a shop sync)
// takes from the same bucket. The tenant makes `tenantRps` requests a second on average, spaced
// irregularly (each gap uniform in [0.5, 1.5] × 1/rps, seeded); its requests are settled lazily, in
// time order, whenever the bucket is consulted, so it costs nothing while nobody calls.
import { sequence } from './hash.ts';

export const BUCKET_CAPACITY = 5;

export interface TenantOptions {
  rps: number;
  seed: number;
  /** Called for every tenant request, at its own (bucket-clock) time, with whether it got a token. */
  onRequest?: (at: number, ok: boolean) => void;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private tenantRps = 0;
  private tenantNext = Number.POSITIVE_INFINITY;
  private readonly tenantDraw: () => number;
  private readonly onTenant?: (at: number, ok: boolean) => void;

  constructor(
    readonly rate: number,
    private readonly now: () => number = () => performance.now(),
    tenant?: TenantOptions,
  ) {
    this.tokens = BUCKET_CAPACITY;
    this.last = this.now();
    this.tenantDraw = sequence((tenant?.seed ?? 1) ^ 0x7e4a);
    this.onTenant = tenant?.onRequest;
    if (tenant) this.setTenantRps(tenant.rps);
  }

  /** Changes the other user's request rate from now on (0 = it stops). */
  setTenantRps(rps: number): void {
    if (!(rps >= 0) || !Number.isFinite(rps)) throw new Error(`tenant-rps: ${rps} is not a number >= 0`);
    this.settle(this.now());
    this.tenantRps = rps;
    this.tenantNext = rps > 0 ? this.now() + this.gap() : Number.POSITIVE_INFINITY;
  }

  private gap(): number {
    return ((0.5 + this.tenantDraw()) / this.tenantRps) * 1000;
  }

  private refill(t: number): void {
    this.tokens = Math.min(BUCKET_CAPACITY, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /** Plays the other user's requests up to `t`. */
  private settle(t: number): void {
    while (this.tenantNext <= t) {
      const at = this.tenantNext;
      this.refill(at);
      const ok = this.tokens >= 1;
      if (ok) this.tokens -= 1;
      this.onTenant?.(at, ok);
      this.tenantNext = at + this.gap();
    }
  }

  /** Brings the other user's requests up to now (for a log read between requests). */
  advance(): void {
    this.settle(this.now());
  }

  /** Takes one token; returns the tokens left, or the seconds to wait when the bucket is empty. */
  take(): { ok: true; remaining: number } | { ok: false; retryAfter: number } {
    const t = this.now();
    this.settle(t);
    this.refill(t);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - this.tokens) / this.rate)) };
  }
}
