// `acsync run` as a real long-running process: first run at once, idle between runs (the DuckDB file is
// free for other commands), graceful SIGTERM, no repeated run after a restart.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { BIN } from '../support/env.ts';
import { type CliFixture, cliFixture, lastJson, logLines } from './fixture.ts';

let f: CliFixture;
beforeAll(async () => {
  f = await cliFixture('run', 100);
});
afterAll(() => f.close());

/** A running `acsync run` whose JSON log lines can be awaited. */
function daemon(args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd: f.dir,
    env: { ...process.env, AC_API_KEY: f.emulator.apiKey, NO_COLOR: '1', ACSYNC_LOG_LEVEL: 'info' },
  });
  let stderr = '';
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of [...waiters]) {
      if (logLines(stderr).some(w.test)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    logs: () => logLines(stderr),
    stderr: () => stderr,
    waitFor: (test: (l: Record<string, unknown>) => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (logLines(stderr).some(test)) return resolve();
        waiters.push({ test, resolve });
        exited.then((code) => reject(new Error(`acsync run exited (${code}) first:\n${stderr}`)));
      }),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    /** The exit code once it ends by itself. */
    ended: () => exited,
  };
}

/** A 24h slot about 12 hours from now, so no slot can fall during the test. */
function farSchedule(): string {
  const hour = (new Date().getUTCHours() + 12) % 24;
  return `{ type: basic, every: 24h, startAt: "${String(hour).padStart(2, '0')}:00" }`;
}

describe('acsync run', () => {
  it('runs a never-run source at once, frees the DuckDB file between runs, stops on SIGTERM, and does not repeat the run after a restart', async () => {
    f.config([
      { name: 'Nightly', schedule: farSchedule(), resources: '[contacts, tags]' },
      { name: 'By hand', tablePrefix: 'hand_' },
    ]);
    const d = daemon([]);
    await d.waitFor((l) => l.msg === 'run finished' && l.source === 'Nightly');
    expect(d.logs().some((l) => l.source === 'By hand' && String(l.msg).includes('manual'))).toBe(true);

    // Between runs another process can use the same DuckDB file.
    const h = await f.cli(['history', '--json', '--source', 'Nightly']);
    expect(h.code).toBe(0);
    const runs = lastJson<{ status: string; resources: { name: string }[] }[]>(h.stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('success');

    expect(await d.stop()).toBe(0);
    expect(d.logs().some((l) => l.msg === 'stopped')).toBe(true);

    // Restart: the source ran in its current slot, so it waits for the next one.
    const again = daemon([]);
    await again.waitFor((l) => l.msg === 'scheduled' && l.source === 'Nightly');
    expect(await again.stop()).toBe(0);
    expect(again.logs().some((l) => l.msg === 'run starting')).toBe(false);
    const after = await f.cli(['history', '--json', '--source', 'Nightly']);
    expect(lastJson<unknown[]>(after.stdout)).toHaveLength(1);
  }, 240_000);

  it('with only manual sources there is nothing to do', async () => {
    f.config([{ name: 'By hand' }], { file: 'manual.yaml' });
    const d = daemon(['--config', 'manual.yaml']);
    await d.waitFor((l) => String(l.msg).startsWith('no source has a schedule'));
    // It ends by itself; a SIGTERM sent now could land in Node's own exit, after the handlers are gone.
    expect(await d.ended()).toBe(0);
  });

  it('SIGTERM during a run: the run saves what it has and ends, then the daemon exits 0', async () => {
    const slow = await startEmulator({ port: 0, contacts: 400, rateLimit: 0, seed: 3, latency: [200, 300] });
    try {
      f.config([{ name: 'Slow', url: slow.url, schedule: farSchedule(), resources: 'all' }], {
        file: 'slow.yaml',
      });
      const d = daemon(['--config', 'slow.yaml']);
      await d.waitFor((l) => l.msg === 'resource started' && l.source === 'Slow');
      // While the run writes, the file is busy: another command waits a little, then says so (exit 4).
      const busy = await f.cli(['history', '--config', 'slow.yaml'], { ACSYNC_DUCKDB_LOCK_WAIT_MS: '300' });
      expect(busy.code).toBe(4);
      expect(busy.stderr).toMatch(
        /DuckDB file .*warehouse\.duckdb is busy: another process (\(PID \d+\) )?has it open/,
      );
      const code = await d.stop();
      expect(code).toBe(0);
      expect(d.logs().some((l) => String(l.msg).startsWith('stopping'))).toBe(true);
      // The run was closed in the history: nothing is left "running".
      const h = await f.cli(['history', '--json', '--config', 'slow.yaml']);
      const runs = lastJson<{ status: string; resources: { status: string }[] }[]>(h.stdout);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.resources.some((r) => r.status === 'running')).toBe(false);
      expect(runs[0]!.status).not.toBe('running');
    } finally {
      await slow.close();
    }
  }, 240_000);
});
