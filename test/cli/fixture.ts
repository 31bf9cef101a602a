// Shared set-up for the CLI tests: a real emulator in this process and a config file in a temp dir.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { type CliResult, runCli, tempDir } from '../support/env.ts';

export interface SourceYaml {
  name?: string;
  url?: string;
  apiKey?: string;
  tablePrefix?: string;
  schedule?: string;
  resources?: string;
  destination?: string;
  requestsPerSecond?: number;
  extra?: string;
}

/** `${AC_API_KEY}`, as written in the YAML. */
const ENV_KEY = '$'.concat('{AC_API_KEY}');

export function sourceYaml(s: SourceYaml, url: string): string {
  return [
    `  - name: ${JSON.stringify(s.name ?? 'Test Source')}`,
    '    accountName: emulator',
    `    url: ${s.url ?? url}`,
    `    apiKey: ${s.apiKey ?? ENV_KEY}`,
    `    tablePrefix: ${s.tablePrefix ?? 'ac_'}`,
    `    schedule: ${s.schedule ?? '{ type: manual }'}`,
    `    resources: ${s.resources ?? '[contacts, tags, contact_tags]'}`,
    `    requestsPerSecond: ${s.requestsPerSecond ?? 0}`,
    ...(s.destination ? [`    destination: ${s.destination}`] : []),
    ...(s.extra ? [s.extra] : []),
  ].join('\n');
}

export interface CliFixture {
  dir: string;
  emulator: RunningEmulator;
  /** Writes acsync.yaml (or `file`) with a DuckDB destination and the given sources; returns its path. */
  config(sources: SourceYaml[], opts?: { file?: string; destinations?: string }): string;
  /** Runs acsync in the temp dir with AC_API_KEY set to the emulator's key. */
  cli(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  close(): Promise<void>;
}

export async function cliFixture(tag: string, contacts = 200): Promise<CliFixture> {
  const tmp = tempDir(tag);
  const emulator = await startEmulator({ port: 0, contacts, rateLimit: 0, seed: 7 });
  return {
    dir: tmp.path,
    emulator,
    config(sources, opts = {}) {
      const file = join(tmp.path, opts.file ?? 'acsync.yaml');
      const destinations =
        opts.destinations ?? '  warehouse:\n    type: duckdb\n    path: ./warehouse.duckdb';
      writeFileSync(
        file,
        `destinations:\n${destinations}\nsources:\n${sources.map((s) => sourceYaml(s, emulator.url)).join('\n')}\n`,
      );
      return file;
    },
    cli: (args, env = {}) =>
      runCli(args, { cwd: tmp.path, env: { AC_API_KEY: emulator.apiKey, ACSYNC_LOG_LEVEL: 'info', ...env } }),
    async close() {
      await emulator.close();
      tmp.cleanup();
    },
  };
}

/** The last stdout line as JSON (the `--json` contract). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** stderr lines that are JSON log records. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
