// `acsync demo` exactly as a new user runs it (default account size), in a temp dir.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/env.ts';

const dir = tempDir('demo');
afterAll(() => dir.cleanup());

describe('acsync demo', () => {
  it('syncs, changes the account, syncs again, prints both summaries and leaves the files behind', async () => {
    // Generous limits: the demo takes well under a minute alone, but shares two cores with the suite.
    const res = await runCli(['demo', '--dir', 'out'], { cwd: dir.path, timeoutMs: 280_000 });
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const heads = [...res.stdout.matchAll(/^Demo: ok — ([\d,]+) events in .* \(run (\S+)\)$/gm)];
    expect(heads).toHaveLength(2);
    expect(heads[0]![2]).not.toBe(heads[1]![2]);
    expect(res.stdout).toMatch(/with 3,000 contacts/);
    expect(res.stdout).toMatch(/rate limit off: at 5 requests\/second/);
    // First sync: everything; second: only what changed for contacts (the new one and the renamed one).
    const [first, second] = res.stdout.split('3. Second sync');
    expect(first).toMatch(/^contacts\s+ac_rudder_contacts\s+3,000\s+3,000\s+ok\s+\d+\s+0$/m);
    const contacts = /^contacts\s+ac_rudder_contacts\s+([\d,]+)\s+([\d,]+)\s+ok\s+\d+\s+\d+$/m.exec(second!);
    expect(contacts).not.toBeNull();
    const written = Number(contacts![2]!.replace(/,/g, ''));
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThan(3000);
    expect(res.stdout).toMatch(/acsync query --config out\/acsync\.yaml "SELECT/);

    expect(existsSync(join(dir.path, 'out/acsync.yaml'))).toBe(true);
    expect(existsSync(join(dir.path, 'out/warehouse.duckdb'))).toBe(true);
    // The changes made between the syncs are in the warehouse.
    const q = await runCli(
      [
        'query',
        '--config',
        'out/acsync.yaml',
        '--json',
        'SELECT first_name, last_name FROM ac_rudder_contacts WHERE id = 1',
      ],
      { cwd: dir.path },
    );
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout.trim())).toEqual([{ first_name: 'Renamed', last_name: 'ByTheDemo' }]);
    const newOne = await runCli(
      [
        'query',
        '--config',
        'out/acsync.yaml',
        '--json',
        "SELECT count(*) AS n FROM ac_rudder_contacts WHERE first_name = 'Newly'",
      ],
      { cwd: dir.path },
    );
    expect(Number(JSON.parse(newOne.stdout.trim())[0].n)).toBe(1);
  }, 300_000);

  it('never replaces a config it did not write', async () => {
    mkdirSync(join(dir.path, 'mine'));
    writeFileSync(join(dir.path, 'mine/acsync.yaml'), 'sources: []\n');
    const res = await runCli(['demo', '--dir', 'mine'], { cwd: dir.path });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/mine holds an acsync\.yaml the demo did not write; choose another --dir/);
    expect(readFileSync(join(dir.path, 'mine/acsync.yaml'), 'utf8')).toBe('sources: []\n');
  });
});
