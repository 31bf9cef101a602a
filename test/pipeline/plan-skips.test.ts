// What the failure table means for a whole sync: on an account whose plan lacks some collections (the
// emulator's --plan lite answers 404, 403, 400 `{}` and a login redirect for them), those resources are
// `skipped` with the reason in the summary and the run succeeds; a host name that does not resolve stops the
// run at once instead of retrying it as a transient failure.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { runCli, tempDir } from '../support/env.ts';
import { sourceFor } from './support.ts';

const dir = tempDir('plan-skips');
const emulators: RunningEmulator[] = [];
afterAll(async () => {
  for (const e of emulators) await e.close();
  dir.cleanup();
});

interface Summary {
  status: string;
  exitCode: number;
  error?: string;
  resources: Array<{ name: string; status: string; error?: string; events: number }>;
}

describe('a sync on a plan without some collections', () => {
  it('skips what the plan lacks, with the reason in the summary, and succeeds', async () => {
    const em = await startEmulator({ port: 0, contacts: 120, rateLimit: 0, seed: 4, plan: 'lite' });
    emulators.push(em);
    const config = join(dir.path, 'lite.yaml');
    writeFileSync(
      config,
      [
        'destinations:',
        '  warehouse:',
        '    type: duckdb',
        `    path: ${JSON.stringify(join(dir.path, 'lite.duckdb'))}`,
        'sources:',
        '  - name: Lite',
        '    accountName: emulator',
        `    url: ${em.url}`,
        `    apiKey: ${em.apiKey}`,
        '    tablePrefix: ac_',
        '    resources: [contacts, tags, goals, accounts, deals, event_tracking_events, site_messages]',
        '    requestsPerSecond: 0',
        '',
      ].join('\n'),
    );
    const res = await runCli(['sync', '--config', config, '--json'], {
      env: { ACSYNC_LOCK_DIR: join(dir.path, 'locks') },
    });
    expect(res.code).toBe(0);
    const s = JSON.parse(res.stdout.trim().split('\n').pop()!) as Summary;
    expect(s.status).toBe('success');
    const by = Object.fromEntries(s.resources.map((r) => [r.name, r]));
    expect(by.contacts).toMatchObject({ status: 'success', events: 120 });
    expect(by.tags!.status).toBe('success');
    // Undocumented and plan-gated endpoints: 404 (goals, accounts), 400 `{}` (event tracking).
    expect(by.goals).toMatchObject({ status: 'skipped' });
    expect(by.goals!.error).toMatch(
      /^not available on this account \(GET \/api\/3\/goals\?.* answered 404: Not Found\)$/,
    );
    expect(by.accounts!.error).toMatch(/^not available on this account \(.* answered 404/);
    expect(by.event_tracking_events).toMatchObject({ status: 'skipped' });
    expect(by.event_tracking_events!.error).toMatch(/^not available on this account \(.* answered 400/);
    // A 403 after its retries, the key still good on /users/me.
    expect(by.deals).toMatchObject({ status: 'skipped' });
    expect(by.deals!.error).toMatch(/^not allowed for this plan or user \(.* answered 403: Forbidden/);
    // A redirect to the login page on a resource is a skip; only on /users/me is it fatal.
    expect(by.site_messages).toMatchObject({ status: 'skipped' });
    expect(by.site_messages!.error).toMatch(
      /^not available on this account \(.* was redirected \(302\) to .*\/login\//,
    );
  });

  it('a host name that does not resolve stops the run after one request, naming the host', async () => {
    const em = await startEmulator({ port: 0, contacts: 10, rateLimit: 0, seed: 4 });
    emulators.push(em);
    const r = await runSync({
      source: sourceFor(em, { url: 'https://nonexistent.invalid', resources: ['contacts', 'tags', 'lists'] }),
      destination: { type: 'duckdb', name: 'w', path: join(dir.path, 'dns.duckdb') },
      logger: silentLogger(),
      tuning: { concurrency: 1 },
    });
    expect(r.status).toBe('failed');
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/the host name nonexistent\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)/);
    // The first resource failed on its one request; the others were not run.
    expect(r.resources.map((x) => x.status)).toEqual(['failed', 'failed', 'failed']);
    expect(r.resources.slice(1).every((x) => x.error?.startsWith('not run: '))).toBe(true);
    expect(r.resources[0]!.requests).toBe(1);
  });
});
