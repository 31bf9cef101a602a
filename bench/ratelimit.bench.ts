// `npm run bench -- ratelimit`: acsync as a neighbour on a shared rate limit. The real `acsync sync` binary,
// with its default budget, against the hard emulator (--rate-limit 5) while another API user of the account
// takes 0, 1 or 2 requests/s from the same bucket (--tenant-rps). Over a fixed window of each sync, from the
// emulator's request log: the share of acsync's requests answered 429 (and 503), the requests/s it got
// answered, and that rate against what the other user left (5 − the other user's answered requests/s).
// Prints its figures as the last stdout line (bench/run-all.ts turns them into BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../src/config/rules.ts';
import { type RequestLogEntry, startEmulator } from '../src/emulator/index.ts';
import { duckdbConfigFile } from './proc.ts';
import { emitResult, type Figure } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/acsync.js');
const TMP = join(ROOT, '.tmp', `ratelimit-bench-${process.pid}`);
const WINDOW_S = Number(process.env.BENCH_RATELIMIT_WINDOW_S ?? 90);
const WARMUP_S = 5;
const CONTACTS = 50_000;
const LIMIT = 5;
const TENANTS = (process.env.BENCH_RATELIMIT_TENANTS ?? '1,0,2').split(',').map(Number);
/** Unset: the config default (what a user gets without requestsPerSecond). */
const RPS = process.env.BENCH_RATELIMIT_RPS;
const log = (m: string) => process.stderr.write(`[ratelimit.bench] ${m}\n`);

interface Window {
  acsync: number;
  rateLimited: number;
  busy: number;
  tenantAnswered: number;
  tenantRefused: number;
  load: [number, number];
}

/** Runs one sync for WARMUP_S + WINDOW_S seconds of requests and reads its window from the request log. */
async function measure(tenantRps: number): Promise<Window> {
  const em = await startEmulator({
    contacts: CONTACTS,
    rateLimit: LIMIT,
    tenantRps,
    seed: 9,
    requestLog: true,
  });
  const loadBefore = loadavg()[0]!;
  const child = spawn(
    process.execPath,
    [
      BIN,
      'sync',
      '--config',
      duckdbConfigFile(TMP, `tenant${tenantRps}`, em, RPS ? Number(RPS) : null),
      '--json',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ACSYNC_LOG_LEVEL: 'warn', ACSYNC_LOCK_DIR: join(TMP, 'locks') },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  // The window opens WARMUP_S after acsync's first request and lasts WINDOW_S.
  while (!ended && !em.requestLog().some((e) => !e.tenant)) await new Promise((r) => setTimeout(r, 50));
  const first = em.requestLog().find((e) => !e.tenant);
  if (!first) throw new Error(`the sync sent nothing: ${stderr.slice(-2000)}`);
  const from = first.t + WARMUP_S * 1000;
  const to = from + WINDOW_S * 1000;
  while (!ended && Date.now() < to + 500) await new Promise((r) => setTimeout(r, 200));
  if (ended) throw new Error(`the sync ended before the window closed: ${stderr.slice(-2000)}`);
  child.kill('SIGKILL');
  await exited;
  const entries: RequestLogEntry[] = em.requestLog().filter((e) => e.t >= from && e.t < to);
  await em.close();
  const ours = entries.filter((e) => !e.tenant);
  const tenant = entries.filter((e) => e.tenant);
  return {
    acsync: ours.length,
    rateLimited: ours.filter((e) => e.status === 429).length,
    busy: ours.filter((e) => e.status === 503).length,
    tenantAnswered: tenant.filter((e) => e.status !== 429).length,
    tenantRefused: tenant.filter((e) => e.status === 429).length,
    load: [loadBefore, loadavg()[0]!],
  };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

rmSync(TMP, { recursive: true, force: true });
mkdirSync(TMP, { recursive: true });
const figures: Figure[] = [];
const notes: string[] = [];
const budget = RPS ? Number(RPS) : DEFAULTS.requestsPerSecond;
try {
  for (const tenantRps of TENANTS) {
    log(`tenant ${tenantRps} req/s: ${WARMUP_S} s warm-up, then a ${WINDOW_S} s window`);
    const w = await measure(tenantRps);
    const answered = w.acsync - w.rateLimited - w.busy;
    const rate = answered / WINDOW_S;
    const left = LIMIT - w.tenantAnswered / WINDOW_S;
    const available = Math.min(left, budget);
    log(
      `tenant ${tenantRps}: acsync ${w.acsync} requests, ${w.rateLimited} × 429, ${w.busy} × 503, ${rate.toFixed(2)} req/s answered; the other user: ${w.tenantAnswered} answered, ${w.tenantRefused} refused; load ${w.load.map((l) => l.toFixed(1)).join(' → ')}`,
    );
    const at = `--tenant-rps ${tenantRps}`;
    const targets = tenantRps === 1;
    figures.push(
      {
        key: `ratelimit_t${tenantRps}_429_share`,
        value: round(w.rateLimited / w.acsync, 4),
        unit: 'share',
        ...(targets ? { target: '< 0.01' } : {}),
        definition: `acsync's requests answered 429 ÷ all its requests, over a ${WINDOW_S}-second window of a full sync (emulator --rate-limit 5, hard realism, ${at}; acsync's default budget of ${budget} req/s).`,
      },
      {
        key: `ratelimit_t${tenantRps}_503_share`,
        value: round(w.busy / w.acsync, 4),
        unit: 'share',
        definition: `acsync's requests answered 503 (the emulator's over-limit answer under bursts, --burst-503 0.2) ÷ all its requests, same window.`,
      },
      {
        key: `ratelimit_t${tenantRps}_requests_per_second`,
        value: round(rate, 2),
        unit: 'req/s',
        definition: `acsync's requests answered (not 429 or 503) per second over the window, ${at}.`,
      },
      {
        key: `ratelimit_t${tenantRps}_share_of_what_is_left`,
        value: round(rate / available, 3),
        unit: 'share',
        ...(targets ? { target: '>= 0.9' } : {}),
        definition: `That rate ÷ what acsync may use: the smaller of its budget (${budget} req/s) and what the other user left (5 − the other user's answered requests/s over the window: ${round(left, 2)} req/s).`,
      },
    );
    notes.push(
      `${at}: measured at load average ${w.load[0].toFixed(1)} (start) / ${w.load[1].toFixed(1)} (end) on 2 CPUs; the other user made ${w.tenantAnswered + w.tenantRefused} requests in the window, ${w.tenantRefused} of them refused.`,
    );
  }
} finally {
  rmSync(TMP, { recursive: true, force: true });
}
emitResult({
  name: 'ratelimit',
  title: 'Rate limit shared with another API user (npm run bench -- ratelimit)',
  notes,
  figures,
});
