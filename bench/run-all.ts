// `npm run bench`: runs every benchmark script one after another and regenerates BENCHMARKS.md, so no figure
// in it is hand-edited. Each script prints, as its last stdout line, a JSON object
// `{"name": string, "title"?: string, "notes"?: string[], "figures": Figure[]}`.
// `npm run bench -- startup e2e` reruns only the named scripts: the other sections keep their last figures,
// read back from bench/results.json (committed beside BENCHMARKS.md), each with the date it was measured.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, type Figure, parseBenchLine, renderReport } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The benchmark scripts, in report order. */
const SCRIPTS = [
  'startup.bench.ts',
  'emulator.bench.ts',
  'extract.bench.ts',
  'load.bench.ts',
  'load-clickhouse.bench.ts',
  'load-lake.bench.ts',
  'e2e.bench.ts',
  'fleet.bench.ts',
  'ratelimit.bench.ts',
  'requests.bench.ts',
];
const RESULTS = join(ROOT, 'bench/results.json');

function runScript(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const only = process.argv.slice(2);
const unknown = only.filter((o) => !SCRIPTS.some((f) => f.startsWith(o)));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; scripts: ${SCRIPTS.join(', ')}\n`);
  process.exit(2);
}
// Last figures of every benchmark, by name: a partial run replaces only the ones it reran.
const previous = new Map<string, BenchResult>(
  existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchResult[]).map((r) => [r.name, r])
    : [],
);
const results: BenchResult[] = [];
let failed = 0;
for (const file of SCRIPTS) {
  const name = file.replace(/\.bench\.ts$/, '');
  if (only.length && !only.some((o) => file.startsWith(o))) {
    const kept = previous.get(name);
    if (kept) results.push(kept);
    continue;
  }
  process.stderr.write(`\n== ${file}\n`);
  const started = Date.now();
  const { code, stdout } = await runScript(file);
  const parsed = parseBenchLine(stdout);
  if (code !== 0 || !parsed) {
    failed++;
    results.push({
      name,
      figures: [],
      notes: [`FAILED: exit code ${code}; ${parsed ? '' : 'no figures line printed'}`],
    });
  } else {
    results.push({
      ...parsed,
      seconds: Math.round((Date.now() - started) / 1000),
      measuredAt: new Date().toISOString(),
    });
  }
}

// Figures the full-size stress suites recorded (`npm run test:stress` writes them; see test/proof/suites/figures.ts).
const STRESS_FIGURES = join(ROOT, 'bench/.out/stress-figures.json');
if (!existsSync(STRESS_FIGURES)) {
  const kept = previous.get('stress');
  if (kept) results.push(kept);
} else {
  const suites = JSON.parse(readFileSync(STRESS_FIGURES, 'utf8')) as Record<
    string,
    { at: string; figures: Figure[] }
  >;
  results.push({
    name: 'stress',
    title: 'Stress suites (npm run test:stress, full size)',
    notes: Object.entries(suites).map(([suite, s]) => `${suite}: recorded ${s.at}`),
    figures: Object.values(suites).flatMap((s) => s.figures),
  });
}

const report = renderReport(results, {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
});
writeFileSync(join(ROOT, 'BENCHMARKS.md'), report);
writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
process.stderr.write(`\nwrote BENCHMARKS.md (${results.length} benchmarks, ${failed} failed)\n`);
process.exitCode = failed ? 1 : 0;
