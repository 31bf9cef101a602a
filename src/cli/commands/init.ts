// `acsync init`: writes a commented starter acsync.yaml, from flags or, on a terminal, by asking.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { normaliseApiUrl } from '../../api/url.ts';
import { displayPath } from '../../config/load.ts';
import { starterConfig } from '../../config/starter.ts';
import { ConfigError } from '../../core/errors.ts';
import { validateTablePrefix } from '../../warehouse/naming.ts';
import { out, withConfigOption } from '../context.ts';

interface InitFlags {
  config: string;
  name?: string;
  account?: string;
  url?: string;
  apiKeyEnv: string;
  prefix: string;
  destination: string;
  path: string;
  postgresUrl?: string;
  force?: boolean;
  interactive?: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks each answer with the rule that will judge it later, so init never writes an invalid file. */
function check(
  flags: Required<Pick<InitFlags, 'url' | 'account' | 'prefix' | 'apiKeyEnv' | 'destination'>> & InitFlags,
) {
  normaliseApiUrl(flags.url);
  const prefixProblem = validateTablePrefix(flags.prefix);
  if (prefixProblem) throw new ConfigError(prefixProblem, '--prefix');
  if (!ENV_NAME.test(flags.apiKeyEnv))
    throw new ConfigError(`"${flags.apiKeyEnv}" is not an environment variable name`, '--api-key-env');
  if (flags.destination !== 'duckdb' && flags.destination !== 'postgres')
    throw new ConfigError(`expected duckdb or postgres, got "${flags.destination}"`, '--destination');
  if (flags.destination === 'postgres' && !/^postgres(ql)?:\/\//.test(flags.postgresUrl ?? ''))
    throw new ConfigError(
      'a postgres destination needs --postgres-url postgres://user@host:5432/db',
      '--postgres-url',
    );
}

async function ask(flags: InitFlags): Promise<InitFlags> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const question = async (q: string, fallback?: string) => {
    const a = (await rl.question(fallback ? `${q} [${fallback}]: ` : `${q}: `)).trim();
    return a || fallback || '';
  };
  try {
    out('Answers go into acsync.yaml; the API key itself stays in an environment variable.');
    const url = await question('API URL (Settings > Developer > API Access)', flags.url);
    const guess =
      flags.account ??
      (() => {
        try {
          return new URL(url).hostname.split('.')[0];
        } catch {
          return undefined;
        }
      })();
    const account = await question('Account name (Settings > Account)', guess);
    const apiKeyEnv = await question('Environment variable holding the API key', flags.apiKeyEnv);
    const prefix = await question('Table prefix (tables are <prefix>rudder_<resource>)', flags.prefix);
    const destination = await question('Destination: duckdb or postgres', flags.destination);
    const more =
      destination === 'postgres'
        ? { postgresUrl: await question('PostgreSQL URL', flags.postgresUrl) }
        : { path: await question('DuckDB file', flags.path) };
    return { ...flags, url, account, apiKeyEnv, prefix, destination, ...more };
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  withConfigOption(program.command('init'))
    .description('write a commented starter acsync.yaml')
    .option('--name <name>', 'source name (also the default schema name)', 'ActiveCampaign')
    .option('--account <name>', 'account name (default: the first label of --url)')
    .option('--url <url>', 'API URL from Settings > Developer (default: https://<account>.api-us1.com)')
    .option('--api-key-env <VAR>', 'environment variable that will hold the API key', 'AC_API_KEY')
    .option('--prefix <prefix>', 'table prefix, used verbatim', 'ac_')
    .option('--destination <type>', 'duckdb or postgres', 'duckdb')
    .option('--path <file>', 'DuckDB file (relative to the config file)', './warehouse.duckdb')
    .option('--postgres-url <url>', 'PostgreSQL URL, for --destination postgres')
    .option('--force', 'overwrite an existing config file')
    .option('--no-interactive', 'never prompt, even on a terminal')
    .addHelpText(
      'after',
      `
On a terminal, init asks for anything not given as a flag. Elsewhere, give --url or --account.

Examples:
  $ acsync init --url https://mycompany.api-us1.com
  $ acsync init --account mycompany --prefix ac_ --destination postgres --postgres-url postgres://me@localhost/db
  $ export AC_API_KEY=...   # then: acsync check`,
    )
    .action(async (opts: InitFlags) => {
      const file = resolve(opts.config);
      if (existsSync(file) && !opts.force)
        throw new ConfigError(`${displayPath(file)} already exists; pass --force to overwrite it`);
      let flags = opts;
      if (process.stdin.isTTY && process.stdout.isTTY && opts.interactive !== false) flags = await ask(opts);
      if (!flags.url && !flags.account)
        throw new ConfigError(
          'give the API URL (--url https://mycompany.api-us1.com) or the account name (--account)',
        );
      const url = flags.url || `https://${flags.account}.api-us1.com`;
      const account = flags.account || new URL(normaliseApiUrl(url)).hostname.split('.')[0]!;
      const full = { ...flags, url, account };
      check(full);
      const text = starterConfig({
        sourceName: full.name ?? 'ActiveCampaign',
        accountName: account,
        url,
        apiKeyEnv: full.apiKeyEnv,
        tablePrefix: full.prefix,
        destination:
          full.destination === 'postgres'
            ? { type: 'postgres', url: full.postgresUrl! }
            : { type: 'duckdb', path: full.path },
      });
      writeFileSync(file, text, { mode: 0o600 });
      out(`Wrote ${displayPath(file)}.`);
      out('Next:');
      out(`  export ${full.apiKeyEnv}=<your API key>   # Settings > Developer > API Access`);
      out(`  acsync check${opts.config === './acsync.yaml' ? '' : ` --config ${opts.config}`}`);
      out(`  acsync sync${opts.config === './acsync.yaml' ? '' : ` --config ${opts.config}`}`);
    });
}
