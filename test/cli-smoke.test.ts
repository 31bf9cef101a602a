import { describe, expect, it } from 'vitest';
import { runCli } from './support/env.ts';

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
});
