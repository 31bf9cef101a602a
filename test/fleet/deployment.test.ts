// The README's deployment section is checked, not just read: its config loads as written (fleet mode
// accepts it), and, pointed at a local database and emulated accounts, the commands it shows run: fleet
// apply, two workers started exactly as the systemd unit's ExecStart says (the "two machines"), fleet
// status, sync --enqueue, and SIGTERM draining them. The metrics its alert rule uses exist.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { accountOf } from '../../src/fleet/account.ts';
import { requireFleet } from '../../src/fleet/config.ts';
import { POSTGRES_URL, PROJECT_ROOT, postgresAvailable, tempDir, uniqueSchema } from '../support/env.ts';
import {
  type Account,
  acsyncRun,
  cleanUp,
  eventually,
  type Proc,
  startAccount,
  startWorker,
} from './support.ts';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const section = README.slice(README.indexOf('### Deployment'), README.indexOf('## The emulator'));
const fleetSection = README.slice(README.indexOf('## Fleet mode'), README.indexOf('### Deployment'));

function block(text: string, lang: string, nth = 0): string {
  const blocks = [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
  if (!blocks[nth]) throw new Error(`no ${lang} block #${nth} in the README section`);
  return blocks[nth]!;
}

/** Shell-like split: spaces separate, double quotes group. */
function argv(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const SECRETS = {
  PGPASSWORD: 'deploy-pw-7731',
  CLIENT_A_API_KEY: 'emulator-key',
  CLIENT_B_API_KEY: 'emulator-key',
};
const ok = await postgresAvailable('the README deployment test');

describe('README deployment section', () => {
  const tmp = tempDir('deploy');
  const fleetSchema = uniqueSchema('deployq');
  const destSchema = uniqueSchema('deployd');
  const accounts: Account[] = [];
  const workers: Proc[] = [];
  afterAll(() => cleanUp({ procs: workers, accounts, schemas: ok ? [fleetSchema, destSchema] : [], tmp }));

  it('shows a config that loads as written and that fleet mode accepts', () => {
    const file = join(tmp.path, 'as-written.yaml');
    writeFileSync(file, block(section, 'yaml'));
    const config = loadConfig(file, { env: SECRETS });
    const fleet = requireFleet(config);
    expect(fleet.url).toContain('queue-db.internal');
    expect(config.sources).toHaveLength(2);
    expect(new Set(config.sources.map(accountOf)).size).toBe(2); // two accounts: they run side by side
    const unit = block(section, 'ini');
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^ExecStart=.* acsync worker /m);
  });

  describe.runIf(ok)('run against a local database and emulated accounts', () => {
    it('runs the commands it shows: apply, two workers from the systemd ExecStart, status, enqueue, drain', async () => {
      accounts.push(await startAccount('127.0.0.1', { contacts: 60, seed: 51, rateLimit: 0 }));
      accounts.push(await startAccount('127.0.0.2', { contacts: 60, seed: 52, rateLimit: 0 }));
      const config = join(tmp.path, 'acsync.yaml');
      const yaml = block(section, 'yaml')
        .replace('postgres://acsync:$' + '{PGPASSWORD}@warehouse-db.internal:5432/analytics', POSTGRES_URL)
        .replace(
          /url: postgres:\/\/acsync:\$\{PGPASSWORD\}@queue-db\.internal:5432\/acsync\n/,
          `url: ${POSTGRES_URL}\n  schema: ${fleetSchema}\n  pollSeconds: 0.5\n`,
        )
        .replace('schema: activecampaign', `schema: ${destSchema}`)
        .replace('https://clienta.api-us1.com', accounts[0]!.url)
        .replace('https://clientb.api-us1.com', accounts[1]!.url);
      writeFileSync(config, yaml);
      const local = (args: string[]) => args.map((a) => (a === '/etc/acsync/acsync.yaml' ? config : a));
      const shown = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
        .flatMap((m) => m[1]!.split('\n'))
        .filter((l) => l.startsWith('acsync '))
        .map((l) => local(argv(l).slice(1)));
      expect(shown.map((a) => a.slice(0, 2).join(' '))).toEqual([
        'fleet apply',
        'fleet status',
        'sync --enqueue',
      ]);

      const apply = await acsyncRun(shown[0]!, SECRETS);
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.stdout).toContain('2 added');

      // The unit's ExecStart, on "two machines" (a free metrics port each, as both run on this one).
      const exec = /^ExecStart=.* acsync (worker .*)$/m.exec(block(section, 'ini'))![1]!;
      const workerArgs = local(argv(exec)).map((a, i, all) => (all[i - 1] === '--metrics-port' ? '0' : a));
      expect(workerArgs.slice(0, 1)).toEqual(['worker']);
      for (let i = 0; i < 2; i++) {
        const w = await startWorker(
          config,
          SECRETS,
          workerArgs.slice(1).filter((a, j, all) => a !== '--config' && all[j - 1] !== '--config'),
        );
        workers.push(w);
      }

      const status = await acsyncRun([...shown[1]!, '--json'], SECRETS);
      expect(status.code, status.stderr).toBe(0);
      const st = JSON.parse(status.stdout) as {
        workers: Array<{ alive: boolean; concurrency: number }>;
        sources: Array<{ source: string; nextRun: string | null }>;
      };
      expect(st.workers.filter((w) => w.alive).map((w) => w.concurrency)).toEqual([4, 4]);
      expect(st.sources.map((s) => s.source)).toEqual(['Client A', 'Client B']);
      expect(st.sources.every((s) => s.nextRun)).toBe(true);

      const enq = await acsyncRun(shown[2]!, SECRETS);
      expect(enq.code, enq.stderr).toBe(0);
      expect(enq.stdout).toMatch(/^Client A: queued/);
      await eventually(
        async () =>
          workers.find((w) => w.logs.some((l) => l.msg === 'run started' && l.source === 'Client A')),
        60_000,
        'a worker to start the run',
      );

      // The metrics the README's alert rule and table name are all served.
      const named = [
        ...fleetSection.split('\n').filter((l) => l.startsWith('| `acsync_')),
        block(fleetSection, 'yaml', 1),
      ].join('\n');
      const names = new Set([...named.matchAll(/\b(acsync_[a-z0-9_]+)/g)].map((m) => m[1]!));
      expect(names.size).toBeGreaterThan(10);
      const text = await (
        await fetch(`${(workers[0] as Proc & { metrics: string }).metrics}/metrics`)
      ).text();
      const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      for (const n of names) expect(exported.has(n), n).toBe(true);

      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) expect((await w.done).code).toBe(0);
      for (const w of workers) expect(w.stderr()).not.toContain(SECRETS.PGPASSWORD);
    }, 180_000);
  });
});
