// `npm run bench -- requests` (or `npm run bench:requests`): what a sync costs in requests, counted by the
// emulator's request log (not timed). At BENCH_CONTACTS contacts (default 20,000; BENCH_CONTACTS=100000 for
// the large account), for each `childWritesTouchContact` setting:
//   1. a full sync (the first run is a reconcile: every resource, children side-loaded on /contacts);
//   2. 1% of contacts and 0.5% of the side-loaded child records change, a few records are deleted;
//   3. a fast-tier sync, then a reconcile sync;
// Today's figures (before side-loads and tiers, measured with this script on the branch's base 7006cac,
// where `tier` did not exist and every run read every resource) are kept as TODAY for comparison.
import { join } from 'node:path';
import { silentLogger } from '../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.ts';
import { runSync, type SyncTuning } from '../src/pipeline/sync.ts';
import { benchSource, freshDuckDB } from './proc.ts';
import { emitResult, type Figure } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const TMP = join(ROOT, '.tmp');
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const log = (m: string) => process.stderr.write(`[requests.bench] ${m}\n`);

async function call(em: RunningEmulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${em.url}/api/3/${path}`, {
    method,
    headers: { 'Api-Token': em.apiKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  await res.arrayBuffer();
}

/** Requests acsync made since `from` in the log, by collection path. */
function requestsSince(em: RunningEmulator, from: number): { total: number; byPath: Map<string, number> } {
  const byPath = new Map<string, number>();
  let total = 0;
  for (const e of em.requestLog().slice(from)) {
    if (e.tenant || e.method !== 'GET') continue;
    total++;
    const p = e.path.replace(/^\/api\/3\//, '').replace(/\/[0-9a-f-]{8,}$/, '/…');
    byPath.set(p, (byPath.get(p) ?? 0) + 1);
  }
  return { total, byPath };
}

const top = (m: Map<string, number>, n = 8) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** 1% of contacts and 0.5% of field values, contact tags and list memberships change; 0.1% deleted. */
async function change(em: RunningEmulator): Promise<string> {
  const contacts = [...em.records('contacts')];
  const n = Math.round(contacts.length / 100);
  for (let i = 0; i < n; i++) {
    const c = contacts[Math.floor((i * contacts.length) / n)];
    await call(em, 'PUT', `contacts/${String(c.id)}`, { contact: { firstName: `Changed ${i}` } });
  }
  const kids: Array<[string, string, (r: Record<string, unknown>, i: number) => Record<string, unknown>]> = [
    ['fieldValues', 'fieldValue', (r, i) => ({ value: `changed ${i}`, contact: r.contact, field: r.field })],
    ['contactLists', 'contactList', (r) => ({ status: r.status === '1' ? '2' : '1' })],
    ['contactTags', 'contactTag', (r) => ({ contact: r.contact, tag: r.tag })],
  ];
  let childChanges = 0;
  for (const [coll, single, body] of kids) {
    const rows = [...em.records(coll)];
    const k = Math.round(rows.length / 200);
    // Children of contacts other than the changed ones (odd positions), so touch-off needs the reconcile.
    for (let i = 0; i < k; i++) {
      const r = rows[Math.floor(((i + 0.5) * rows.length) / k)];
      await call(em, 'PUT', `${coll}/${String(r.id)}`, { [single]: body(r, i) });
      childChanges++;
    }
  }
  const deletes = Math.max(1, Math.round(contacts.length / 1000));
  for (let i = 0; i < deletes; i++) {
    const c = contacts[Math.floor(((i + 0.37) * contacts.length) / deletes)];
    await call(em, 'DELETE', `contacts/${String(c.id)}`);
  }
  return `${n} contacts changed, ${childChanges} child records changed, ${deletes} contacts deleted`;
}

/** Measured on the base (7006cac) with this script: full sync, and the next sync after the same changes. */
const TODAY = { full: 2778, incremental: 2134 };

const figures: Figure[] = [];
const notes: string[] = [];

type Tier = 'fast' | 'reconcile' | undefined;
async function sync(
  em: RunningEmulator,
  dest: ReturnType<typeof freshDuckDB>,
  tier: Tier,
  tuning: SyncTuning = {},
) {
  const from = em.requestLog().length;
  const r = await runSync({
    source: benchSource(em, { reconcileEveryHours: 24 }),
    destination: dest,
    logger: silentLogger(),
    ...(tier ? { tier } : {}),
    tuning,
  });
  if (r.status !== 'success') log(`  status ${r.status}: ${r.error ?? ''}`);
  return requestsSince(em, from);
}

for (const touch of [true, false]) {
  const em = await startEmulator({
    port: 0,
    contacts: CONTACTS,
    rateLimit: 0,
    seed: 1,
    realism: 'ideal', // counts, not the hard API's noise
    childWritesTouchContact: touch,
    requestLog: true,
  });
  const tag = touch ? 'touch_on' : 'touch_off';
  try {
    const dest = freshDuckDB(TMP, `requests-bench-${tag}`);
    log(`${tag}: full sync of ${CONTACTS} contacts…`);
    const full = await sync(em, dest, 'reconcile');
    log(`  ${full.total} requests (${top(full.byPath)})`);
    const what = await change(em);
    log(`  ${what}`);
    const fast = await sync(em, dest, 'fast');
    log(`  fast tier: ${fast.total} requests (${top(fast.byPath, 12)})`);
    const rec = await sync(em, dest, 'reconcile');
    log(`  reconcile: ${rec.total} requests (${top(rec.byPath)})`);
    figures.push(
      {
        key: `full_sync_requests_${tag}`,
        value: full.total,
        unit: 'requests',
        target: `<= ${Math.floor(TODAY.full * 0.55)} (55% of today's ${TODAY.full})`,
        definition: `Requests of the first (full) sync of the ${CONTACTS}-contact account, childWritesTouchContact ${touch ? 'on' : 'off'} (today: ${TODAY.full}).`,
      },
      {
        key: `fast_sync_requests_${tag}`,
        value: fast.total,
        unit: 'requests',
        target: '<= 120',
        definition: `Requests of a fast-tier sync after ${what} (today's next sync: ${TODAY.incremental}).`,
      },
      {
        key: `reconcile_sync_requests_${tag}`,
        value: rec.total,
        unit: 'requests',
        definition: 'Requests of the reconcile sync that follows.',
      },
    );
  } finally {
    await em.close();
  }
}

notes.push(
  `Emulator account: seed 1, ${CONTACTS} contacts, realism ideal; requests counted from its request log (GETs of acsync only).`,
);
emitResult({ name: 'requests', title: 'Requests per sync', notes, figures });
