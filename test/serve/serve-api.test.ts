// The dashboard's server without a browser: who may talk to it (token off loopback, CSRF, Host), what it
// writes (YAML without the key, secrets file 0600), that no answer ever carries a secret, and Stop.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  runCli,
  tempDir,
  uniqueSchema,
} from '../support/env.ts';
import { type DashboardClient, dashboardClient, sourceForm, spawnServe } from './support.ts';

const KEY = 'dash-secret-key-5f1c0a9e77';
const TOKEN = 'serve-token-9b2e4d71c0';

let emulator: RunningEmulator;
let tmp: ReturnType<typeof tempDir>;
let d: DashboardClient;
const havePostgres = await postgresAvailable('the PostgreSQL destination form');

beforeAll(async () => {
  tmp = tempDir('serve-api');
  emulator = await startEmulator({ port: 0, contacts: 400, rateLimit: 0, apiKey: KEY, latency: [20, 40] });
  d = await dashboardClient(tmp.path);
});
afterAll(async () => {
  await d.dashboard.close();
  await emulator.close();
  tmp.cleanup();
});

describe('acsync serve: binding and the token', () => {
  it('refuses a non-loopback host without a token (exit 2, says how to fix it)', async () => {
    const res = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], {
      cwd: tmp.path,
      env: { ACSYNC_SERVE_TOKEN: undefined },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /--host 0\.0\.0\.0 makes the dashboard reachable from other machines, so it needs a token: pass --token <secret> or set ACSYNC_SERVE_TOKEN/,
    );
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toMatch(/Examples:\n {2}\$ acsync serve/);
  });

  it('off loopback, every page and API call needs the token (sign-in cookie or Bearer)', async () => {
    const serve = await spawnServe(['--host', '0.0.0.0'], {
      cwd: tmp.path,
      env: { ACSYNC_SERVE_TOKEN: TOKEN },
    });
    try {
      expect(serve.output()).toMatch(/dashboard at http:\/\/127\.0\.0\.1:\d+\/login/);
      const page = await fetch(`${serve.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login');
      const api = await fetch(`${serve.url}/api/preview/prefix?prefix=x_`);
      expect(api.status).toBe(401);
      const bearer = await fetch(`${serve.url}/api/preview/prefix?prefix=x_`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(await bearer.json()).toMatchObject({
        problem: null,
        tables: ['x_rudder_contacts', 'x_rudder_deals', 'x_rudder_contact_tags'],
      });

      const login = (token: string) =>
        fetch(`${serve.url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: serve.url },
          body: new URLSearchParams({ token }),
        });
      const wrong = await login('not-the-token-at-all');
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('That token is not the right one.');
      const right = await login(TOKEN);
      expect(right.status).toBe(303);
      const session = right.headers.get('set-cookie')!;
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Strict/i);
      expect(session).not.toContain(TOKEN); // a digest, not the token
      const inside = await fetch(`${serve.url}/`, { headers: { cookie: session.split(';')[0]! } });
      expect(inside.status).toBe(200);
      expect(await inside.text()).toContain('<h1>Sources</h1>');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(serve.output()).not.toContain(TOKEN);
  });
});

