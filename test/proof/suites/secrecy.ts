// Secrecy suite: with a recognisable API key, run every command, every failure the other suites provoke and
// the --json outputs; the key's value must appear nowhere — stdout, stderr (the log), error messages, or
// the warehouse (every text column of every table, state, history and discards, and the DuckDB file's bytes).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { startClickHouse } from '../../support/clickhouse.ts';
import { dropSchema, POSTGRES_URL, postgresAvailable, tempDir, uniqueSchema } from '../../support/env.ts';
import {
  acsync,
  allText,
  CLIENT_TIMEOUT_MS,
  clickhouseDest,
  type Dest,
  destYaml,
  duckdbDest,
  type Finished,
  FULL,
  localLakeDest,
  postgresDest,
  SUITE_TIMEOUT_MS,
  SYNC_ENV,
  start,
  writeConfig,
} from '../harness.ts';

export const KEY = 'SECRET-KEY-c0ffee-1234567890';
/** Pieces that would betray a partly masked key. */
const FRAGMENTS = [KEY, 'c0ffee-1234567890', encodeURIComponent(KEY), Buffer.from(KEY).toString('base64')];

function leaks(text: string): string[] {
  return FRAGMENTS.filter((f) => text.includes(f));
}

/**
 * Starts a long-running command, waits until its output matches `ready`, stops it with SIGTERM. Fails if
 * `ready` never came (the command would not have done what the suite means to scan).
 */
async function runUntil(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<Finished> {
  const run = start(args, { ...SYNC_ENV, ...env });
  let seen = '';
  const came = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), FULL ? 600_000 : 120_000);
    const look = (d: Buffer) => {
      seen += d;
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    run.child.stdout?.on('data', look);
    run.child.stderr?.on('data', look);
    run.done.then(() => resolve(ready.test(seen)));
  });
  run.child.kill('SIGTERM');
  const done = await run.done;
  expect(came, `acsync ${args[0]} never printed ${ready}: ${seen.slice(-1500)}`).toBe(true);
  return done;
}

