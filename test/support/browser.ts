// Headless Chromium for the browser tests: Debian's package, driven by playwright-core (no browser
// download). Outside CI a missing Chromium skips with the reason; under CI=true it fails.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { IN_CI } from './env.ts';

export const CHROMIUM = process.env.ACSYNC_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (IN_CI) throw new Error(`${what} need Chromium at ${CHROMIUM} under CI (.ci/run installs it)`);
  console.warn(`skipping ${what}: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return false;
}

/** One browser with a fresh profile; close() removes the profile too. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'acsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
