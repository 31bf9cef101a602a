// Which ActiveCampaign account a source talks to, and the queue its runs wait in. ActiveCampaign's rate limit
// is per account, and an account is its API host (`mycompany.api-us1.com`), so two sources with the same
// host share one queue: at most one of them runs at a time, fleet-wide.
import { createHash } from 'node:crypto';
import { normaliseApiUrl } from '../api/url.ts';
import type { SourceConfig } from '../core/contracts.ts';

/** The account key: the API URL's host name, lower case (the port is not part of it). */
export function accountOf(source: Pick<SourceConfig, 'url'>): string {
  return normaliseApiUrl(source.url).hostname.toLowerCase();
}

/**
 * The account's queue name: readable, unique per host, and within pg-boss's rules for queue names
 * (letters, digits and `_`, at most 50 characters).
 */
export function queueFor(account: string): string {
  const readable = account
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 36);
  const hash = createHash('sha256').update(account).digest('hex').slice(0, 8);
  return `acct_${readable}_${hash}`;
}
