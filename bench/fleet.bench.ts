// `npm run bench:fleet`: fleet mode on this machine. 10 emulated accounts (each its own loopback address,
// rate limit 5 requests/s, 50-150 ms latency, served by 2 emulator processes), one source each at
// requestsPerSecond 5, 2 `acsync worker` processes (concurrency 5) writing to PostgreSQL. Two workloads,
// one after the other:
// - request-bound: every resource but the five children that ride on the contacts pages (include=), so a
//   page holds at most 100 records, as on most endpoints: what the fleet's scheduling and rate control
//   make of the accounts' budget (the goal: at least 95% of 50/s, under 1% 429s);
// - every resource: the default sync, whose side-loaded contacts pages hold about 640 records each; on 2
//   cores that phase is bound by CPU, not by the budget (the timeline shows which seconds were).
// Measured while all 10 runs are in progress: aggregate requests/s against the fleet's 50/s budget and the
// share of 429s; over the whole runs: CPU per 1,000 records (workers, emulators, PostgreSQL) and each
// worker's peak memory. BENCH_FLEET_RESOURCES (comma-separated, or `all`) replaces the two workloads by
// one; BENCH_FLEET_ACCOUNTS, BENCH_FLEET_CONTACTS, BENCH_FLEET_RPS and BENCH_FLEET_EMULATOR_PROCS size it;
// BENCH_FLEET_TIMELINE=1 prints requests/s and CPU busy share every second. Prints its figures as the last
// stdout line (bench/run-all.ts turns them into BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listResources } from '../src/extract/catalog.ts';
import { type EmulatorHost, startHost } from './emulator-host.ts';
import { cpuSeconds, peakRssKb } from './proc.ts';
import { emitResult, type Figure } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/acsync.js');
const TMP = join(ROOT, '.tmp', `fleet-bench-${process.pid}`);
const PG = process.env.ACSYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ACCOUNTS = Number(process.env.BENCH_FLEET_ACCOUNTS ?? 10);
const CONTACTS = Number(process.env.BENCH_FLEET_CONTACTS ?? 4000);
const ACCOUNT_LIMIT = 5;
// These accounts have no other API user, so each source is configured to take its account's whole limit
// (the default, 4 of 5, leaves headroom for other integrations that these accounts do not have).
const RPS = Number(process.env.BENCH_FLEET_RPS ?? ACCOUNT_LIMIT);
const WORKERS = 2;
// The accounts are served by this many processes, like separate servers: with all ten accounts on one
// event loop, that loop (not the fleet) was late by hundreds of milliseconds.
const HOSTS = Math.max(1, Math.min(ACCOUNTS, Number(process.env.BENCH_FLEET_EMULATOR_PROCS ?? 2)));
const CONCURRENCY = Math.ceil(ACCOUNTS / WORKERS);
const TIMELINE = process.env.BENCH_FLEET_TIMELINE === '1';

interface Workload {
  key: string;
  title: string;
  /** Resource names, or 'all'. */
  resources: string[] | 'all';
  /** Whether the budget goal applies (a workload bound by CPU on this machine is reported, not judged). */
  goal: boolean;
}
const sideLoaded = listResources()
  .filter((r) => r.includedBy)
  .map((r) => r.name);
const WORKLOADS: Workload[] = process.env.BENCH_FLEET_RESOURCES
  ? [
      {
        key: 'custom',
        title: `resources ${process.env.BENCH_FLEET_RESOURCES}`,
        resources:
          process.env.BENCH_FLEET_RESOURCES === 'all' ? 'all' : process.env.BENCH_FLEET_RESOURCES.split(','),
        goal: true,
      },
    ]
  : [
      {
        key: 'request-bound',
        title: `every resource but the side-loaded ${sideLoaded.join(', ')}`,
        resources: listResources()
          .map((r) => r.name)
          .filter((n) => !sideLoaded.includes(n)),
        goal: true,
      },
      {
        key: 'every resource',
        title: 'contacts pages side-load their children',
        resources: 'all',
        goal: false,
      },
    ];