describe('acsync serve: CSRF and Host checks on state-changing requests', () => {
  const body = () => sourceForm(emulator.url, { apiKey: KEY });

  it('refuses a POST without the CSRF header, without the cookie, from another origin, or not JSON', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['no header', { 'x-csrf-token': '' }, /missing or wrong CSRF token/],
      ['wrong header', { 'x-csrf-token': 'guess' }, /missing or wrong CSRF token/],
      ['no cookie', { cookie: '' }, /missing or wrong CSRF cookie/],
      [
        'other origin',
        { origin: 'https://evil.example' },
        /came from another site \(https:\/\/evil\.example\)/,
      ],
      [
        'cross-site fetch',
        { 'sec-fetch-site': 'cross-site' },
        /came from another site \(Sec-Fetch-Site: cross-site\)/,
      ],
      ['a form post', { 'content-type': 'application/x-www-form-urlencoded' }, /expected a JSON request/],
    ];
    for (const [what, headers, message] of cases) {
      const res = await d.post('/api/sources', body(), headers);
      expect(res.status, what).toBe(403);
      expect(((await res.json()) as { error: string }).error, what).toMatch(message);
    }
    for (const path of [
      '/api/sources/x/sync',
      '/api/sources/x/stop',
      '/api/sources/x/reset',
      '/api/test-connection',
    ])
      expect((await d.post(path, {}, { 'x-csrf-token': 'guess' })).status, path).toBe(403);
    // Nothing was written by any of them.
    expect(() => statSync(join(tmp.path, 'acsync.yaml'))).toThrow();
  });

  it('answers only to loopback Host names (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${d.url}/`, { headers: { host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('acsync serve: saving a source and secrecy', () => {
  it('saves the YAML without the key, the key in a 0600 secrets file; no answer carries the key', async () => {
    const bodies: string[] = [];
    const keep = async (res: Response) => {
      const text = await res.text();
      bodies.push(text);
      return text;
    };
    const wrong = JSON.parse(
      await keep(
        await d.post('/api/test-connection', { ...sourceForm(emulator.url), apiKey: 'wrong-key-123456' }),
      ),
    );
    expect(wrong).toMatchObject({
      ok: false,
      cause: 'ActiveCampaign refused the key or the account',
      error: 'the API key was rejected (403 on /api/3/users/me)',
    });
    const right = JSON.parse(
      await keep(await d.post('/api/test-connection', { ...sourceForm(emulator.url), apiKey: KEY })),
    );
    expect(right).toMatchObject({ ok: true, user: { username: expect.any(String) } });
    const privateUrl = JSON.parse(
      await keep(await d.post('/api/test-connection', { ...sourceForm('https://10.1.2.3'), apiKey: KEY })),
    );
    expect(privateUrl).toMatchObject({
      ok: false,
      cause: 'The API URL cannot be used',
      error: expect.stringMatching(/private network address/),
    });
    const http = JSON.parse(
      await keep(
        await d.post('/api/test-connection', { ...sourceForm('http://acme.api-us1.com'), apiKey: KEY }),
      ),
    );
    expect(http.error).toMatch(/must use https/);

    const bad = await d.post('/api/sources', sourceForm(emulator.url, { apiKey: KEY, tablePrefix: '9bad' }));
    expect(bad.status).toBe(422);
    const badBody = JSON.parse(await keep(bad));
    expect(badBody.problems).toContainEqual({
      field: 'tablePrefix',
      message: expect.stringMatching(/sources\[0\]\.tablePrefix: .*letter/),
    });

    const saved = await d.post('/api/sources', sourceForm(emulator.url, { apiKey: KEY }));
    expect(JSON.parse(await keep(saved))).toMatchObject({ ok: true, name: 'ActiveCampaign Prod' });
    const yaml = readFileSync(join(tmp.path, 'acsync.yaml'), 'utf8');
    expect(yaml).not.toContain(KEY);
    expect(yaml).toContain(`apiKey: ${'$'.concat('{ACSYNC_PROD_KEY}')}`);
    const secrets = join(tmp.path, 'acsync.secrets.env');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(secrets, 'utf8')).toContain(`ACSYNC_PROD_KEY=${KEY}`);

    // Editing without typing the key keeps it; renaming the variable moves it.
    const edited = await d.post(
      '/api/sources',
      sourceForm(emulator.url, {
        originalName: 'ActiveCampaign Prod',
        keyVariable: 'PROD_KEY_2',
        tablePrefix: 'p_',
        destination: { mode: 'existing', name: 'warehouse' },
      }),
    );
    expect(JSON.parse(await keep(edited))).toMatchObject({ ok: true });
    expect(readFileSync(secrets, 'utf8')).toContain(`PROD_KEY_2=${KEY}`);
    expect(readFileSync(join(tmp.path, 'acsync.yaml'), 'utf8')).toContain('tablePrefix: p_');

    const check = await runCli(['check'], { cwd: tmp.path, env: { AC_API_KEY: undefined } });
    expect(check.stdout).toMatch(/API {8}ok/);
    expect(check.code).toBe(0);

    const pages = [
      '/',
      '/sources/new',
      '/sources/ActiveCampaign%20Prod',
      '/sources/ActiveCampaign%20Prod/edit',
      '/sources/ActiveCampaign%20Prod/history',
      '/api/preview/prefix?prefix=p_',
    ];
    for (const path of pages) {
      const res = await d.get(path);
      expect(res.status, path).toBe(200);
      await keep(res);
    }
    const edit = bodies[bodies.length - 3]!;
    expect(edit).toContain('A key is saved (PROD_KEY_2 in acsync.secrets.env). Leave this empty to keep it.');
    for (const b of bodies) expect(b).not.toContain(KEY);
  });

  it.runIf(havePostgres)(
    'a PostgreSQL password typed in the URL goes to the secrets file; the edit page never shows it',
    async () => {
      const schema = uniqueSchema('serve');
      const password = 'pg-pass-7d1e0c2b';
      const url = POSTGRES_URL.replace('postgres://postgres@', `postgres://postgres:${password}@`);
      try {
        const dest = { mode: 'new', name: 'pg', type: 'postgres', settings: { url, schema } };
        const tested = await (
          await d.post('/api/test-destination', {
            sourceName: 'PG Source',
            tablePrefix: 'ac_',
            destination: dest,
          })
        ).text();
        expect(JSON.parse(tested)).toEqual({ ok: true, schema, table: 'ac_rudder_contacts' });
        const saved = await (
          await d.post(
            '/api/sources',
            sourceForm(emulator.url, {
              name: 'PG Source',
              tablePrefix: 'pg_',
              apiKey: KEY,
              keyVariable: 'PG_SOURCE_KEY',
              destination: dest,
            }),
          )
        ).text();
        expect(JSON.parse(saved), saved).toMatchObject({ ok: true });
        const yaml = readFileSync(join(tmp.path, 'acsync.yaml'), 'utf8');
        expect(yaml).not.toContain(password);
        expect(yaml).toContain(`postgres://postgres:${'$'.concat('{ACSYNC_PG_PASSWORD}')}@`);
        expect(readFileSync(join(tmp.path, 'acsync.secrets.env'), 'utf8')).toContain(
          `ACSYNC_PG_PASSWORD=${password}`,
        );
        const pages = await Promise.all(
          ['/', '/sources/PG%20Source', '/sources/PG%20Source/edit', '/sources/new'].map(async (p) =>
            (await d.get(p)).text(),
          ),
        );
        for (const p of [tested, saved, ...pages]) expect(p).not.toContain(password);
      } finally {
        await dropSchema(schema);
      }
    },
  );
});

