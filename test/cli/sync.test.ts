import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { BIN, dropSchema, POSTGRES_URL, postgresAvailable, uniqueSchema } from '../support/env.ts';
import { type CliFixture, cliFixture, lastJson, logLines } from './fixture.ts';

interface Summary {
  runId: string;
  status: string;
  events: number;
  durationMs: number;
  resources: { name: string; table: string; events: number; rowsWritten: number; status: string }[];
}

let f: CliFixture;
beforeAll(async () => {
  f = await cliFixture('sync', 150);
});
afterAll(() => f.close());

describe('acsync sync (DuckDB)', () => {
  it('--json: one summary object as the last stdout line, JSON logs on stderr; then incremental', async () => {
    f.config([{ resources: '[contacts, tags, contact_tags]' }]);
    const first = await f.cli(['sync', '--json']);
    expect(first.code).toBe(0);
    const s = lastJson<Summary>(first.stdout);
    expect(s.status).toBe('success');
    expect(s.runId).toMatch(/\S+/);
    expect(s.durationMs).toBeGreaterThan(0);
    expect(s.resources.map((r) => [r.name, r.table, r.status])).toEqual([
      ['contacts', 'ac_rudder_contacts', 'success'],
      ['tags', 'ac_rudder_tags', 'success'],
      ['contact_tags', 'ac_rudder_contact_tags', 'success'],
    ]);
    const contacts = s.resources.find((r) => r.name === 'contacts')!;
    expect(contacts.rowsWritten).toBe(150);
    expect(s.events).toBe(s.resources.reduce((n, r) => n + r.events, 0));
    // Off a terminal, stderr is JSON lines only.
    const logs = logLines(first.stderr);
    expect(first.stderr.trim().split('\n').length).toBe(logs.length);
    expect(logs.some((l) => l.msg === 'resource started' && l.resource === 'contacts')).toBe(true);
    expect(logs.every((l) => typeof l.level === 'number' && typeof l.time === 'string')).toBe(true);

    // The rows are really there.
    const q = await f.cli([
      'query',
      '--json',
      'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ac_rudder_contacts',
    ]);
    expect(q.code).toBe(0);
    expect(lastJson<{ n: string | number; ids: string | number }[]>(q.stdout)[0]).toMatchObject({});
    expect(Number(lastJson<{ n: number }[]>(q.stdout)[0]!.n)).toBe(150);

    // Nothing changed: the second run writes (almost) nothing for contacts.
    const second = await f.cli(['sync', '--json', '--resources', 'contacts']);
    expect(second.code).toBe(0);
    const s2 = lastJson<Summary>(second.stdout);
    expect(s2.resources.map((r) => r.name)).toEqual(['contacts']);
    expect(s2.resources[0]!.rowsWritten).toBeLessThan(150);
    // --full-refresh reads everything again.
    const full = await f.cli(['sync', '--json', '--resources', 'contacts', '--full-refresh']);
    expect(lastJson<Summary>(full.stdout).resources[0]!.rowsWritten).toBe(150);
  }, 240_000);

  it('prints a summary table without --json', async () => {
    f.config([{ resources: '[tags]' }], { file: 'table.yaml' });
    const res = await f.cli(['sync', '--config', 'table.yaml']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Test Source: ok — [\d,]+ events in .* \(run \S+\)$/m);
    expect(res.stdout).toMatch(/^tags\s+ac_rudder_tags\s+\d+\s+\d+\s+ok\s+\d+\s+\d+$/m);
  });

  // `script` (util-linux) runs acsync on a terminal, where it draws progress instead of logging.
  const haveScript = spawnSync('script', ['--version']).status === 0;
  if (!haveScript) console.warn('skipping the terminal progress test: the `script` command is absent');
  it.runIf(haveScript)(
    'on a terminal: live progress on stderr, no info logs, then the summary table',
    async () => {
      f.config([{ resources: '[contacts, tags]' }], { file: 'tty.yaml' });
      const child = spawn(
        'script',
        ['-qfec', `${process.execPath} ${BIN} sync --config tty.yaml`, '/dev/null'],
        {
          cwd: f.dir,
          env: { ...process.env, AC_API_KEY: f.emulator.apiKey, CI: undefined, ACSYNC_LOG_LEVEL: undefined },
        },
      );
      let screen = '';
      child.stdout.on('data', (d) => {
        screen += d;
      });
      child.stdin.end();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, screen).toBe(0);
      expect(screen).toMatch(/resources: \d+ done of \d+ started · [\d,]+ records/);
      expect(screen).toMatch(/contacts\s+[\d,]+ records · \d+ pages/);
      expect(screen).not.toMatch(/"level":30/);
      expect(screen).toMatch(/Test Source: ok — [\d,]+ events/);
    },
    240_000,
  );

  it('Ctrl-C stops gracefully: batches in flight commit, the run is recorded, not left running (exit 1)', async () => {
    const slow = await startEmulator({ port: 0, contacts: 400, rateLimit: 0, seed: 5, latency: [200, 300] });
    try {
      f.config([{ url: slow.url, resources: 'all' }], { file: 'sigint.yaml' });
      const child = spawn(process.execPath, [BIN, 'sync', '--config', 'sigint.yaml', '--json'], {
        cwd: f.dir,
        env: { ...process.env, AC_API_KEY: slow.apiKey, ACSYNC_LOG_LEVEL: 'info' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/"resource started"/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr.slice(-1500)).toBe(1);
      expect(stderr).toMatch(/stopping: finishing the current batches and saving state/);
      const s = lastJson<Summary>(stdout);
      expect(['partial', 'failed']).toContain(s.status); // failed when no resource had finished yet
      const h = await f.cli(['history', '--config', 'sigint.yaml', '--json']);
      const runs = lastJson<{ runId: string; resources: { status: string }[] }[]>(h.stdout);
      expect(runs[0]!.runId).toBe(s.runId);
      expect(runs[0]!.resources.some((r) => r.status === 'running')).toBe(false);
    } finally {
      await slow.close();
    }
  }, 240_000);

  it('an unknown resource on the command line: exit 2 before anything runs', async () => {
    f.config([{}], { file: 'unknown.yaml' });
    const res = await f.cli(['sync', '--config', 'unknown.yaml', '--resources', 'contacts,contcts']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown resource "contcts"/);
  });

  it('a wrong API key: exit 3, the key is named as rejected and appears nowhere', async () => {
    const key = 'totally-wrong-key-8c21d0';
    f.config([{ resources: '[contacts]' }], { file: 'wrong.yaml' });
    const res = await f.cli(['sync', '--config', 'wrong.yaml', '--json'], { AC_API_KEY: key });
    expect(res.code).toBe(3);
    expect(res.stdout + res.stderr).toMatch(/API key was rejected/);
    expect(res.stdout + res.stderr).not.toContain(key);
    // Not in the history either.
    const h = await f.cli(['history', '--config', 'wrong.yaml', '--json']);
    expect(h.stdout).not.toContain(key);
  });

  it('an unreachable PostgreSQL: exit 4', async () => {
    f.config([{}], {
      file: 'pgdown.yaml',
      destinations: '  warehouse:\n    type: postgres\n    url: postgres://postgres@127.0.0.1:1/test',
    });
    const res = await f.cli(['sync', '--config', 'pgdown.yaml', '--json']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|could not/i);
    // --json still ends with a summary line saying why nothing ran.
    expect(lastJson(res.stdout)).toMatchObject({ runId: null, status: 'failed', exitCode: 4, resources: [] });
  });

  it('with several sources and no --source, runs them all in turn; --source picks one', async () => {
    f.config(
      [
        { name: 'First', tablePrefix: 'one_', resources: '[tags]' },
        { name: 'Second', tablePrefix: 'two_', resources: '[tags]' },
      ],
      { file: 'two.yaml' },
    );
    const both = await f.cli(['sync', '--config', 'two.yaml', '--json']);
    expect(both.code).toBe(0);
    const lines = both.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Summary & { source: string });
    expect(lines.map((l) => [l.source, l.resources[0]!.table])).toEqual([
      ['First', 'one_rudder_tags'],
      ['Second', 'two_rudder_tags'],
    ]);
    const one = await f.cli(['sync', '--config', 'two.yaml', '--json', '--source', 'second']);
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(lastJson<{ source: string }>(one.stdout).source).toBe('Second');
  }, 240_000);
});

