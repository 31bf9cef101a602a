// The dashboard's fleet page: for a config with a fleet: section it shows what `acsync fleet status` reports
// (workers, and per source the last run and what waits); without one it says how to turn fleet mode on; an
// unreachable queue database is an error banner that keeps the database password out of the page.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Account,
  acsyncRun,
  dropSchemas,
  type Proc,
  startAccount,
  startWorker,
  writeYaml,
} from '../fleet/support.ts';
import { CHROMIUM, launchBrowser } from '../support/browser.ts';
import { PROJECT_ROOT, postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import { type DashboardClient, dashboardClient } from './support.ts';

const ok = await postgresAvailable('the dashboard fleet page');

describe.runIf(ok)('dashboard: the fleet page', () => {
  const tmp = tempDir('serve-fleet');
  const fleetSchema = uniqueSchema('dashq');
  const destSchema = uniqueSchema('dashd');
  let account: Account | undefined;
  let worker: Proc | undefined;
  const dashboards: DashboardClient[] = [];
  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null)
      worker.child.kill('SIGKILL');
    for (const d of dashboards) await d.dashboard.close();
    await account?.close();
    await dropSchemas(fleetSchema, destSchema);
    tmp.cleanup();
  });

  it('shows the workers and each source as fleet status reports them', async () => {
    account = await startAccount('127.0.0.1', { contacts: 60, seed: 71, rateLimit: 0 });
    const env = { AC_API_KEY: account.emulator.apiKey };
    writeYaml(join(tmp.path, 'acsync.yaml'), {
      destSchema,
      fleetSchema,
      fleetExtra: { leaseSeconds: 5, pollSeconds: 0.5 },
      sources: [
        { name: 'Synced', url: account.url, prefix: 's_', resources: ['contacts', 'tags'] },
        { name: 'Waiting', url: account.url, prefix: 'w_', resources: ['lists'] },
      ],
    });
    const config = join(tmp.path, 'acsync.yaml');
    expect((await acsyncRun(['fleet', 'apply', '--config', config], env)).code).toBe(0);
    worker = await startWorker(config, env);
    expect((await acsyncRun(['sync', '--enqueue', '--source', 'Synced', '--config', config], env)).code).toBe(
      0,
    );
    await worker.waitFor((l) => l.msg === 'run finished', 60_000);

    const status = await acsyncRun(['fleet', 'status', '--config', config, '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const expected = JSON.parse(status.stdout) as {
      workers: Array<{ id: string; alive: boolean }>;
      sources: Array<{
        source: string;
        lastRun: { status: string; events: number } | null;
        nextRun: string | null;
      }>;
    };

    const d = await dashboardClient(tmp.path);
    dashboards.push(d);
    const api = await d.get('/api/fleet');
    expect(api.status).toBe(200);
    const shown = (await api.json()) as typeof expected;
    expect(
      shown.sources.map((s) => [s.source, s.lastRun?.status ?? null, s.lastRun?.events ?? null]),
    ).toEqual(expected.sources.map((s) => [s.source, s.lastRun?.status ?? null, s.lastRun?.events ?? null]));
    expect(shown.sources.find((s) => s.source === 'Synced')!.lastRun!.status).toBe('success');
    expect(shown.sources.find((s) => s.source === 'Synced')!.lastRun!.events).toBeGreaterThan(60);
    expect(shown.sources.find((s) => s.source === 'Waiting')!.lastRun).toBeNull();
    expect(shown.workers.map((w) => w.id)).toEqual(expected.workers.map((w) => w.id));

    const page = await d.get('/fleet');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Fleet</h1>');
    expect(html).toContain(expected.workers[0]!.id);
    expect(html).toMatch(/<a href="\/sources\/Synced">Synced<\/a>/);
    expect(html).toMatch(/<a href="\/sources\/Waiting">Waiting<\/a>/);
    const synced = html.slice(html.indexOf('/sources/Synced'), html.indexOf('/sources/Waiting'));
    expect(synced).toContain('pill-success');
    expect(html).not.toContain(env.AC_API_KEY);

    // The README's screenshot of this page (npm run screenshots); the dashboard browser tests need Chromium.
    if (existsSync(CHROMIUM)) {
      const shots =
        process.env.ACSYNC_SCREENSHOTS === 'docs' ? join(PROJECT_ROOT, 'docs/screenshots') : tmp.path;
      mkdirSync(shots, { recursive: true });
      const browser = await launchBrowser();
      try {
        const tab = await browser.context.newPage();
        await tab.goto(`${d.url}/fleet`);
        await tab.locator('table.fleet-sources').waitFor();
        await tab.screenshot({ path: join(shots, 'fleet.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    }
  });

  it('says how to turn fleet mode on when the config has no fleet: section', async () => {
    writeYaml(join(tmp.path, 'nofleet.yaml'), {
      destSchema,
      sources: [{ name: 'Solo', url: 'http://127.0.0.1:9', prefix: 'x_', resources: ['tags'] }],
    });
    const d = await dashboardClient(tmp.path, 'nofleet.yaml');
    dashboards.push(d);
    expect(await (await d.get('/api/fleet')).json()).toEqual({ kind: 'off' });
    expect(await (await d.get('/fleet')).text()).toContain('Fleet mode is off');
  });

  it('an unreachable queue database is an error banner without its password', async () => {
    const password = 'queue-pw-7d1e90';
    writeFileSync(
      join(tmp.path, 'down.yaml'),
      [
        'destinations:',
        '  warehouse: { type: postgres, url: "postgres://127.0.0.1:5432/test", schema: x }',
        'fleet:',
        `  url: postgres://acsync:${password}@127.0.0.1:1/acsync`,
        'sources:',
        '  - { name: Down, accountName: a, url: "http://127.0.0.1:9", apiKey: k-123456789, tablePrefix: d_ }',
        '',
      ].join('\n'),
    );
    const d = await dashboardClient(tmp.path, 'down.yaml');
    dashboards.push(d);
    const api = await d.get('/api/fleet');
    expect(api.status).toBe(503);
    const body = await api.text();
    expect(body).toMatch(/"kind":"error"/);
    expect(body).not.toContain(password);
    const page = await (await d.get('/fleet')).text();
    expect(page).toMatch(
      /The fleet&#39;s queue database cannot be read|The fleet's queue database cannot be read/,
    );
    expect(page).not.toContain(password);
  });
});
