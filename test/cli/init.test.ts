import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { BIN, runCli, tempDir } from '../support/env.ts';

const dir = tempDir('init');
afterAll(() => dir.cleanup());
const cli = (args: string[]) => runCli(args, { cwd: dir.path });

describe('acsync init', () => {
  it('writes a commented config from flags that loads as written, and refuses to overwrite it without --force', async () => {
    const res = await cli([
      'init',
      '--url',
      'https://mycompany.api-us1.com/api/3',
      '--prefix',
      'crm_',
      '--config',
      'a.yaml',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Wrote a\.yaml/);
    expect(res.stdout).toMatch(/export AC_API_KEY=/);
    const file = join(dir.path, 'a.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/apiKey: "\$\{AC_API_KEY\}"/);
    expect(text).toMatch(/^# /m); // commented
    const cfg = loadConfig(file, { env: { AC_API_KEY: 'key-for-init-test' } });
    expect(cfg.warnings).toEqual([]);
    expect(cfg.sources[0]).toMatchObject({
      name: 'ActiveCampaign',
      accountName: 'mycompany',
      url: 'https://mycompany.api-us1.com/api/3',
      tablePrefix: 'crm_',
      schedule: { type: 'manual' },
      resources: 'all',
      requestsPerSecond: 4,
    });
    expect(cfg.destinations.warehouse).toEqual({
      type: 'duckdb',
      name: 'warehouse',
      path: join(dir.path, 'warehouse.duckdb'),
    });

    const again = await cli(['init', '--url', 'https://other.api-us1.com', '--config', 'a.yaml']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a\.yaml already exists; pass --force to overwrite it/);
    expect(readFileSync(file, 'utf8')).toBe(text);
    const forced = await cli(['init', '--url', 'https://other.api-us1.com', '--config', 'a.yaml', '--force']);
    expect(forced.code).toBe(0);
    expect(loadConfig(file, { env: { AC_API_KEY: 'k1234' } }).sources[0]!.accountName).toBe('other');
  });

  it('writes a PostgreSQL destination with --destination postgres', async () => {
    const res = await cli([
      'init',
      '--account',
      'acme',
      '--api-key-env',
      'ACME_KEY',
      '--destination',
      'postgres',
      '--postgres-url',
      'postgres://me@db.internal:5432/analytics',
      '--config',
      'pg.yaml',
    ]);
    expect(res.code).toBe(0);
    const cfg = loadConfig(join(dir.path, 'pg.yaml'), { env: { ACME_KEY: 'k-acme-1' } });
    expect(cfg.sources[0]).toMatchObject({
      accountName: 'acme',
      url: 'https://acme.api-us1.com',
      apiKey: 'k-acme-1',
    });
    expect(cfg.destinations.warehouse).toEqual({
      type: 'postgres',
      name: 'warehouse',
      url: 'postgres://me@db.internal:5432/analytics',
    });
  });

  it('refuses bad answers with exit 2, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [[], /give the API URL \(--url .*\) or the account name/],
      [
        ['--url', 'https://x.api-us1.com', '--prefix', 'a b'],
        /--prefix: table prefix "a b" may hold only letters/,
      ],
      [['--url', 'http://x.api-us1.com'], /must use https/],
      [
        ['--url', 'https://x.api-us1.com', '--destination', 'mysql'],
        /--destination: expected duckdb or postgres/,
      ],
      [['--url', 'https://x.api-us1.com', '--destination', 'postgres'], /needs --postgres-url/],
    ];
    for (const [args, message] of cases) {
      const res = await cli(['init', '--config', 'never.yaml', ...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    expect(() => readFileSync(join(dir.path, 'never.yaml'))).toThrow();
  });

  // `script` (util-linux) gives the process a terminal, so init asks its questions.
  const haveScript = spawnSync('script', ['--version']).status === 0;
  if (!haveScript) console.warn('skipping the interactive init test: the `script` command is absent');
  it.runIf(haveScript)('on a terminal, asks for each value, offering defaults', async () => {
    const answers = ['https://acme.api-us1.com', '', 'ACME_KEY', 'acme_', '', ''];
    const child = spawn(
      'script',
      ['-qfec', `${process.execPath} ${BIN} init --config tty.yaml`, '/dev/null'],
      {
        cwd: dir.path,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let screen = '';
    let pending = '';
    child.stdout.on('data', (d) => {
      screen += d;
      pending += d;
      // Each question ends with ": "; answer it once it has been asked.
      if (pending.includes(': ') && answers.length > 0) {
        pending = '';
        child.stdin.write(`${answers.shift()}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Account name \(Settings > Account\) \[acme\]: /);
    expect(screen).toMatch(/Wrote tty\.yaml/);
    const cfg = loadConfig(join(dir.path, 'tty.yaml'), { env: { ACME_KEY: 'k-acme-2' } });
    expect(cfg.sources[0]).toMatchObject({ accountName: 'acme', apiKey: 'k-acme-2', tablePrefix: 'acme_' });
    expect(cfg.destinations.warehouse).toMatchObject({
      type: 'duckdb',
      path: join(dir.path, 'warehouse.duckdb'),
    });
  });
});