describe('acsync serve: data-lake destinations', () => {
  it('creates a local lake from the form: tested, saved as YAML the config accepts, synced by the CLI', async () => {
    const dest = {
      mode: 'new',
      name: 'lake',
      type: 'local-datalake',
      settings: { path: './lake', schema: 'ac' },
    };
    const tested = JSON.parse(
      await (
        await d.post('/api/test-destination', {
          sourceName: 'Lake Source',
          tablePrefix: 'lk_',
          destination: dest,
        })
      ).text(),
    );
    expect(tested).toMatchObject({ ok: true });
    const saved = await (
      await d.post(
        '/api/sources',
        sourceForm(emulator.url, {
          name: 'Lake Source',
          tablePrefix: 'lk_',
          apiKey: KEY,
          keyVariable: 'LAKE_SOURCE_KEY',
          destination: dest,
        }),
      )
    ).text();
    expect(JSON.parse(saved), saved).toMatchObject({ ok: true });
    const yaml = readFileSync(join(tmp.path, 'acsync.yaml'), 'utf8');
    expect(yaml).toMatch(/lake:\n\s+type: local-datalake\n\s+path: \.\/lake\n\s+schema: ac/);
    const sync = await runCli(['sync', '--source', 'Lake Source', '--json'], { cwd: tmp.path });
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout).status).toBe('success');
    const page = await (await d.get('/sources/new')).text();
    expect(page).toContain('local-datalake ./lake');
  });

  it('offers an S3 lake with its bucket, region, endpoint and prefix, and no credential field', async () => {
    const page = await (await d.get('/sources/new')).text();
    expect(page).toContain('<option value="s3-datalake">Data lake on S3 (Parquet)</option>');
    for (const key of ['bucket', 'region', 'endpoint', 'prefix', 'schema'])
      expect(page).toContain(`id="dest-s3-datalake-${key}"`);
    expect(page).not.toMatch(/dest-s3-datalake-(secret|access|key)/i);
    const refused = JSON.parse(
      await (
        await d.post('/api/test-destination', {
          sourceName: 'S3 Source',
          tablePrefix: 's3_',
          destination: {
            mode: 'new',
            name: 's3',
            type: 's3-datalake',
            settings: { bucket: 'b', region: 'r', endpoint: 'ftp://x' },
          },
        })
      ).text(),
    );
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toMatch(/endpoint/);
  });
});