export async function secrecySuite(): Promise<void> {
  const havePostgres = await postgresAvailable('secrecy suite on PostgreSQL');
  const clickhouse = await startClickHouse('secrecy suite on ClickHouse');
  describe('secrecy: the API key never leaves the process', () => {
    let em: RunningEmulator;
    let wrongKeyEm: RunningEmulator;
    const tmp = tempDir('secrecy');
    const schema = uniqueSchema('secrecy');
    const outputs: Array<{ what: string; text: string }> = [];
    const dests: Dest[] = [];
    const configs: string[] = [];

    const record = (what: string, r: Finished) => {
      outputs.push({ what, text: `${r.stdout}\n${r.stderr}` });
      return r;
    };

    beforeAll(async () => {
      em = await startEmulator({ contacts: FULL ? 2000 : 200, rateLimit: 0, seed: 4, apiKey: KEY });
      wrongKeyEm = await startEmulator({
        contacts: 10,
        rateLimit: 0,
        seed: 4,
        apiKey: 'another-key-entirely',
      });
      dests.push(duckdbDest(tmp.path, 'secrecy'));
      if (havePostgres) dests.push(postgresDest(schema));
      if (clickhouse) dests.push(clickhouseDest(clickhouse.url, 'secrecy'));
      dests.push(localLakeDest(tmp.path, 'secrecy'));
      for (const [i, d] of dests.entries()) {
        // The key through ${VAR} for one destination, written literally for the other.
        const file = writeConfig(join(tmp.path, `secrecy-${i}.yaml`), d, {
          url: em.url,
          apiKey: i === 0 ? `$${'{'}ACSYNC_PROOF_KEY}` : KEY,
          resources: ['contacts', 'tags', 'deals', 'lists', 'notes'],
        });
        configs.push(file);
      }
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await em?.close();
      await wrongKeyEm?.close();
      await clickhouse?.stop();
      if (havePostgres) await dropSchema(schema);
      tmp.cleanup();
    });

    const env = { ...SYNC_ENV, ACSYNC_PROOF_KEY: KEY, AC_API_KEY: KEY };

    it(
      'every command, on every destination, succeeds without printing the key',
      async () => {
        for (const config of configs) {
          const c = ['--config', config];
          const ok = async (what: string, args: string[]) => {
            const r = record(what, await acsync(args, env));
            expect(r.code, `${what}: ${r.stderr.slice(-1500)}`).toBe(0);
            return r;
          };
          await ok('check', ['check', ...c]);
          await ok('sync', ['sync', ...c]);
          await ok('sync --json', ['sync', ...c, '--json']);
          await ok('history --json', ['history', ...c, '--json']);
          await ok('query --json', ['query', ...c, '--json', 'SELECT * FROM ac_rudder_tags']);
          if (config !== configs[0]) continue; // the rest runs the same code paths on every destination
          await ok('sync --full-refresh --json', ['sync', ...c, '--full-refresh', '--json']);
          await ok('sync --resources', ['sync', ...c, '--resources', 'contacts,tags', '--json']);
          await ok('history', ['history', ...c]);
          await ok('history --json', ['history', ...c, '--json']);
          await ok('query', ['query', ...c, 'SELECT COUNT(*) AS n FROM ac_rudder_contacts']);
          await ok('query --json', ['query', ...c, '--json', 'SELECT * FROM ac_rudder_tags']);
          await ok('reset', ['reset', ...c, '--source', 'Proof Source', '--resources', 'tags']);
          await ok('resources', ['resources']);
          await ok('resources --json', ['resources', '--json']);
          await ok('--help', ['--help']);
          await ok('sync --help', ['sync', '--help']);
        }
        await ok2('init', [
          'init',
          '--no-interactive',
          '--url',
          em.url,
          '--account',
          'emulator',
          '--path',
          join(tmp.path, 'init.duckdb'),
          '--config',
          join(tmp.path, 'init.yaml'),
          '--force',
        ]);
        // The scheduler: one catch-up run, then SIGTERM. Its own DuckDB file has never been synced, so the
        // run is due at once (scanned with the other warehouses below).
        const daemonConfig = join(tmp.path, 'daemon.yaml');
        const [first, daemonDest] = [dests[0]!, duckdbDest(tmp.path, 'daemon')];
        if (first.type !== 'duckdb' || daemonDest.type !== 'duckdb') throw new Error('the first is DuckDB');
        writeFileSync(
          daemonConfig,
          readFileSync(configs[0]!, 'utf8')
            .replace(JSON.stringify(first.path), JSON.stringify(daemonDest.path))
            .replace(
              'requestsPerSecond: 0',
              'requestsPerSecond: 0\n    schedule: { type: basic, every: 1h }',
            ),
        );
        dests.push(daemonDest);
        record('run', await runUntil(['run', '--config', daemonConfig], /sync finished/, env));
        record(
          'emulator',
          await runUntil(['emulator', '--port', '0', '--api-key', KEY, '--contacts', '10'], /listening on/),
        );
        async function ok2(what: string, args: string[]) {
          const r = record(what, await acsync(args, env));
          expect(r.code, `${what}: ${r.stderr.slice(-1500)}`).toBe(0);
        }
      },
      SUITE_TIMEOUT_MS,
    );

    it(
      'every failure says what went wrong without the key',
      async () => {
        const config = configs[0]!;
        const failing = async (
          what: string,
          args: string[],
          code: number,
          extraEnv: Record<string, string> = {},
        ) => {
          const r = record(what, await acsync(args, { ...env, ...extraEnv }));
          expect(r.code, `${what}: ${r.stderr.slice(-1500)}`).toBe(code);
          return r;
        };
        // The account refuses the key.
        const wrong = writeConfig(join(tmp.path, 'wrong.yaml'), dests[0]!, {
          url: wrongKeyEm.url,
          apiKey: KEY,
        });
        await failing('check with a refused key', ['check', '--config', wrong], 3);
        await failing('sync with a refused key', ['sync', '--config', wrong, '--json'], 3);
        // Revoked mid-sync.
        em.testModes.setFaults('', 5);
        await failing(
          'sync with the key revoked mid-sync',
          ['sync', '--config', config, '--full-refresh', '--json'],
          3,
        );
        em.testModes.restoreKey();
        em.testModes.setFaults('');
        // Every transient fault at once, and latency beyond the client timeout.
        em.testModes.setFaults(
          `storm429:0.02:1,500:0.03,403:0.03,empty:0.03,truncated:0.03,reset:0.03,slow:${CLIENT_TIMEOUT_MS + 500}:0.02`,
        );
        record(
          'sync under every fault',
          await acsync(['sync', '--config', config, '--full-refresh', '--json'], env),
        );
        em.testModes.setFaults('');
        // Configs that quote the key back in their error messages.
        const bad = (name: string, edit: (yaml: string) => string) => {
          const file = join(tmp.path, `${name}.yaml`);
          writeFileSync(file, edit(readFileSync(wrong, 'utf8')));
          return file;
        };
        await failing(
          'key pasted into the url',
          ['sync', '--config', bad('url', (y) => y.replace(/url: .*/, `url: "${KEY}"`))],
          2,
        );
        await failing(
          'key pasted into the prefix',
          ['sync', '--config', bad('prefix', (y) => y.replace(/tablePrefix: .*/, `tablePrefix: "${KEY}"`))],
          2,
        );
        await failing(
          'key pasted into a resource',
          ['sync', '--config', bad('resource', (y) => y.replace(/resources: .*/, `resources: ["${KEY}"]`))],
          2,
        );
        await failing(
          'key in a private url',
          ['sync', '--config', bad('private', (y) => y.replace(/url: .*/, `url: "https://10.0.0.1/${KEY}"`))],
          2,
        );
        await failing(
          'key in a login-page url',
          ['check', '--config', bad('login', (y) => y.replace(/url: "([^"]+)"/, `url: "$1/${KEY}"`))],
          3,
        );
        // Destination unreachable, with the key as the database password.
        const pgUrl = new URL(POSTGRES_URL);
        pgUrl.password = KEY;
        pgUrl.port = '1';
        const unreachable = join(tmp.path, 'unreachable.yaml');
        writeFileSync(
          unreachable,
          readFileSync(wrong, 'utf8').replace(
            /destinations:[\s\S]*?sources:/,
            ['destinations:', '  warehouse:', ...destYaml(postgresDest('x', pgUrl.href)), 'sources:'].join(
              '\n',
            ),
          ),
        );
        await failing('unreachable destination', ['sync', '--config', unreachable, '--json'], 4);
        await failing('check of an unreachable destination', ['check', '--config', unreachable], 4);
        if (clickhouse) {
          // ClickHouse: the key as the password, refused by the server, and then with nobody listening.
          const replaceDest = (name: string, url: string) => {
            const file = join(tmp.path, `${name}.yaml`);
            const yaml = [
              'destinations:',
              '  warehouse:',
              ...destYaml({ type: 'clickhouse', url, schema: 'x', password: KEY }),
              'sources:',
            ];
            writeFileSync(
              file,
              readFileSync(wrong, 'utf8').replace(/destinations:[\s\S]*?sources:/, yaml.join('\n')),
            );
            return file;
          };
          await failing(
            'ClickHouse refusing the password',
            ['sync', '--config', replaceDest('ch-refused', clickhouse.url), '--json'],
            4,
          );
          await failing(
            'unreachable ClickHouse',
            ['check', '--config', replaceDest('ch-unreachable', 'http://127.0.0.1:1')],
            4,
          );
        }
        await failing('unknown source', ['sync', '--config', config, '--source', KEY], 2);
        await failing('unknown resource flag', ['sync', '--config', config, '--resources', KEY], 2);
      },
      SUITE_TIMEOUT_MS,
    );

    it('no output, log line or error message holds the key', () => {
      expect(outputs.length).toBeGreaterThan(20);
      const leaked = outputs.filter((o) => leaks(o.text).length > 0).map((o) => o.what);
      expect(leaked).toEqual([]);
    });

    it(
      'no table, state, history or discard row holds the key (every text column, every table)',
      async () => {
        for (const d of dests) {
          const text = await allText(d);
          expect([...text.keys()]).toEqual(
            expect.arrayContaining(['_acsync_state', '_acsync_runs', 'ac_rudder_contacts']),
          );
          const leaked = [...text.entries()].filter(([, t]) => leaks(t).length > 0).map(([table]) => table);
          expect(leaked, `${d.type}`).toEqual([]);
          if (d.type === 'duckdb') expect(leaks(readFileSync(d.path).toString('latin1'))).toEqual([]);
        }
      },
      SUITE_TIMEOUT_MS,
    );
  });
}
