// The request budget of one account: ActiveCampaign allows 5 requests per second per account, shared by
// every integration on it. Requests take evenly spaced slots (no bursts), so the server's own bucket never
// sees more than the budget even when several requests are in flight. A 429 with Retry-After pauses every
// request sharing the budget, as the docs ask ("pause the existing requests").
import { setTimeout as sleep } from 'node:timers/promises';

export class RequestBudget {
  private nextSlot = 0;
  private pausedUntil = 0;

  /** `perSecond` 0 = unlimited (the emulator with its rate limit off). */
  constructor(readonly perSecond: number) {}

  /** Resolves when the caller may send one request. */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const start = Math.max(now, this.nextSlot, this.pausedUntil);
      if (this.perSecond > 0) this.nextSlot = start + 1000 / this.perSecond;
      if (start > now) await sleep(start - now);
      // A pause that arrived while we waited wins over the slot we were given.
      if (this.pausedUntil <= Date.now()) return;
    }
  }

  /** Holds every request back for `ms` (a 429's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
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
