// The per-account lock (src/api/lock.ts) between real processes: a second process waits, saying which
// account it waits for; a holder killed with SIGKILL does not block the account; two `acsync sync` processes
// on one emulated account never send their requests interleaved.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lockAccount, lockFileFor } from '../../src/api/lock.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { BIN, PROJECT_ROOT, tempDir } from '../support/env.ts';

const dir = tempDir('lock');
const LOCK_DIR = join(dir.path, 'locks');
const children: ChildProcessWithoutNullStreams[] = [];
const emulators: RunningEmulator[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  for (const e of emulators) await e.close();
  dir.cleanup();
});

/** Starts the holder process; resolves once it holds the lock. */
async function holder(url: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'test/api/fixtures/hold-lock.ts'), url],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ACSYNC_LOCK_DIR: LOCK_DIR },
    },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('held')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return child;
}

const exited = (c: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.on('exit', () => resolve())));

describe('the per-account lock', () => {
  it('makes a second process wait, naming the account (never the key or the lock file), until the first releases', async () => {
    const url = 'https://lockwait.api-us1.com';
    const first = await holder(url);
    const notices: string[] = [];
    let acquired = false;
    let noticed!: () => void;
    const told = new Promise<void>((resolve) => {
      noticed = resolve;
    });
    const waiting = lockAccount(url, {
      dir: LOCK_DIR,
      onNotice: (m) => {
        notices.push(m);
        noticed();
      },
    }).then((l) => {
      acquired = true;
      return l;
    });
    await told;
    expect(acquired).toBe(false);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      new RegExp(
        `another acsync process \\(pid ${first.pid}\\) is syncing lockwait\\.api-us1\\.com; waiting`,
      ),
    );
    expect(notices[0]).not.toMatch(/account-[0-9a-f]/);
    first.stdin.end();
    await exited(first);
    const lock = await waiting;
    expect(acquired).toBe(true);
    lock.release();
  });

  it('takes over the lock of a holder killed with SIGKILL', async () => {
    const url = 'https://lockkill.api-us1.com';
    const first = await holder(url);
    expect(existsSync(lockFileFor(url, LOCK_DIR))).toBe(true);
    first.kill('SIGKILL');
    await exited(first);
    // The dead holder's file is still there; the next taker sees no such process and takes over.
    expect(existsSync(lockFileFor(url, LOCK_DIR))).toBe(true);
    const notices: string[] = [];
    const lock = await lockAccount(url, { dir: LOCK_DIR, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([]);
    lock.release();
    expect(existsSync(lockFileFor(url, LOCK_DIR))).toBe(false);
    expect(readdirSync(LOCK_DIR).filter((f) => f.includes('.stale'))).toEqual([]);
  });

  it('is shared by syncs in one process and released by the last of them', async () => {
    const url = 'https://lockshare.api-us1.com';
    const a = await lockAccount(url, { dir: LOCK_DIR });
    const b = await lockAccount(url, { dir: LOCK_DIR });
    a.release();
    expect(existsSync(lockFileFor(url, LOCK_DIR))).toBe(true);
    b.release();
    expect(existsSync(lockFileFor(url, LOCK_DIR))).toBe(false);
  });

  it('keys the file by the account: another account is not blocked, the same account by another spelling is', () => {
    expect(lockFileFor('https://one.api-us1.com', LOCK_DIR)).not.toBe(
      lockFileFor('https://two.api-us1.com', LOCK_DIR),
    );
    expect(lockFileFor('https://One.api-us1.com/api/3/', LOCK_DIR)).toBe(
      lockFileFor('https://one.api-us1.com', LOCK_DIR),
    );
  });
});

describe('two acsync sync processes on one account', () => {
  const config = (em: RunningEmulator, name: string, resource: string) => {
    const file = join(dir.path, `${name}.yaml`);
    writeFileSync(
      file,
      [
        'destinations:',
        '  warehouse:',
        '    type: duckdb',
        `    path: ${JSON.stringify(join(dir.path, `${name}.duckdb`))}`,
        'sources:',
        `  - name: ${name}`,
        '    accountName: emulator',
        `    url: ${em.url}`,
        `    apiKey: ${em.apiKey}`,
        '    tablePrefix: ac_',
        `    resources: [${resource}]`,
        '    requestsPerSecond: 0',
        '',
      ].join('\n'),
    );
    return file;
  };

  it('a sync waits while another process holds the account, sending nothing, then runs', async () => {
    const em = await startEmulator({ port: 0, contacts: 50, rateLimit: 0, seed: 5, requestLog: true });
    emulators.push(em);
    const first = await holder(em.url);
    const sync = startCli(['sync', '--config', config(em, 'waiter', 'tags'), '--json']);
    const host = new URL(em.url).host;
    await sync.saw(`is syncing ${host}; waiting for it to finish`);
    // Waiting, it has sent nothing to the account.
    expect(em.requestLog()).toEqual([]);
    first.stdin.end();
    const res = await sync.done;
    expect(res.code).toBe(0);
    expect(em.requestLog().length).toBeGreaterThan(0);
  });

  it('two syncs started together run one after the other: their requests never interleave', async () => {
    const em = await startEmulator({
      port: 0,
      contacts: 1500,
      rateLimit: 0,
      seed: 6,
      latency: [20, 40],
      requestLog: true,
    });
    emulators.push(em);
    const a = startCli(['sync', '--config', config(em, 'a', 'contacts'), '--json']);
    const b = startCli(['sync', '--config', config(em, 'b', 'field_values'), '--json']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    const order = em
      .requestLog()
      .filter((e) => !e.tenant)
      .map((e) => (e.path.endsWith('/contacts') ? 'a' : 'b'));
    // One block of a's requests and one of b's, in either order.
    const switches = order.filter((x, i) => i > 0 && x !== order[i - 1]).length;
    expect(order.length).toBeGreaterThan(20);
    expect(switches).toBe(1);
  });
});

/** `acsync ...args` as a real process whose stderr can be watched while it runs. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir.path,
    env: { ...process.env, NO_COLOR: '1', ACSYNC_LOCK_DIR: LOCK_DIR, ACSYNC_LOG_LEVEL: 'info' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of watchers) if (stderr.includes(w.text)) w.resolve();
  });
  child.stdin.end();
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    done,
    /** Resolves when stderr contains `text`; rejects if the process ends first. */
    saw: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        watchers.push({ text, resolve });
        void done.then((r) => reject(new Error(`exited ${r.code} before saying "${text}": ${r.stderr}`)));
      }),
  };
}
