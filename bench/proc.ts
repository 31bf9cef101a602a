// What the benchmarks share: reading a process's CPU time and peak memory from /proc, the in-process
// benchmarks' source and fresh DuckDB destination, and a one-source DuckDB config file for the benchmarks
// that run the real binary.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceConfig } from '../src/core/contracts.ts';
import type { RunningEmulator } from '../src/emulator/index.ts';

/** CPU seconds (user + system) a process has used so far, or 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
  } catch {
    return 0;
  }
}

/** Peak resident set of a process so far (VmHWM, kB), or 0 once it is gone. */
export function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A DuckDB destination at `dir/<name>.duckdb`, its file and WAL removed first. */
export function freshDuckDB(dir: string, name: string) {
  const path = join(dir, `${name}.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return { type: 'duckdb' as const, name: 'w', path };
}

/** Writes `dir/<name>.yaml`: one source on `em`, every resource, into `dir/<name>.duckdb`; returns its path. */
export function duckdbConfigFile(
  dir: string,
  name: string,
  em: RunningEmulator,
  requestsPerSecond: number | null,
): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    [
      'destinations:',
      '  warehouse:',
      '    type: duckdb',
      `    path: ${JSON.stringify(join(dir, `${name}.duckdb`))}`,
      'sources:',
      '  - name: Bench',
      '    accountName: emulator',
      `    url: ${JSON.stringify(em.url)}`,
      `    apiKey: ${JSON.stringify(em.apiKey)}`,
      '    tablePrefix: ac_',
      '    resources: all',
      ...(requestsPerSecond !== null ? [`    requestsPerSecond: ${requestsPerSecond}`] : []),
      '',
    ].join('\n'),
  );
  return path;
}

/** The in-process benchmarks' source on `em`: every resource into destination `w`, manual schedule. */
export function benchSource(em: RunningEmulator, over: Partial<SourceConfig> = {}): SourceConfig {
  return {
    name: 'Bench',
    accountName: 'emulator',
    url: em.url,
    apiKey: em.apiKey,
    tablePrefix: 'ac_',
    schedule: { type: 'manual' },
    resources: 'all',
    requestsPerSecond: 0,
    destination: 'w',
    lookbackHours: 24,
    ...over,
  };
}
