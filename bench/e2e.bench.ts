// `npm run bench:e2e`: the whole product end to end — the real `acsync sync` binary against the emulator.
//   1. 100,000 contacts plus every other resource, emulator --rate-limit 0 and requestsPerSecond 0, into a
//      fresh DuckDB file: records/s and the sync process's peak memory (VmHWM from /proc, sampled).
//   2. Emulator --rate-limit 5 and requestsPerSecond 5, over a fixed 60-second window: the share of the
//      5 requests/s budget used (requests answered per second ÷ 5) and the share of answers that were 429.
// Prints its figures as the last stdout line (bench/run-all.ts turns them into BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.ts';
import { duckdbConfigFile, peakRssKb } from './proc.ts';
import { emitResult, type Figure } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/acsync.js');
const TMP = join(ROOT, '.tmp', `e2e-bench-${process.pid}`);
const CONTACTS = Number(process.env.BENCH_E2E_CONTACTS ?? 100_000);
const WINDOW_S = Number(process.env.BENCH_E2E_WINDOW_S ?? 60);
const log = (m: string) => process.stderr.write(`[e2e.bench] ${m}\n`);

interface SyncRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakKb: number;
}

function runSync(
  configPath: string,
  opts: { onStart?: () => void; onChild?: (kill: () => void) => void } = {},
): Promise<SyncRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'sync', '--config', configPath, '--json'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ACSYNC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, peakRssKb(child.pid!));
    }, 100);
    opts.onStart?.();
    opts.onChild?.(() => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('exit', () => clearInterval(sampler));
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakKb }),
    );
  });
}

function summaryOf(run: SyncRun): {
  status: string;
  events: number;
  resources: Array<{ rowsWritten: number }>;
} {
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

rmSync(TMP, { recursive: true, force: true });
mkdirSync(TMP, { recursive: true });
const figures: Figure[] = [];
const notes: string[] = [];
try {
  // ── 1. throughput and memory, limit off ──
  log(`starting the emulator with ${CONTACTS} contacts, --rate-limit 0`);
  // realism: ideal — these runs measure acsync's throughput and budget use, not the hard API (issue 9).
  const fast = await startEmulator({ contacts: CONTACTS, rateLimit: 0, seed: 1, realism: 'ideal' });
  const run = await runSync(duckdbConfigFile(TMP, 'unlimited', fast, 0));
  const requests = fast.stats().requests;
  await fast.close();
  if (run.code !== 0) throw new Error(`sync exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const s = summaryOf(run);
  const rows = s.resources.reduce((n, r) => n + r.rowsWritten, 0);
  log(`${s.events} events, ${rows} rows in ${run.seconds.toFixed(1)} s, peak ${run.peakKb} kB`);
  figures.push(
    {
      key: 'e2e_records_per_second',
      value: Math.round(s.events / run.seconds),
      unit: 'records/s',
      definition: `Records the API returned (events) ÷ wall time of \`acsync sync\` (process start to exit), ${CONTACTS.toLocaleString('en-US')} contacts plus every other resource, emulator --rate-limit 0, requestsPerSecond 0, fresh DuckDB file.`,
    },
    {
      key: 'e2e_events',
      value: s.events,
      unit: 'records',
      definition: 'Records the API returned in that sync.',
    },
    {
      key: 'e2e_rows_written',
      value: rows,
      unit: 'rows',
      definition: 'Rows the sync wrote into the resource tables.',
    },
    {
      key: 'e2e_requests',
      value: requests,
      unit: 'requests',
      definition: 'Requests the emulator answered for that sync.',
    },
    {
      key: 'e2e_seconds',
      value: Math.round(run.seconds * 10) / 10,
      unit: 's',
      definition: 'Wall time of that sync.',
    },
    {
      key: 'e2e_peak_rss_mib',
      value: Math.round(run.peakKb / 1024),
      unit: 'MiB',
      definition:
        'Peak resident memory of the sync process (VmHWM from /proc/<pid>/status, sampled every 100 ms; includes DuckDB).',
    },
  );

  // ── 2. the real rate limit, a fixed window ──
  log(`rate-limited window: --rate-limit 5, requestsPerSecond 5, ${WINDOW_S} s`);
  const limited = await startEmulator({ contacts: CONTACTS, rateLimit: 5, seed: 1, realism: 'ideal' });
  let from = limited.stats();
  let to = from;
  let windowStart = 0;
  const warmupMs = 3_000;
  let stop: () => void = () => {};
  const windowRun = runSync(duckdbConfigFile(TMP, 'limited', limited, 5), {
    onStart: () => {
      // The window opens once the sync is requesting (plus a short warm-up) and lasts exactly WINDOW_S.
      const waitForFirst = setInterval(() => {
        if (limited.stats().requests === 0) return;
        clearInterval(waitForFirst);
        setTimeout(() => {
          from = limited.stats();
          windowStart = performance.now();
          setTimeout(() => {
            to = limited.stats();
            stop();
          }, WINDOW_S * 1000);
        }, warmupMs);
      }, 20);
    },
    onChild: (kill) => {
      stop = kill;
    },
  });
  await windowRun;
  await limited.close();
  if (!windowStart || to === from) throw new Error('the rate-limited window did not complete');
  const sent = to.requests - from.requests;
  const refused = to.rateLimited - from.rateLimited;
  const answered = sent - refused;
  figures.push(
    {
      key: 'e2e_rate_budget_used',
      value: Math.round((answered / WINDOW_S / 5) * 1000) / 1000,
      unit: 'share',
      target: '>= 0.95',
      definition: `Requests the emulator answered (not 429) per second over a fixed ${WINDOW_S}-second window of a full sync, ÷ the 5 requests/s budget (emulator --rate-limit 5, requestsPerSecond 5).`,
    },
    {
      key: 'e2e_rate_429_share',
      value: sent ? Math.round((refused / sent) * 10000) / 10000 : 0,
      unit: 'share',
      target: '<= 0.01',
      definition: 'Requests answered 429 ÷ all requests in that window.',
    },
    {
      key: 'e2e_rate_requests_in_window',
      value: sent,
      unit: 'requests',
      definition: 'Requests the emulator received in that window.',
    },
  );
  notes.push(
    `Runs the real binary (bin/acsync.js) as a child process; the emulator runs in the benchmark process. Account: ${CONTACTS.toLocaleString('en-US')} contacts, seed 1.`,
  );
} finally {
  if (existsSync(TMP)) rmSync(TMP, { recursive: true, force: true });
}
emitResult({ name: 'e2e', title: 'End to end (acsync sync, real binary)', notes, figures });
