// `acsync emulator` as a real process: prints its one line, serves, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/env.ts';

describe('acsync emulator', () => {
  it('prints the listening line, serves the API, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'emulator', '--port', '0', '--contacts', '500', '--api-key', 'k1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /^ActiveCampaign emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    const res = await fetch(`${url}/api/3/contacts?limit=1`, { headers: { 'Api-Token': 'k1' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { meta: { total: string } };
    expect(body.meta.total).toBe('500');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('rejects bad flags with exit code 2 and names the flag', async () => {
    const res = await runCli(['emulator', '--faults', '500:2']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--faults/);
    const latency = await runCli(['emulator', '--latency', 'fast']);
    expect(latency.code).toBe(2);
    expect(latency.stderr).toMatch(/--latency/);
  });
});
