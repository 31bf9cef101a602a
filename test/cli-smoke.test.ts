import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, PROJECT_ROOT, runCli } from './support/env.ts';

describe('acsync binary', () => {
  it('prints help and exits 0', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: acsync');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const res = await runCli(['no-such-command']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown command|too many arguments/i);
  });

  it('ends quietly when the reader closes the pipe early (acsync init --help | head)', async () => {
    // The reader end of stdout is closed before acsync writes: every write then fails with EPIPE.
    const child = spawn(process.execPath, [BIN, 'init', '--help'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js/);
    expect(code).toBe(0);
  });
});
