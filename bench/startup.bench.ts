// CLI start-up: `acsync --help` from the compiled build (what `npm install` leaves) and from the sources
// through tsx (what runs when src/ is newer than the build). Wall and CPU time per run, from bash's `time`,
// so the figures cover the whole process (Node's own start-up included).
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitResult, type Figure } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 15;

const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('the build failed');

function measure(env: Record<string, string>): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const res = spawnSync(
      'bash',
      ['-c', `TIMEFORMAT='%R %U %S'; time node bin/acsync.js --help > /dev/null`],
      { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`acsync --help failed: ${res.stderr}`);
    const [r, u, s] = res.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    wall.push(r * 1000);
    cpu.push((u + s) * 1000);
  }
  return { wall, cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = loadavg()[0];
const compiled = measure({});
const source = measure({ ACSYNC_FROM_SOURCE: '1' });

const figures: Figure[] = [
  {
    key: 'help_wall_ms_p50',
    value: Math.round(median(compiled.wall)),
    unit: 'ms',
    target: '< 500',
    definition: `Wall time of \`acsync --help\` (node bin/acsync.js, compiled build in dist/), median of ${RUNS} runs.`,
  },
  {
    key: 'help_wall_ms_max',
    value: Math.round(Math.max(...compiled.wall)),
    unit: 'ms',
    definition: 'Same runs, slowest.',
  },
  {
    key: 'help_cpu_ms_p50',
    value: Math.round(median(compiled.cpu)),
    unit: 'ms',
    definition: 'CPU time (user + system) of the same process, median.',
  },
  {
    key: 'help_from_source_wall_ms_p50',
    value: Math.round(median(source.wall)),
    unit: 'ms',
    definition:
      'The same command run from the TypeScript sources through tsx (ACSYNC_FROM_SOURCE=1), as 0.1 always did.',
  },
  {
    key: 'help_from_source_cpu_ms_p50',
    value: Math.round(median(source.cpu)),
    unit: 'ms',
    definition: 'CPU time of that, median.',
  },
];
emitResult({
  name: 'startup',
  title: 'CLI start-up',
  notes: [
    `${cpus().length} CPUs; load average ${load.toFixed(1)} when the runs started.`,
    '`npm install` builds dist/ (the prepare script, esbuild with code splitting: `--help` compiles only the command definitions, not DuckDB, PostgreSQL or the emulator).',
  ],
  figures,
});
