// One acsync at a time per ActiveCampaign account on a machine: the account's 5 requests/second are shared
// with its other users, and two syncs side by side would each take a full budget. A sync holds a lock file
// named by a hash of the account's API root (so the file names no account) in ACSYNC_LOCK_DIR, or
// <tmp>/acsync-locks; a second process waits for it, saying which account it waits for. Syncs in one process
// share the lock (and the request budget, budget.ts). The fleet does not use it: its per-account queue
// already runs one sync per account, and a stalled worker must not block the run's takeover.
//
// The file holds the holder's pid and process start time. A holder that died (SIGKILL, a crash) leaves its
// file behind; the next process sees that no such process runs and takes the lock over.
import { createHash, randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncFailedError } from '../core/errors.ts';
import { apiRoot, normaliseApiUrl } from './url.ts';

export const LOCK_DIR_ENV = 'ACSYNC_LOCK_DIR';
/** A lock file that stays unreadable this long was left half-written: stale. */
const UNREADABLE_STALE_MS = 10_000;

export interface AccountLockOptions {
  /** Default: $ACSYNC_LOCK_DIR, else <os tmpdir>/acsync-locks. */
  dir?: string;
  /** Told once when the lock is busy (and when the lock cannot be used at all). */
  onNotice?: (message: string) => void;
  /** Aborting gives up waiting (the sync was stopped before it started). */
  signal?: AbortSignal;
  /** How often a waiting process looks again. Default 250 ms. */
  pollMs?: number;
}

export interface AccountLock {
  /** The file, for messages and tests. */
  readonly file: string | null;
  release(): void;
}

interface Holder {
  pid: number;
  /** The holder's process start time (/proc/<pid>/stat), so a reused pid is not taken for the holder. */
  start: string;
  nonce: string;
}

/** Locks held by this process: file → how many syncs share it and what it says. */
const held = new Map<string, { users: number; content: string }>();

export function defaultLockDir(): string {
  return process.env[LOCK_DIR_ENV] || join(tmpdir(), 'acsync-locks');
}

/** The lock file of the account behind `url`. */
export function lockFileFor(url: string, dir = defaultLockDir()): string {
  const root = apiRoot(normaliseApiUrl(url)).href.toLowerCase();
  return join(dir, `account-${createHash('sha256').update(root).digest('hex').slice(0, 24)}.lock`);
}

/** Takes the account's lock, waiting while another process holds it. */
export async function lockAccount(url: string, opts: AccountLockOptions = {}): Promise<AccountLock> {
  const account = apiRoot(normaliseApiUrl(url)).host;
  const dir = opts.dir ?? defaultLockDir();
  const file = lockFileFor(url, dir);
  const mine = held.get(file);
  if (mine) {
    mine.users++;
    return handle(file);
  }
  try {
    prepareDir(dir, opts.dir === undefined && !process.env[LOCK_DIR_ENV]);
  } catch (err) {
    opts.onNotice?.(
      `cannot use the lock directory ${dir} (${(err as { code?: string }).code ?? String(err)}): syncing ${account} without the one-sync-per-account lock; set ${LOCK_DIR_ENV} to a writable directory`,
    );
    return { file: null, release: () => {} };
  }
  const content = JSON.stringify({ pid: process.pid, start: processStart(process.pid), nonce: randomUUID() });
  let told = false;
  for (;;) {
    if (opts.signal?.aborted)
      throw new SyncFailedError(`stopped while waiting for another acsync to finish with ${account}`);
    // Another sync in this process may have taken it while we waited.
    const now = held.get(file);
    if (now) {
      now.users++;
      return handle(file);
    }
    if (tryCreate(file, content)) {
      held.set(file, { users: 1, content });
      return handle(file);
    }
    const seen = readOrNull(file);
    if (seen === null) continue; // released between our two calls
    const holder = parse(seen);
    if (holder ? !alive(holder) : ageMs(file) > UNREADABLE_STALE_MS) {
      takeOver(file, seen);
      continue;
    }
    if (!told) {
      told = true;
      opts.onNotice?.(
        `another acsync process${holder ? ` (pid ${holder.pid})` : ''} is syncing ${account}; waiting for it to finish (one sync per account at a time on this machine)`,
      );
    }
    await sleep(opts.pollMs ?? 250, undefined, { signal: opts.signal }).catch(() => {});
  }
}

function handle(file: string): AccountLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      const h = held.get(file);
      if (!h || --h.users > 0) return;
      held.delete(file);
      removeIfOurs(file, h.content);
    },
  };
}

// A process that exits without releasing (an uncaught error, process.exit) still frees its locks.
process.once('exit', () => {
  for (const [file, h] of held) removeIfOurs(file, h.content);
});

function removeIfOurs(file: string, content: string): void {
  if (readOrNull(file) !== content) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function prepareDir(dir: string, shared: boolean): void {
  mkdirSync(dir, { recursive: true });
  // The default directory is shared by every user of the machine, like /tmp itself.
  if (shared && (statSync(dir).mode & 0o7777) !== 0o1777) {
    try {
      chmodSync(dir, 0o1777);
    } catch {
      // another user's directory: creating files in it is what matters, and tryCreate will tell
    }
  }
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock: renamed away first (only one process wins the rename), then checked to be the
 * stale one; a fresh lock renamed by mistake (taken between our read and our rename) is put back.
 */
function takeOver(file: string, stale: string): void {
  const aside = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved it first
  }
  const got = readOrNull(aside);
  if (got !== stale) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process created a lock meanwhile: it holds the account now
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function parse(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.nonce === 'string'
      ? { pid: h.pid, start: typeof h.start === 'string' ? h.start : '', nonce: h.nonce }
      : null;
  } catch {
    return null;
  }
}

function alive(h: Holder): boolean {
  // Our own pid in a file we do not hold: a previous life of this pid (a restarted container) left it.
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EPERM') return false;
  }
  const start = processStart(h.pid);
  return !(h.start && start && start !== h.start);
}

/** The process's start time in clock ticks since boot (Linux); '' where /proc is not there. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}
