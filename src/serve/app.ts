// The dashboard's HTTP app (hono): pages rendered on the server, a small JSON API for the page's script,
// Server-Sent Events for live progress, and the static assets (ours and uPlot's, from node_modules: no CDN).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RunHistory } from '../cli/commands/history.ts';
import { displayPath } from '../config/load.ts';
import { describeError, exitCodeFor } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact, redactDeep } from '../core/secrets.ts';
import { resolveResources } from '../extract/catalog.ts';
import { previewPrefix, previewSchedule, saveSource, testConnection, testDestination } from './actions.ts';
import {
  findSource,
  keyInfo,
  loadForRun,
  rawSource,
  readConfigState,
  readHistory,
  suggestedKeyVariable,
} from './config-store.ts';
import { html, type SafeHtml } from './html.ts';
import type { LiveRun } from './progress-state.ts';
import { RunConflictError, type RunManager } from './runs.ts';
import { authGuard, csrfGuard, type Guard, hostGuard, issueCsrfCookie, signIn } from './security.ts';
import { type FleetView, fleetPage } from './views/fleet.ts';
import { layout, type PageContext } from './views/layout.ts';
import { loginPage } from './views/login.ts';
import { sourceFormPage } from './views/source-form.ts';
import { historySection, sourcePage } from './views/source-page.ts';
import { type SourceRow, sourcesPage } from './views/sources.ts';

export interface AppOptions {
  configFile: string;
  guard: Guard;
  runs: RunManager;
  logger: Logger;
}

/** Runs shown on a source's page and in the list's sparklines. */
const HISTORY_RUNS = 20;

const resolveModule = createRequire(import.meta.url);

/**
 * Our assets live in src/serve/assets of the package, whether this code runs from src/ or bundled in dist/
 * (where import.meta.url is a chunk's): look upwards from here for the package's copy.
 */
function ownAssets(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'src/serve/assets');
    if (existsSync(join(candidate, 'app.js'))) return candidate;
    if (dirname(dir) === dir)
      throw new Error('the dashboard assets (src/serve/assets) are missing from the package');
  }
}