const log = (m: string) => process.stderr.write(`[fleet.bench] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds of every PostgreSQL server process on this machine (the destination and the queue). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The machine's CPU time so far (idle and total, in clock ticks), from /proc/stat. */
function cpuTimes(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
}

const db = new pg.Client({ connectionString: PG });
await db.connect();
mkdirSync(TMP, { recursive: true });
const hosts: EmulatorHost[] = [];
const schemas: string[] = [];
type Worker = { pid: number; kill: (s: NodeJS.Signals) => void; done: Promise<number | null> };
const workers: Worker[] = [];

// The accounts' records are generated from their ids and reads change nothing, so both workloads read the
// same accounts; their counters are compared before and after.
const accountOptions = Array.from({ length: ACCOUNTS }, (_, i) => ({
  port: 0,
  host: `127.0.0.${i + 1}`,
  contacts: CONTACTS,
  seed: 100 + i,
  rateLimit: ACCOUNT_LIMIT,
  latency: [50, 150] as [number, number],
  realism: 'ideal' as const, // the fleet is measured, not surviving the hard API; nobody else uses the budget
}));
/** Account i is served by host i % HOSTS, as its (i / HOSTS)th account. */
const accountAt = <T>(perHost: T[][], i: number): T => perHost[i % HOSTS]![Math.floor(i / HOSTS)]!;

async function accountStats() {
  const all = await Promise.all(hosts.map((h) => h.stats()));
  return {
    accounts: accountOptions.map((_, i) => accountAt(all, i)),
    cpuSeconds: all.reduce((n, s) => n + s[0]!.cpuSeconds, 0),
    lags: all.map((s) => s[0]!),
  };
}

async function measure(w: Workload): Promise<{ figures: Figure[]; notes: string[] }> {
  const suffix = `${process.pid}_${schemas.length}`;
  const fleetSchema = `bench_fleet_q_${suffix}`;
  const destSchema = `bench_fleet_d_${suffix}`;
  schemas.push(fleetSchema, destSchema);
  const config = join(TMP, `acsync-${schemas.length}.yaml`);
  writeFileSync(
    config,
    [
      'destinations:',
      '  warehouse:',
      '    type: postgres',
      `    url: ${JSON.stringify(PG)}`,
      `    schema: ${destSchema}`,
      'fleet:',
      `  url: ${JSON.stringify(PG)}`,
      `  schema: ${fleetSchema}`,
      '  pollSeconds: 0.5',
      'sources:',
      ...accountOptions.flatMap((_, i) => {
        const em = accountAt(
          hosts.map((h) => h.accounts),
          i,
        );
        return [
          `  - name: Account ${i + 1}`,
          '    accountName: emulator',
          `    url: ${em.url}`,
          `    apiKey: ${em.apiKey}`,
          `    tablePrefix: a${i + 1}_`,
          w.resources === 'all' ? '    resources: all' : `    resources: [${w.resources.join(', ')}]`,
          `    requestsPerSecond: ${RPS}`,
        ];
      }),
      '',
    ].join('\n'),
  );
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, ...args, '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d) => {
        out += d;
      });
      c.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`acsync ${args.join(' ')}: exit ${code}`)),
      );
    });
  await run(['fleet', 'apply']);
  const mine: Worker[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const c = spawn(
      process.execPath,
      [
        BIN,
        'worker',
        '--config',
        config,
        '--concurrency',
        String(CONCURRENCY),
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ACSYNC_LOG_LEVEL: 'warn' } },
    );
    c.stderr.on('data', (d) => process.stderr.write(d));
    mine.push({
      pid: c.pid!,
      kill: (s) => c.kill(s),
      done: new Promise((r) => c.on('close', (code) => r(code))),
    });
  }
  workers.push(...mine);
  // Wait until both workers are up (they register themselves), then measure their CPU from here on.
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM "${fleetSchema}".acsync_workers WHERE state = 'running'`,
    );
    if (rows[0].n >= WORKERS) break;
    await sleep(200);
  }
  const cpuStart = mine.map((x) => cpuSeconds(x.pid));
  const wallStart = performance.now();
  const first = await accountStats();
  const pgCpuStart = postgresCpuSeconds();
  await run(['sync', '--enqueue']);
  log(`${w.key}: ${ACCOUNTS} runs queued`);

  const count = async (status: string) =>
    (
      await db.query(`SELECT count(*)::int AS n FROM "${fleetSchema}".acsync_runs WHERE status = $1`, [
        status,
      ])
    ).rows[0].n as number;
  while ((await count('running')) < ACCOUNTS) await sleep(100);
  // Steady state: from when every account has a run going until the first one ends.
  const snap = async () =>
    (await accountStats()).accounts.map((s) => ({ requests: s.requests, limited: s.rateLimited }));
  await sleep(3000); // past the first requests' start-up
  await Promise.all(hosts.map((h) => h.resetLag()));
  const t0 = performance.now();
  const s0 = await snap();
  // How busy this machine was: other work inflates waits and bunches requests.
  const loads: number[] = [];
  // Per second: the fleet's requests/s, and whether the machine's CPU was saturated (≥ 95% busy).
  const seconds: Array<{ requests: number; busy: number }> = [];
  let [lastReq, lastCpu, tick] = [s0.reduce((n, x) => n + x.requests, 0), cpuTimes(), 0];
  while ((await count('success')) === 0 && (await count('running')) === ACCOUNTS) {
    loads.push(loadavg()[0]!);
    await sleep(250);
    if (++tick % 4 === 0) {
      const req = (await snap()).reduce((n, x) => n + x.requests, 0);
      const now = cpuTimes();
      const busy = 1 - (now.idle - lastCpu.idle) / Math.max(1, now.total - lastCpu.total);
      seconds.push({ requests: req - lastReq, busy });
      if (TIMELINE)
        log(`${w.key} t=${seconds.length}s ${req - lastReq} req/s, CPU busy ${(busy * 100).toFixed(0)}%`);
      [lastReq, lastCpu] = [req, now];
    }
  }
  const windowSeconds = (performance.now() - t0) / 1000;
  const load = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
  const s1 = await snap();
  const lags = (await accountStats()).lags;
  const requests = s1.reduce((n, s, i) => n + s.requests - s0[i]!.requests, 0);
  const limited = s1.reduce((n, s, i) => n + s.limited - s0[i]!.limited, 0);
  log(`${w.key}: steady window ${windowSeconds.toFixed(1)} s: ${requests} requests, ${limited} answered 429`);

  while ((await count('success')) < ACCOUNTS) await sleep(500);
  const cpu = mine.map((x, i) => cpuSeconds(x.pid) - cpuStart[i]!);
  const wall = (performance.now() - wallStart) / 1000;
  const peak = mine.map((x) => peakRssKb(x.pid) / 1024);
  const { rows } = await db.query(`SELECT sum(events)::bigint AS events FROM "${fleetSchema}".acsync_runs`);
  const events = Number(rows[0].events);
  const last = await accountStats();
  const totalLimited = last.accounts.reduce(
    (n, s, i) => n + s.rateLimited - first.accounts[i]!.rateLimited,
    0,
  );
  const totalRequests = last.accounts.reduce((n, s, i) => n + s.requests - first.accounts[i]!.requests, 0);
  const emuCpu = last.cpuSeconds - first.cpuSeconds;
  const pgCpu = postgresCpuSeconds() - pgCpuStart;
  for (const x of mine) x.kill('SIGTERM');
  await Promise.all(mine.map((x) => x.done));

  const rate = (requests - limited) / windowSeconds; // answered, not 429
  const budget = ACCOUNTS * ACCOUNT_LIMIT;
  const saturated = seconds.filter((s) => s.busy >= 0.95);
  const spare = seconds.filter((s) => s.busy < 0.95);
  const mean = (xs: typeof seconds) => xs.reduce((n, s) => n + s.requests, 0) / Math.max(1, xs.length);
  const k = (name: string) => (w.goal && WORKLOADS.length > 1 ? name : `${w.key}: ${name}`);
  const figures: Figure[] = [
    {
      key: k('aggregate requests/s'),
      value: Number(rate.toFixed(2)),
      unit: 'req/s',
      definition: `requests the ${ACCOUNTS} accounts answered (not 429) per second while all ${ACCOUNTS} runs were in progress (${windowSeconds.toFixed(0)} s window); ${w.title}`,
    },
    {
      key: k('share of the fleet budget'),
      value: Number((rate / budget).toFixed(3)),
      unit: 'ratio',
      ...(w.goal ? { target: '>= 0.95' } : {}),
      definition: `aggregate requests/s ÷ ${budget} (${ACCOUNTS} accounts × their limit of ${ACCOUNT_LIMIT}/s)`,
    },
    {
      key: k('requests/s in seconds with CPU to spare'),
      value: Number(mean(spare).toFixed(1)),
      unit: 'req/s',
      definition: `mean requests/s over the ${spare.length} seconds of the window in which the machine's CPU was less than 95% busy`,
    },
    {
      key: k('requests/s in CPU-saturated seconds'),
      value: Number(mean(saturated).toFixed(1)),
      unit: 'req/s',
      definition: `mean requests/s over the ${saturated.length} seconds of the window in which the machine's CPU was at least 95% busy (0 when there were none)`,
    },
    {
      key: k('429 share (window)'),
      value: Number(((limited / Math.max(1, requests)) * 100).toFixed(3)),
      unit: '%',
      ...(w.goal ? { target: '< 1' } : {}),
      definition: 'requests answered 429 ÷ all requests, in the window',
    },
    {
      key: k('429 share (whole runs)'),
      value: Number(((totalLimited / Math.max(1, totalRequests)) * 100).toFixed(3)),
      unit: '%',
      ...(w.goal ? { target: '< 1' } : {}),
      definition:
        'requests answered 429 ÷ all requests, from start to the last run’s end (hand-offs between accounts’ runs included)',
    },
    {
      key: k('worker CPU per 1,000 records'),
      value: Number((((cpu[0]! + cpu[1]!) / events) * 1000).toFixed(4)),
      unit: 's',
      definition: `user + system CPU of both workers from the enqueue to the last run's end ÷ ${events.toLocaleString('en-US')} records (events) × 1,000; PostgreSQL destination`,
    },
    {
      key: k('emulator CPU per 1,000 records'),
      value: Number(((emuCpu / events) * 1000).toFixed(4)),
      unit: 's',
      definition:
        'CPU of the emulator processes (the stand-in for ActiveCampaign, not part of a real deployment) per 1,000 records served',
    },
    {
      key: k('PostgreSQL CPU per 1,000 records'),
      value: Number(((pgCpu / events) * 1000).toFixed(4)),
      unit: 's',
      definition:
        'CPU of the PostgreSQL server processes (destination and queue; a backend that exits between the two readings is not counted) per 1,000 records',
    },
    ...peak.map((mb, i) => ({
      key: k(`worker ${i + 1} peak memory`),
      value: Math.round(mb),
      unit: 'MB',
      definition: `peak resident set (VmHWM) of worker ${i + 1}, running up to ${CONCURRENCY} accounts at once`,
    })),
  ];
  const notes = [
    `${w.key} (${w.title}): ${events.toLocaleString('en-US')} records in ${totalRequests.toLocaleString('en-US')} requests (${(events / Math.max(1, totalRequests)).toFixed(0)} per request). During the window: load average ${load.toFixed(1)} on ${cpus().length} CPUs; the ${HOSTS} emulator processes' event loops were late by ${lags.map((l) => l.lagP99Ms.toFixed(0)).join(' and ')} ms at the 99th percentile. CPU from the enqueue to the last run's end: workers ${(cpu[0]! + cpu[1]!).toFixed(1)} s, emulators ${emuCpu.toFixed(1)} s, PostgreSQL ${pgCpu.toFixed(1)} s, over ${wall.toFixed(1)} s of wall time (${(cpus().length * wall).toFixed(0)} CPU-s at most).`,
  ];
  return { figures, notes };
}

