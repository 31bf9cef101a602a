// `acsync emulator` as a real process: prints its one line, serves, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../support/env.ts';

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
    for (const [flag, value] of [
      ['--plan', 'gold'],
      ['--timezone', 'Mars/Base'],
      ['--child-writes-touch-contact', 'maybe'],
      ['--unsorted-order', 'random'],
      ['--churn-collections', 'nope'],
    ]) {
      const res = await runCli(['emulator', flag, value]);
      expect(res.code, flag).toBe(2);
      expect(res.stderr, flag).toContain(flag);
    }
  });

  it('takes the realism flags and writes the request log as JSON lines', async () => {
    const dir = tempDir('emulator-log');
    const file = join(dir.path, 'requests.jsonl');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'emulator',
        '--port',
        '0',
        '--contacts',
        '50',
        '--rate-limit',
        '0',
        '--plan',
        'lite',
        '--timezone',
        'Asia/Kathmandu',
        '--ideal',
        '--request-log',
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout += d;
          const m = /listening on (http:\/\/[^\s]+)\n/.exec(stdout);
          if (m) resolve(m[1]);
        });
        child.on('exit', () => reject(new Error('exited early')));
      });
      const headers = { 'Api-Token': 'emulator-key' };
      const contacts = (await (await fetch(`${url}/api/3/contacts?limit=3`, { headers })).json()) as {
        contacts: Array<{ id: string; cdate: string }>;
      };
      expect(contacts.contacts.map((c) => c.id)).toEqual(['1', '2', '3']); // --ideal: id order
      expect(contacts.contacts[0].cdate.endsWith('+05:45')).toBe(true);
      expect((await fetch(`${url}/api/3/deals`, { headers })).status).toBe(403); // --plan lite
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.path, l.status, l.tenant])).toEqual([
        ['/api/3/contacts', 200, false],
        ['/api/3/deals', 403, false],
      ]);
    } finally {
      child.kill('SIGKILL');
      dir.cleanup();
    }
  });
});
