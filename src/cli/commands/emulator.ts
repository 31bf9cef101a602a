// `acsync emulator`: serve a generated ActiveCampaign account on localhost until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { parseLatency, startEmulator } from '../../emulator/index.ts';

interface Flags {
  port: string;
  host: string;
  seed: string;
  account: string;
  contacts: string;
  apiKey: string;
  rateLimit: string;
  latency?: string;
  faults?: string;
  revokeKeyAfter?: string;
  hostile?: boolean;
}

function integer(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new ConfigError(`${flag} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function number(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new ConfigError(`${flag} must be a number >= 0, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('emulator')
    .description(
      'serve a generated ActiveCampaign API v3 account on localhost (for trying acsync and for tests)',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed for the generated account', '1')
    .option('--account <name>', 'account name (requests to NAME.localhost reach it)', 'emulator')
    .option('--contacts <n>', 'number of contacts; other collections scale from it', '1000')
    .option('--api-key <key>', 'the API key the account accepts', 'emulator-key')
    .option('--rate-limit <n>', 'requests per second per account (0 = off)', '5')
    .option('--latency <ms>', 'added delay per request in ms, MS or MIN-MAX')
    .option(
      '--faults <spec>',
      'fault probabilities, e.g. 500:0.02,503:0.01,403:0.002,empty:0.005,truncated:0.005,reset:0.002; ' +
        'test modes (off by default): storm429:P[:SECONDS], slow:MS:P',
    )
    .option('--revoke-key-after <n>', 'test mode: refuse the key after N authenticated requests')
    .option('--hostile', 'test mode: plant hostile records in tags and notes (see README)')
    .action(async (flags: Flags) => {
      let latency: [number, number];
      try {
        latency = parseLatency(flags.latency);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
      const options = {
        port: integer(flags.port, '--port'),
        host: flags.host,
        seed: integer(flags.seed, '--seed'),
        account: flags.account,
        contacts: integer(flags.contacts, '--contacts'),
        apiKey: flags.apiKey,
        rateLimit: number(flags.rateLimit, '--rate-limit'),
        latency,
        faults: flags.faults,
        revokeKeyAfter:
          flags.revokeKeyAfter === undefined
            ? undefined
            : integer(flags.revokeKeyAfter, '--revoke-key-after'),
        hostile: flags.hostile,
      };
      let emulator: Awaited<ReturnType<typeof startEmulator>>;
      try {
        emulator = await startEmulator(options);
      } catch (err) {
        const message = (err as Error).message;
        // Option errors are usage errors; anything else (port in use) is reported as is.
        if (/^(--|port|seed|contacts|account|latency|rate limit|revoke-key-after)/.test(message))
          throw new ConfigError(message);
        throw err;
      }
      process.stdout.write(`ActiveCampaign emulator listening on ${emulator.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          emulator.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