try {
  for (let h = 0; h < HOSTS; h++)
    hosts.push(await startHost(accountOptions.filter((_, i) => i % HOSTS === h)));
  const results = [];
  for (const w of WORKLOADS) results.push(await measure(w));
  emitResult({
    name: 'fleet',
    title: 'Fleet (npm run bench:fleet)',
    notes: [
      `${ACCOUNTS} emulated accounts (${CONTACTS.toLocaleString('en-US')} contacts each; limit ${ACCOUNT_LIMIT} requests/s, 50-150 ms latency; served by ${HOSTS} emulator processes), one source each at requestsPerSecond ${RPS}; ${WORKERS} acsync worker processes, concurrency ${CONCURRENCY}; PostgreSQL, the emulators and the workers share this machine's ${cpus().length} CPUs. The budget goal is judged on the request-bound workload; the every-resource workload is reported for sizing: its side-loaded contacts pages carry several times the records of an ordinary page, and on this machine that phase is bound by CPU (see the saturated-seconds figure).`,
      ...results.flatMap((r) => r.notes),
    ],
    figures: results.flatMap((r) => r.figures),
  });
} finally {
  for (const x of workers) x.kill('SIGKILL');
  for (const h of hosts) await h.close();
  for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  await db.end();
  rmSync(TMP, { recursive: true, force: true });
}
