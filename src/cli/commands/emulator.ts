// `acsync emulator`: serve a generated ActiveCampaign account on localhost until SIGINT/SIGTERM.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { type EmulatorOptions, parseLatency, startEmulator } from '../../emulator/index.ts';

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
  ideal?: boolean;
  unsortedOrder?: string;
  tieOrder?: string;
  churn?: string;
  churnCollections?: string;
  timezone?: string;
  futureDates?: string;
  plan?: string;
  tenantRps?: string;
  burst503?: string;
  junk200?: string;
  childWritesTouchContact?: string;
  includeCap?: string;
  requestLog?: string;
}

function onOff(value: string, flag: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`${flag} must be on or off, got "${value}"`);
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
    .option('--ideal', 'idealised realism (id order, stable ties, UTC, …) for every knob not given')
    .option('--unsorted-order <order>', 'lists without an honoured sort: scrambled (hard) or id (ideal)')
    .option('--tie-order <order>', 'ties of documented sorts: shuffled per request (hard) or stable (ideal)')
    .option('--churn <rate>', 'records inserted or deleted per list request of a collection (default 0)')
    .option('--churn-collections <names>', 'comma-separated collections churn applies to (default all)')
    .option('--timezone <zone>', 'IANA time zone of the account (hard: Australia/Adelaide, ideal: UTC)')
    .option('--future-dates <share>', 'share of records with future-capable fields holding a future date')
    .option('--plan <plan>', 'lite, plus, professional or enterprise (default: everything served)')
    .option(
      '--tenant-rps <n>',
      'requests/s another API user takes from the budget (hard: 1 with a rate limit)',
    )
    .option(
      '--burst-503 <p>',
      'probability that a request over the limit gets 503 instead of 429 (hard: 0.2)',
    )
    .option(
      '--junk-200 <p>',
      'probability that a list answer is an HTML page or {} with status 200 (hard: 0.002)',
    )
    .option(
      '--child-writes-touch-contact <on|off>',
      "writes to a contact's field values, tags, lists move its udate",
    )
    .option(
      '--include-cap <n>',
      'include= on /contacts side-loads at most N children per contact and relation',
    )
    .option('--request-log <file>', 'append every request to FILE as JSON lines')
    .action(async (flags: Flags) => {
      let latency: [number, number];
      try {
        latency = parseLatency(flags.latency);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
      const optional = <T>(value: string | undefined, parse: (v: string) => T) =>
        value === undefined ? undefined : parse(value);
      const log = flags.requestLog ? createWriteStream(flags.requestLog, { flags: 'a' }) : undefined;
      const options: EmulatorOptions = {
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
        realism: flags.ideal ? 'ideal' : 'hard',
        unsortedOrder: flags.unsortedOrder as EmulatorOptions['unsortedOrder'],
        tieOrder: flags.tieOrder as EmulatorOptions['tieOrder'],
        churn: optional(flags.churn, (v) => number(v, '--churn')),
        churnCollections: optional(flags.churnCollections, (v) =>
          v
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        ),
        timezone: flags.timezone,
        futureDates: optional(flags.futureDates, (v) => number(v, '--future-dates')),
        plan: flags.plan,
        tenantRps: optional(flags.tenantRps, (v) => number(v, '--tenant-rps')),
        burst503: optional(flags.burst503, (v) => number(v, '--burst-503')),
        junk200: optional(flags.junk200, (v) => number(v, '--junk-200')),
        childWritesTouchContact: optional(flags.childWritesTouchContact, (v) =>
          onOff(v, '--child-writes-touch-contact'),
        ),
        includeCap: optional(flags.includeCap, (v) => integer(v, '--include-cap')),
        onRequestLog: log ? (entry) => log.write(`${JSON.stringify(entry)}\n`) : undefined,
      };
      let emulator: Awaited<ReturnType<typeof startEmulator>>;
      try {
        emulator = await startEmulator(options);
      } catch (err) {
        const message = (err as Error).message;
        // Option errors are usage errors; anything else (port in use) is reported as is.
        if (
          /^(--|port|seed|contacts|account|latency|rate limit|revoke-key-after|realism|unsorted-order|tie-order|churn|timezone|future-dates|plan|tenant-rps|burst-503|junk-200|include-cap)/.test(
            message,
          )
        )
          throw new ConfigError(message.startsWith('--') ? message : `--${message}`);
        throw err;
      }
      process.stdout.write(`ActiveCampaign emulator listening on ${emulator.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          emulator.close().then(
            () => (log ? log.end(resolve) : resolve()),
            () => resolve(),
          );
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
