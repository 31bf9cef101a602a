// `npm run bench:emulator`: how fast the emulator serves pages from a 1,000,000-contact account, and
// how much memory that account costs. Server time is read from each response's Server-Timing header:
// from the request's arrival in the server to its body being serialised (routing, generation, filters,
// JSON). Client time is the full round trip over loopback with a keep-alive connection.
// ACSYNC_BENCH_CONTACTS overrides the account size.
import { Agent, request } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { startEmulator } from '../src/emulator/index.ts';
import { emitResult, type Figure } from './report.ts';

const CONTACTS = Number(process.env.ACSYNC_BENCH_CONTACTS ?? 1_000_000);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(
  base: string,
  key: string,
  path: string,
): Promise<{ server: number; client: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/3/${path}`, { headers: { 'Api-Token': key }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
        const timing = /dur=([\d.]+)/.exec(String(res.headers['server-timing']));
        resolve({
          server: Number(timing?.[1]),
          client: performance.now() - started,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number) => Math.round(x * 1000) / 1000;
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

const startedAt = performance.now();
// Hard realism (scrambled unsorted order, Adelaide time, future dates) as shipped, without the junk
// 200s: the benchmark reads every page as JSON.
const em = await startEmulator({ port: 0, contacts: CONTACTS, rateLimit: 0, seed: 1, junk200: 0 });
const startupMs = performance.now() - startedAt;
const call = (path: string) => get(em.url, em.apiKey, path);

// Warm-up: JIT, caches, first pages of every big collection.
for (let i = 0; i < 200; i++) await call(`contacts?orders[id]=ASC&id_greater=${i * 100}&limit=100`);
for (const c of ['fieldValues', 'contactTags', 'contactLists', 'activities', 'deals'])
  await call(`${c}?limit=100`);
global.gc?.();
const rssAfterWarmup = process.memoryUsage().rss;

// 1. Keyset paging through a large range: 3,000 consecutive pages (300,000 contacts) from the middle.
const keyset: number[] = [];
const keysetClient: number[] = [];
const cpuBefore = process.cpuUsage();
let last = Math.floor(CONTACTS / 3);
for (let i = 0; i < 3000; i++) {
  const r = await call(`contacts?orders[id]=ASC&id_greater=${last}&limit=100`);
  const page = JSON.parse(r.body).contacts as Array<{ id: string }>;
  if (page.length === 0) break;
  last = Number(page[page.length - 1].id);
  keyset.push(r.server);
  keysetClient.push(r.client);
}

const cpu = process.cpuUsage(cpuBefore);
const cpuPerPage = (cpu.user + cpu.system) / 1000 / Math.max(1, keyset.length);
const load = loadavg()[0];

// 2. Filtered pages: filters[updated_after] (date only) combined with keyset paging.
const middle = await call(`contacts?id_greater=${Math.floor(CONTACTS / 2)}&limit=1`);
const pivot = (JSON.parse(middle.body).contacts[0].udate as string).slice(0, 10);
const filtered: number[] = [];
let fromId = 0;
for (let i = 0; i < 500; i++) {
  const r = await call(
    `contacts?filters[updated_after]=${pivot}&orders[id]=ASC&id_greater=${fromId}&limit=100`,
  );
  const page = JSON.parse(r.body).contacts as Array<{ id: string }>;
  if (page.length === 0) break;
  fromId = Number(page[page.length - 1].id);
  filtered.push(r.server);
}

// 3. Deep offsets on the largest collections (no keyset there).
const deep: number[] = [];
for (let i = 0; i < 100; i++) {
  const c = ['contacts', 'fieldValues', 'contactTags', 'activities'][i % 4];
  const r = await call(`${c}?limit=100&offset=${Math.floor((((i * 7919) % 1000) / 1000) * CONTACTS)}`);
  deep.push(r.server);
}
const rssAfterRun = process.memoryUsage().rss;
await em.close();
agent.destroy();

const fig = (key: string, value: number, unit: string, definition: string, target?: string): Figure => ({
  key,
  value,
  unit,
  definition,
  ...(target ? { target } : {}),
});
emitResult({
  name: 'emulator',
  title: 'Emulator',
  notes: [
    `${CONTACTS.toLocaleString('en-US')} contacts (about ${(CONTACTS * 3).toLocaleString('en-US')} field values, ${(CONTACTS * 2).toLocaleString('en-US')} contact tags and as many activities), rate limit off, one keep-alive connection.`,
    'Default (hard) realism: offset pages come in the scrambled unsorted order; junk 200s off.',
    `Machine: ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}.`,
    'Server time = Server-Timing header (request arrival to serialised body); client time = loopback round trip.',
    `Load average during the keyset pages: ${load.toFixed(1)} on ${cpus().length} CPUs (other work on the machine inflates the wall-clock figures; the CPU figure is less sensitive to it).`,
  ],
  figures: [
    fig(
      'startup_ms',
      Math.round(startupMs),
      'ms',
      `startEmulator() until listening, ${CONTACTS.toLocaleString('en-US')}-contact account`,
    ),
    fig(
      'keyset_page_ms_p50',
      round(pct(keyset, 50)),
      'ms',
      `server time per page of 100 contacts, orders[id]=ASC&id_greater, ${keyset.length} consecutive pages`,
      '< 20',
    ),
    fig('keyset_page_ms_p95', round(pct(keyset, 95)), 'ms', 'same, 95th percentile', '< 20'),
    fig('keyset_page_ms_max', round(Math.max(...keyset)), 'ms', 'same, slowest page'),
    fig(
      'keyset_page_cpu_ms',
      round(cpuPerPage),
      'ms',
      'CPU time (user + system) of the whole process per keyset page: server work plus the client reading the page',
    ),
    fig(
      'keyset_page_client_ms_p50',
      round(pct(keysetClient, 50)),
      'ms',
      'same pages, client round trip over loopback, median',
    ),
    fig(
      'filtered_page_ms_p50',
      round(pct(filtered, 50)),
      'ms',
      `server time per page of 100 contacts with filters[updated_after] + id_greater, ${filtered.length} pages`,
      '< 20',
    ),
    fig('filtered_page_ms_p95', round(pct(filtered, 95)), 'ms', 'same, 95th percentile', '< 20'),
    fig(
      'deep_offset_page_ms_p50',
      round(pct(deep, 50)),
      'ms',
      'server time per page of 100 at random deep offsets of contacts, fieldValues, contactTags, activities',
    ),
    fig('deep_offset_page_ms_p95', round(pct(deep, 95)), 'ms', 'same, 95th percentile'),
    fig(
      'rss_after_warmup_mib',
      mib(rssAfterWarmup),
      'MiB',
      'resident memory of the process (emulator + benchmark client) after warm-up',
    ),
    fig('rss_after_run_mib', mib(rssAfterRun), 'MiB', 'resident memory after all measured requests'),
  ],
});
