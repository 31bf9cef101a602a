// What most commands share: the --config option, loading it (warnings to stderr), list options, loggers,
// and opening a source's warehouse view.
import { type Command, InvalidArgumentError } from 'commander';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { DEFAULTS } from '../config/rules.ts';
import type { SourceConfig, WarehouseTarget } from '../core/contracts.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';

export function withConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <path>', 'the config file', `./${DEFAULTS.configFile}`);
}

/** Loads the config; warnings go to stderr as text, or as log records when stderr carries JSON logs. */
export function readConfig(path: string, logger?: Logger): LoadedConfig {
  const config = loadConfig(path);
  for (const w of config.warnings) {
    if (logger) logger.warn(w);
    else process.stderr.write(`warning: ${redact(w)}\n`);
  }
  return config;
}

/** `a,b , c` → ['a', 'b', 'c']. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
}

/** On a terminal with live progress, only warnings and errors are logged (they would tear the bars). */
export function cliLogger(opts: { live?: boolean } = {}): Logger {
  return createLogger(opts.live ? { level: process.env.ACSYNC_LOG_LEVEL || 'warn' } : {});
}

/** Opens the source's view of its destination, runs `fn`, always closes. */
export async function withWarehouse<T>(
  config: LoadedConfig,
  source: SourceConfig,
  fn: (target: WarehouseTarget) => Promise<T>,
): Promise<T> {
  // Loaded on use: most of the warehouse layer is not needed to parse a command line.
  const { openWarehouse } = await import('../warehouse/index.ts');
  const target = await openWarehouse(config.destinations[source.destination]!, source);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

export function out(line = ''): void {
  process.stdout.write(`${redact(line)}\n`);
}

export function err(line = ''): void {
  process.stderr.write(`${redact(line)}\n`);
}
