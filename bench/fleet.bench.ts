// `npm run bench:fleet`: fleet mode on this machine. 10 emulated accounts (each its own loopback address,
// rate limit 5 requests/s, 50-150 ms latency), one source each at requestsPerSecond 5 (resources: BENCH_FLEET_RESOURCES, accounts: BENCH_FLEET_ACCOUNTS, contacts: BENCH_FLEET_CONTACTS), 2 `acsync
// worker` processes (concurrency 5) writing to PostgreSQL. Measured while all 10 runs are in progress: the
// aggregate requests/s against the fleet's 50/s budget (and against what the sources are configured to use)
// and the share of 429s; over the whole runs: the workers' CPU time per 1,000 records and each worker's
// peak memory. Prints its figures as the last stdout line (bench/run-all.ts turns them into BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.ts';
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
const CONCURRENCY = Math.ceil(ACCOUNTS / WORKERS);
const RESOURCES = (
  process.env.BENCH_FLEET_RESOURCES ?? 'contacts,field_values,contact_tags,contact_lists'
).split(',');
const log = (m: string) => process.stderr.write(`[fleet.bench] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
  } catch {
    return 0;
  }
}

function vmHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const suffix = `${process.pid}`;
const fleetSchema = `bench_fleet_q_${suffix}`;
const destSchema = `bench_fleet_d_${suffix}`;
const db = new pg.Client({ connectionString: PG });
await db.connect();
mkdirSync(TMP, { recursive: true });
const emulators: RunningEmulator[] = [];
const workers: Array<{ pid: number; kill: (s: NodeJS.Signals) => void; done: Promise<number | null> }> = [];

try {
  for (let i = 0; i < ACCOUNTS; i++)
    emulators.push(
      await startEmulator({
        port: 0,
        host: `127.0.0.${i + 1}`,
        contacts: CONTACTS,
        seed: 100 + i,
        rateLimit: ACCOUNT_LIMIT,
        latency: [50, 150],
        realism: 'ideal', // the fleet is measured, not surviving the hard API; nobody else uses the budget
      }),
    );
  const config = join(TMP, 'acsync.yaml');
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
      ...emulators.flatMap((em, i) => [
        `  - name: Account ${i + 1}`,
        '    accountName: emulator',
        `    url: ${em.url}`,
        `    apiKey: ${em.apiKey}`,
        `    tablePrefix: a${i + 1}_`,
        `    resources: [${RESOURCES.join(', ')}]`,
        `    requestsPerSecond: ${RPS}`,
      ]),
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
    workers.push({
      pid: c.pid!,
      kill: (s) => c.kill(s),
      done: new Promise((r) => c.on('close', (code) => r(code))),
    });
  }
  // Wait until both workers are up (they register themselves), then measure their CPU from here on.
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM "${fleetSchema}".acsync_workers WHERE state = 'running'`,
    );
    if (rows[0].n >= WORKERS) break;
    await sleep(200);
  }
  const cpuStart = workers.map((w) => cpuSeconds(w.pid));
  await run(['sync', '--enqueue']);
  log(`${ACCOUNTS} runs queued`);

  const runningCount = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM "${fleetSchema}".acsync_runs WHERE status = 'running'`))
      .rows[0].n as number;
  const finishedCount = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM "${fleetSchema}".acsync_runs WHERE status = 'success'`))
      .rows[0].n as number;
  while ((await runningCount()) < ACCOUNTS) await sleep(100);
  // Steady state: from when every account has a run going until the first one ends.
  const snap = () =>
    emulators.map((e) => {
      const s = e.stats();
      return { requests: s.requests, limited: s.rateLimited };
    });
  await sleep(3000); // past the first requests' start-up
  const t0 = performance.now();
  const s0 = snap();
  // How busy this machine and the emulators' process were: other work inflates waits and bunches requests.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const loads: number[] = [];
  while ((await finishedCount()) === 0 && (await runningCount()) === ACCOUNTS) {
    loads.push(loadavg()[0]!);
    await sleep(250);
  }
  lag.disable();
  const seconds = (performance.now() - t0) / 1000;
  const load = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
  const s1 = snap();
  const requests = s1.reduce((n, s, i) => n + s.requests - s0[i]!.requests, 0);
  const limited = s1.reduce((n, s, i) => n + s.limited - s0[i]!.limited, 0);
  log(`steady window ${seconds.toFixed(1)} s: ${requests} requests, ${limited} answered 429`);

  while ((await finishedCount()) < ACCOUNTS) await sleep(500);
  const cpu = workers.map((w, i) => cpuSeconds(w.pid) - cpuStart[i]!);
  const peak = workers.map((w) => vmHwmMb(w.pid));
  const { rows } = await db.query(`SELECT sum(events)::bigint AS events FROM "${fleetSchema}".acsync_runs`);
  const events = Number(rows[0].events);
  const totalLimited = emulators.reduce((n, e) => n + e.stats().rateLimited, 0);
  const totalRequests = emulators.reduce((n, e) => n + e.stats().requests, 0);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));

  const rate = (requests - limited) / seconds; // answered, not 429
  const budget = ACCOUNTS * ACCOUNT_LIMIT;
  const configured = ACCOUNTS * RPS;
  const figures: Figure[] = [
    {
      key: 'aggregate requests/s',
      value: Number(rate.toFixed(2)),
      unit: 'req/s',
      definition: `requests the ${ACCOUNTS} accounts answered (not 429) per second while all ${ACCOUNTS} runs were in progress (${seconds.toFixed(0)} s window)`,
    },
    {
      key: 'share of the fleet budget',
      value: Number((rate / budget).toFixed(3)),
      unit: 'ratio',
      target: '>= 0.95',
      definition: `aggregate requests/s ÷ ${budget} (${ACCOUNTS} accounts × their limit of ${ACCOUNT_LIMIT}/s)`,
    },
    {
      key: 'share of the configured rate',
      value: Number((rate / configured).toFixed(3)),
      unit: 'ratio',
      definition: `aggregate requests/s ÷ ${configured} (${ACCOUNTS} sources × requestsPerSecond ${RPS})`,
    },
    {
      key: '429 share (window)',
      value: Number(((limited / Math.max(1, requests)) * 100).toFixed(3)),
      unit: '%',
      target: '< 1',
      definition: 'requests answered 429 ÷ all requests, in the window',
    },
    {
      key: '429 share (whole runs)',
      value: Number(((totalLimited / Math.max(1, totalRequests)) * 100).toFixed(3)),
      unit: '%',
      target: '< 1',
      definition:
        'requests answered 429 ÷ all requests, from start to the last run’s end (hand-offs between accounts’ runs included)',
    },
    {
      key: 'worker CPU per 1,000 records',
      value: Number((((cpu[0]! + cpu[1]!) / events) * 1000).toFixed(4)),
      unit: 's',
      definition: `user + system CPU of both workers from the enqueue to the last run's end ÷ ${events.toLocaleString('en-US')} records (events) × 1,000; ${RESOURCES.join(', ')}, PostgreSQL destination`,
    },
    ...peak.map((mb, i) => ({
      key: `worker ${i + 1} peak memory`,
      value: Math.round(mb),
      unit: 'MB',
      definition: `peak resident set (VmHWM) of worker ${i + 1}, running up to ${CONCURRENCY} accounts at once`,
    })),
  ];
  emitResult({
    name: 'fleet',
    title: 'Fleet (npm run bench:fleet)',
    notes: [
      `${ACCOUNTS} emulated accounts (${CONTACTS.toLocaleString('en-US')} contacts each; limit ${ACCOUNT_LIMIT} requests/s, 50-150 ms latency), one source each at requestsPerSecond ${RPS}; ${WORKERS} acsync worker processes, concurrency ${CONCURRENCY}, PostgreSQL on the same machine.`,
      `During the window: load average ${load.toFixed(1)} on ${cpus().length} CPUs; the emulators' event loop (all 10 accounts share one process) was delayed by ${(lag.percentile(99) / 1e6).toFixed(0)} ms at the 99th percentile and ${(lag.max / 1e6).toFixed(0)} ms at most. A busy machine delays requests and then lets them arrive in bunches, which the accounts' token buckets answer with 429s: compare with a quiet machine before reading the budget figures.`,
    ],
    figures,
  });
} finally {
  for (const w of workers) w.kill('SIGKILL');
  for (const e of emulators) await e.close();
  await db.query(`DROP SCHEMA IF EXISTS "${fleetSchema}" CASCADE`).catch(() => undefined);
  await db.query(`DROP SCHEMA IF EXISTS "${destSchema}" CASCADE`).catch(() => undefined);
  await db.end();
  rmSync(TMP, { recursive: true, force: true });
}