describe('acsync serve: Sync now, live progress and Stop', () => {
  it('streams progress over SSE and stops gracefully; the stopped run is recorded', async () => {
    emulator.testModes.setFaults('slow:1200:1'); // every request is held 1.2 s: the run is still going when Stop comes
    try {
      const res = await fetch(`${d.url}/sources/ActiveCampaign%20Prod/events`, {
        headers: { cookie: d.cookie },
      });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const seen: {
        state: string;
        resources: { name: string; events: number; status: string }[];
        result: { status: string } | null;
      }[] = [];
      const until = async (pred: () => boolean) => {
        while (!pred()) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += decoder.decode(value);
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const chunk = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const data = /^data: (.*)$/m.exec(chunk)?.[1];
            if (data && data !== 'null') seen.push(JSON.parse(data));
          }
        }
      };
      const started = await d.post('/api/sources/ActiveCampaign%20Prod/sync', {});
      expect(started.status).toBe(202);
      expect((await d.post('/api/sources/ActiveCampaign%20Prod/sync', {})).status).toBe(409);
      // Stop as soon as the resources have started: every request takes 1.2 s, so contacts (several pages)
      // cannot have finished.
      await until(() => seen.some((s) => s.resources.length > 0));
      expect(seen.at(-1)!.state).toBe('running');
      const stop = await d.post('/api/sources/ActiveCampaign%20Prod/stop', {});
      expect(stop.status).toBe(200);
      await until(() => seen.at(-1)?.state === 'finished');
      reader.cancel().catch(() => {});
      expect(seen.some((s) => s.state === 'stopping')).toBe(true);
      const end = seen.at(-1)!;
      expect(end.result!.status).toBe('partial');
      expect(end.resources.find((r) => r.name === 'contacts')!.status).toBe('failed');
      const history = await runCli(['history', '--json', '--source', 'ActiveCampaign Prod'], {
        cwd: tmp.path,
        env: { AC_API_KEY: undefined },
      });
      const runs = JSON.parse(history.stdout.trim().split('\n').at(-1)!);
      expect(runs[0].resources.find((r: { name: string }) => r.name === 'contacts').error).toMatch(
        /stopped before completion|not run: the sync was stopped/,
      );
      expect((await d.post('/api/sources/ActiveCampaign%20Prod/stop', {})).status).toBe(409);
    } finally {
      emulator.testModes.setFaults('');
    }
  });
});