describe.runIf(await postgresAvailable('acsync sync into PostgreSQL'))('acsync sync (PostgreSQL)', () => {
  const schema = uniqueSchema('cli_sync');
  afterAll(() => dropSchema(schema));

  it('syncs into the configured schema and records the run in history', async () => {
    f.config([{ resources: '[contacts, tags]' }], {
      file: 'pg.yaml',
      destinations: `  warehouse:\n    type: postgres\n    url: ${POSTGRES_URL}\n    schema: ${schema}`,
    });
    const res = await f.cli(['sync', '--config', 'pg.yaml', '--json']);
    expect(res.code).toBe(0);
    const s = lastJson<Summary>(res.stdout);
    expect(s.status).toBe('success');
    const q = await f.cli([
      'query',
      '--config',
      'pg.yaml',
      '--json',
      'SELECT count(*)::int AS n FROM ac_rudder_contacts',
    ]);
    expect(lastJson<{ n: number }[]>(q.stdout)[0]!.n).toBe(150);
    const h = await f.cli(['history', '--config', 'pg.yaml', '--json']);
    const runs = lastJson<{ runId: string; status: string; resources: { name: string }[] }[]>(h.stdout);
    expect(runs[0]!.runId).toBe(s.runId);
    expect(runs[0]!.resources.map((r) => r.name)).toEqual(['contacts', 'tags']);
  }, 240_000);
});
