// The account's request budget: a token bucket holding up to 5 requests, refilled continuously at
// the rate limit, checked when a request arrives (before any emulated latency).

export const BUCKET_CAPACITY = 5;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = BUCKET_CAPACITY;
    this.last = this.now();
  }

  /** Takes one token; returns the tokens left, or the seconds to wait when the bucket is empty. */
  take(): { ok: true; remaining: number } | { ok: false; retryAfter: number } {
    const t = this.now();
    this.tokens = Math.min(BUCKET_CAPACITY, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - this.tokens) / this.rate)) };
  }
}
