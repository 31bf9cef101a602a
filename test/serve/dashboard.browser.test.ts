// The dashboard in a real browser, end to end against the emulator and the real `acsync` binary: add a
// source (wrong key, then the right one), pick three resources, save (acsync check accepts the file),
// Sync now with live progress, the run in the history as `acsync history --json` reports it, reset
// cursors. Screenshots go to docs/screenshots with ACSYNC_SCREENSHOTS=docs (npm run screenshots).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { chromiumAvailable, launchBrowser } from '../support/browser.ts';
import { PROJECT_ROOT, runCli, tempDir } from '../support/env.ts';
import { type ServeProcess, spawnServe } from './support.ts';

const KEY = 'browser-key-3c9d1e7a55';
const CONTACTS = 2000;

interface HistoryRun {
  runId: string;
  status: string;
  events: number;
  resources: { name: string; events: number; rowsWritten: number; status: string }[];
}

describe.runIf(chromiumAvailable('the dashboard browser tests'))('acsync serve in a browser', () => {
  let tmp: ReturnType<typeof tempDir>;
  let emulator: RunningEmulator;
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const bodies: { url: string; body: string }[] = [];
  const errors: string[] = [];
  const shots =
    process.env.ACSYNC_SCREENSHOTS === 'docs'
      ? join(PROJECT_ROOT, 'docs/screenshots')
      : join(tempDir('shots').path);

  const cli = (args: string[]) => runCli(args, { cwd: tmp.path, env: { AC_API_KEY: undefined } });
  const text = async (sel: string) => (await page.locator(sel).textContent()) ?? '';
  const waitText = (sel: string, pattern: RegExp, timeout = 30_000) =>
    page.locator(sel, { hasText: pattern }).first().waitFor({ timeout });

  beforeAll(async () => {
    tmp = tempDir('dashboard');
    mkdirSync(shots, { recursive: true });
    emulator = await startEmulator({
      port: 0,
      contacts: CONTACTS,
      rateLimit: 0,
      apiKey: KEY,
      latency: [20, 40],
    });
    serve = await spawnServe(['--config', 'acsync.yaml'], { cwd: tmp.path, env: { AC_API_KEY: undefined } });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('response', async (res) => {
      const type = res.headers()['content-type'] ?? '';
      if (/event-stream/.test(type)) return;
      try {
        bodies.push({ url: res.url(), body: await res.text() });
      } catch {
        // a navigation can discard a body before it is read
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
    expect(await serve?.stop()).toBe(0);
    await emulator?.close();
    tmp?.cleanup();
  });

  it('walks setup, test connection, save, sync with live progress, history and reset', async () => {
    // ── the empty list, then "Add source" ──
    await page.goto(`${serve.url}/`);
    expect(await text('main')).toContain('No sources yet');
    await page.getByRole('link', { name: 'Add a source' }).click();
    await page.waitForURL(/\/sources\/new$/);

    // ── connection: a wrong key, then the right one ──
    await page.getByLabel('Source name').fill('ActiveCampaign Prod');
    await page.getByLabel('Account name').fill('emulator');
    await page.getByLabel('API URL').fill(emulator.url);
    await page.getByLabel('API key', { exact: true }).fill('not-the-key-0000');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await waitText(
      '#connection-result',
      /ActiveCampaign refused the key or the account: the API key was rejected \(403 on \/api\/3\/users\/me\)/,
    );
    await page.getByLabel('API key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await waitText('#connection-result', /Connected\. The key belongs to \S+/);
    expect(await page.getByLabel('Variable name').inputValue()).toBe('ACSYNC_ACTIVECAMPAIGN_PROD_API_KEY');

    // ── destination settings: prefix preview, CRON's 15-minute rule, three resources ──
    await page.getByLabel('Table prefix', { exact: true }).fill('test_');
    await waitText('#tablePrefix-preview', /test_rudder_contacts/);
    await page.getByLabel('Table prefix', { exact: true }).fill('9x');
    await waitText('#tablePrefix-preview', /Table prefix: .*letter/);
    await page.getByLabel('Table prefix', { exact: true }).fill('test_');
    await page.getByRole('radio', { name: /^CRON/ }).check();
    await page.getByLabel('CRON expression', { exact: true }).fill('*/5 * * * *');
    await waitText('#schedule-preview', /runs 5 minutes apart .* at least 15 minutes apart/);
    await page.getByLabel('CRON expression', { exact: true }).fill('0 */6 * * *');
    await waitText('#schedule-preview', /Next five runs \(UTC\)/);
    expect(await page.locator('#schedule-preview li').count()).toBe(5);
    await page.getByRole('radio', { name: /^Choose resources/ }).check();
    for (const [query, name] of [
      ['contact', 'contacts'],
      ['tag', 'tags'],
      ['list', 'lists'],
    ] as const) {
      await page.getByLabel('Search resources').fill(query);
      await page.locator(`input[name="resource"][value="${name}"]`).check();
    }
    await waitText('#resource-count', /^3 selected/);
    await page.getByLabel('Search resources').fill('');
    await waitText('#resource-count', /^3 selected · showing 69 of 69/);

    // ── destination: a new DuckDB file, tested ──
    await page.getByRole('button', { name: 'Test destination' }).click();
    await waitText(
      '#destination-result',
      /Reached\. Schema active_campaign_prod; contacts load into test_rudder_contacts\./,
    );
    await page.screenshot({ path: join(shots, 'setup-form.png'), fullPage: true });

    // ── save: the YAML has no key and acsync check accepts it ──
    await page.getByRole('button', { name: 'Save source' }).click();
    await page.waitForURL(/\/sources\/ActiveCampaign%20Prod\?saved=1$/);
    const yaml = readFileSync(join(tmp.path, 'acsync.yaml'), 'utf8');
    expect(yaml).not.toContain(KEY);
    expect(yaml).toContain('resources: [ contacts, lists, tags ]');
    const check = await cli(['check']);
    expect(check.stdout).toMatch(/API {8}ok .*accepts the key/);
    expect(check.code).toBe(0);

    // ── Sync now: live progress (small resources finish while contacts still runs) ──
    await page.getByRole('button', { name: 'Sync now' }).click();
    await waitText('#run-status', /^Syncing/);
    await page.locator('#progress tr[data-resource="tags"]', { hasText: /success/i }).waitFor();
    expect(await text('#run-status')).toMatch(/^Syncing/);
    expect(await text('#progress tr[data-resource="contacts"]')).toMatch(/running/i);
    await waitText('#run-status', /^Sync finished: success/, 60_000);
    await page.locator('#history details.run').first().waitFor();

    // ── the history shows the run as acsync history --json does ──
    const history = JSON.parse(
      (await cli(['history', '--json'])).stdout.trim().split('\n').at(-1)!,
    ) as HistoryRun[];
    expect(history).toHaveLength(1);
    const run = history[0]!;
    expect(await page.locator('#history details.run').first().getAttribute('data-run-id')).toBe(run.runId);
    for (const r of run.resources) {
      const cell = page.locator(
        `#history details.run[data-run-id="${run.runId}"] tr[data-resource="${r.name}"] td[data-events]`,
      );
      expect(Number(await cell.getAttribute('data-events')), r.name).toBe(r.events);
    }
    expect(run.resources.find((r) => r.name === 'contacts')!.events).toBe(CONTACTS);

    // ── reset cursors (confirmed in a dialog), then the next sync reads contacts in full ──
    await page.getByRole('button', { name: 'Reset cursors…' }).click();
    await page.getByLabel(/Resources \(comma-separated/).fill('contacts');
    await page.getByRole('button', { name: 'Reset cursors', exact: true }).click();
    await waitText('#run-status', /Forgot the cursors of contacts; the next sync reads them in full\./);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await waitText('#run-status', /^Sync finished: success/, 60_000);
    await page.locator('#history details.run').nth(1).waitFor();
    const newest = page.locator('#history details.run').first();
    expect(await newest.getAttribute('data-run-id')).not.toBe(run.runId);
    expect(await newest.locator('tr[data-resource="contacts"] td[data-rows]').getAttribute('data-rows')).toBe(
      String(CONTACTS),
    );
    await page.screenshot({ path: join(shots, 'source-page.png'), fullPage: true });

    // ── the list: last run, next run, prefix, destination, sparkline ──
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
    const row = page.locator('table.sources tbody tr').first();
    expect((await row.textContent()) ?? '').toMatch(
      /ActiveCampaign Prod[\s\S]*success[\s\S]*test_[\s\S]*warehouse/i,
    );
    await page.locator('.sparkline canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'sources-list.png'), fullPage: true });

    // ── the key never reached the browser; no script errors ──
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(b.body, b.url).not.toContain(KEY);
    expect(serve.output()).not.toContain(KEY);
    expect(errors).toEqual([]);
  });
});