/** Every asset the pages use, read once: ours, and uPlot's from its package in node_modules. */
function loadAssets(): Map<string, { body: string; type: string }> {
  const own = ownAssets();
  const uplot = dirname(resolveModule.resolve('uplot/dist/uPlot.iife.min.js'));
  const files: [string, string, string][] = [
    ['app.js', join(own, 'app.js'), 'text/javascript'],
    ['app.css', join(own, 'app.css'), 'text/css'],
    ['icon.svg', join(own, 'icon.svg'), 'image/svg+xml'],
    ['uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js'), 'text/javascript'],
    ['uPlot.min.css', join(uplot, 'uPlot.min.css'), 'text/css'],
  ];
  return new Map(files.map(([name, path, type]) => [name, { body: readFileSync(path, 'utf8'), type }]));
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function createApp(o: AppOptions): Hono {
  const app = new Hono();
  const assets = loadAssets();
  const ctx = (): PageContext => ({ csrfToken: o.guard.csrfToken, configFile: displayPath(o.configFile) });

  app.onError((err, c) => {
    o.logger.error({ path: c.req.path, err: describeError(err) }, 'request failed');
    return c.json({ error: describeError(err) }, 500);
  });

  // Headers for every answer; and a last redaction pass over every page and JSON body, so a secret that
  // slipped into a message can never reach the browser.
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    if (!c.req.path.startsWith('/assets/')) c.header('Cache-Control', 'no-store');
    const type = c.res.headers.get('content-type') ?? '';
    if (!/^(text\/html|application\/json)/.test(type)) return;
    const body = await c.res.clone().text();
    const clean = redact(body);
    if (clean !== body) {
      const headers = new Headers(c.res.headers);
      headers.delete('content-length');
      c.res = new Response(clean, { status: c.res.status, headers });
    }
  });
  app.use('*', hostGuard(o.guard));
  app.use('*', authGuard(o.guard));
  app.use('*', bodyLimit({ maxSize: 256 * 1024 }));
  app.use('*', csrfGuard(o.guard));

  /** The fleet's status when the config has a fleet: section (a reader's connection, closed at once). */
  const fleetView = async (): Promise<FleetView> => {
    const config = readConfigState(o.configFile).config;
    if (!config?.fleet) return { kind: 'off' };
    try {
      const { withFleet } = await import('../cli/commands/fleet.ts');
      const { fleetStatus } = await import('../fleet/status.ts');
      return { kind: 'status', status: await withFleet(config, 'reader', o.logger, fleetStatus) };
    } catch (e) {
      return { kind: 'error', message: describeError(e) };
    }
  };

  const page = (c: Context, title: string, id: string, body: SafeHtml, nav?: 'sources' | 'new' | 'fleet') => {
    issueCsrfCookie(o.guard, c);
    return c.html(layout(ctx(), { title, id, body, nav }).text);
  };

  // ── assets ──
  app.get('/assets/:file', (c) => {
    const a = assets.get(c.req.param('file'));
    if (!a) return c.notFound();
    c.header('Content-Type', `${a.type}; charset=utf-8`);
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(a.body);
  });

  // ── sign-in (only when a token is required) ──
  app.get('/login', (c) =>
    o.guard.token ? page(c, 'Sign in', 'login', loginPage(false)) : c.redirect('/', 303),
  );
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    if (signIn(o.guard, c, String(form.token ?? ''))) return c.redirect('/', 303);
    c.status(401);
    return page(c, 'Sign in', 'login', loginPage(true));
  });

  // ── pages ──
  app.get('/', async (c) => {
    const state = readConfigState(o.configFile);
    const rows: SourceRow[] = [];
    for (const source of state.config?.sources ?? []) {
      const { runs, error } = await history(state, source.name, 10);
      rows.push({ source, runs, historyError: error, live: o.runs.get(source.name) });
    }
    return page(c, 'Sources', 'sources', sourcesPage(state, rows), 'sources');
  });

  app.get('/fleet', async (c) => page(c, 'Fleet', 'fleet', fleetPage(await fleetView()), 'fleet'));
  app.get('/api/fleet', async (c) => {
    const view = await fleetView();
    return c.json(view.kind === 'status' ? redactDeep(view.status) : view, view.kind === 'error' ? 503 : 200);
  });

  app.get('/sources/new', (c) => {
    const state = readConfigState(o.configFile);
    return page(
      c,
      'Add a source',
      'source-form',
      sourceFormPage(state, {
        originalName: null,
        raw: {},
        key: null,
        suggestedVariable: suggestedKeyVariable('ActiveCampaign'),
      }),
      'new',
    );
  });

  app.get('/sources/:name/edit', (c) => {
    const state = readConfigState(o.configFile);
    const raw = rawSource(state, c.req.param('name'));
    if (!raw) return notFound(c, c.req.param('name'));
    const name = String(raw.name);
    return page(
      c,
      `Edit ${name}`,
      'source-form',
      sourceFormPage(state, {
        originalName: name,
        raw,
        key: keyInfo(state, raw),
        suggestedVariable: suggestedKeyVariable(name),
      }),
    );
  });

  app.get('/sources/:name', async (c) => {
    const state = readConfigState(o.configFile);
    const source = findSource(state, c.req.param('name'));
    if (!source) return notFound(c, c.req.param('name'));
    const { runs, error } = await history(state, source.name, HISTORY_RUNS);
    const notice =
      c.req.query('saved') !== undefined
        ? `Saved to ${displayPath(state.file)}; acsync check and acsync sync read it as it is now.`
        : undefined;
    return page(
      c,
      source.name,
      'source',
      sourcePage(state, source, runs, error, o.runs.get(source.name), notice),
    );
  });

  app.get('/sources/:name/history', async (c) => {
    const state = readConfigState(o.configFile);
    const source = findSource(state, c.req.param('name'));
    if (!source) return c.text('no such source', 404);
    const { runs, error } = await history(state, source.name, HISTORY_RUNS);
    return c.html(historySection(runs, error).text);
  });

  /** Live progress: the run's state now, then each time it changes (at most every 200 ms). */
  app.get('/sources/:name/events', (c) => {
    const name = c.req.param('name');
    return streamSSE(c, async (stream) => {
      const queue: (LiveRun | null)[] = [o.runs.get(name)];
      let wake: (() => void) | null = null;
      const stop = o.runs.watch(name, (run) => {
        queue.push(run);
        wake?.();
      });
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      try {
        while (!stream.aborted) {
          while (queue.length > 0) {
            const run = queue.splice(0, queue.length).pop()!; // only the newest state matters
            await stream.writeSSE({ event: 'run', data: redact(JSON.stringify(run)) });
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 15_000); // a comment line now and then keeps proxies from closing it
          });
          wake = null;
          if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        stop();
      }
    });
  });

  // ── JSON API for the page's script (all POSTs pass the CSRF guard) ──
  app.get('/api/preview/prefix', (c) =>
    c.json(previewPrefix(c.req.query('prefix') ?? '', c.req.query('type') ?? 'duckdb')),
  );
  app.get('/api/preview/schedule', (c) => c.json(previewSchedule(c.req.query())));

  app.post('/api/test-connection', async (c) =>
    c.json(await testConnection(o.configFile, await c.req.json())),
  );
  app.post('/api/test-destination', async (c) =>
    c.json(await testDestination(o.configFile, await c.req.json())),
  );
  app.post('/api/sources', async (c) => {
    const result = saveSource(o.configFile, await c.req.json());
    if (result.ok) o.logger.info({ source: result.name }, 'source saved');
    return c.json(result, result.ok ? 200 : 422);
  });

  app.post('/api/sources/:name/sync', (c) => {
    let config: ReturnType<typeof loadForRun>;
    try {
      config = loadForRun(o.configFile);
    } catch (e) {
      return c.json({ error: describeError(e) }, 422);
    }
    try {
      const run = o.runs.start(config, c.req.param('name'));
      return c.json({ ok: true, run }, 202);
    } catch (e) {
      if (e instanceof RunConflictError) return c.json({ error: e.message }, 409);
      return c.json({ error: describeError(e) }, exitCodeFor(e) === 2 ? 404 : 500);
    }
  });

  app.post('/api/sources/:name/stop', (c) =>
    o.runs.stop(c.req.param('name'))
      ? c.json({ ok: true })
      : c.json({ error: 'no sync of this source is running' }, 409),
  );

  app.post('/api/sources/:name/reset', async (c) => {
    const body = z
      .object({ resources: z.array(z.string().max(100)).max(500).optional() })
      .parse(await c.req.json());
    const name = c.req.param('name');
    if (o.runs.isRunning(name))
      return c.json({ error: 'stop the running sync before resetting cursors' }, 409);
    const state = readConfigState(o.configFile);
    const source = findSource(state, name);
    if (!source || !state.config) return c.json({ error: state.error ?? `no source named "${name}"` }, 404);
    try {
      const resources = body.resources?.length ? resolveResources(body.resources) : undefined;
      const { withWarehouse } = await import('../cli/context.ts');
      await withWarehouse(state.config, source, (t) => t.resetState(resources));
      o.logger.info({ source: source.name, resources: resources ?? 'all' }, 'cursors reset');
      return c.json({
        ok: true,
        message: resources
          ? `Forgot the cursors of ${resources.join(', ')}; the next sync reads them in full.`
          : 'Forgot every cursor; the next sync reads everything.',
      });
    } catch (e) {
      return c.json({ error: describeError(e) }, exitCodeFor(e) === 2 ? 422 : 500);
    }
  });

  app.notFound((c) => c.text('Not found\n', 404));

  async function history(
    state: ReturnType<typeof readConfigState>,
    name: string,
    n: number,
  ): Promise<{ runs: RunHistory[]; error: string | null }> {
    const source = findSource(state, name);
    if (!source || !state.config) return { runs: [], error: null };
    try {
      return { runs: await readHistory(state.config, source, n), error: null };
    } catch (e) {
      return { runs: [], error: describeError(e) };
    }
  }

  function notFound(c: Context, name: string) {
    c.status(404);
    return page(c, 'Not found', 'not-found', layoutNotFound(name));
  }

  return app;
}

function layoutNotFound(name: string): SafeHtml {
  return html`<h1>No source named “${name}”</h1><p><a href="/">Back to the sources</a></p>`;
}
