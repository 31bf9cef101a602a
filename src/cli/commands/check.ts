// `acsync check`: is the config valid, does the API accept the key, can the destination be reached?
// Checks everything it can and says what failed; the exit code is the most serious failure.
import type { Command } from 'commander';
import { displayPath, selectSources } from '../../config/load.ts';
import { describeError, exitCodeFor } from '../../core/errors.ts';
import { out, readConfig, withConfigOption, withWarehouse } from '../context.ts';
import { worstExitCode } from '../exit.ts';

export function register(program: Command): void {
  withConfigOption(program.command('check'))
    .description('validate the config, test the API key and reach the destination')
    .option('-s, --source <name>', 'check only this source')
    .addHelpText(
      'after',
      `
Checks, per source: the config file (line and path of every problem), the API key (GET /api/3/users/me)
and the destination (connects, creates the schema and acsync's tables if missing).

Exit codes: 0 all good, 2 config problem, 3 API refused the key/account, 4 destination unreachable,
1 API unreachable.

Examples:
  $ acsync check
  $ acsync check --config prod.yaml --source "ActiveCampaign Prod"`,
    )
    .action(async (opts: { config: string; source?: string }) => {
      const config = readConfig(opts.config);
      const sources = selectSources(config, opts.source);
      const { verifyCredentials } = await import('../../api/verify.ts');
      const { schemaFor } = await import('../../warehouse/index.ts');
      out(
        `config       ok    ${displayPath(config.file)}: ${config.sources.length} source(s), ${Object.keys(config.destinations).length} destination(s)`,
      );
      const codes: number[] = [];
      for (const source of sources) {
        out(`${source.name}:`);
        try {
          const user = await verifyCredentials(source);
          out(`  API        ok    ${source.url} accepts the key (user ${user.username || 'unnamed'})`);
        } catch (e) {
          codes.push(exitCodeFor(e));
          out(`  API        FAIL  ${describeError(e)}`);
        }
        const dest = config.destinations[source.destination]!;
        const where =
          dest.type === 'duckdb' || dest.type === 'local-datalake'
            ? `${dest.type} ${dest.path}`
            : dest.type === 's3-datalake'
              ? `s3-datalake s3://${dest.bucket}/${dest.prefix ?? ''}`
              : `${dest.type} ${describeDestination(dest.url)}`;
        try {
          await withWarehouse(config, source, async (t) => {
            out(`  warehouse  ok    ${where}, schema ${t.schema}, e.g. table ${t.tableFor('contacts')}`);
          });
        } catch (e) {
          codes.push(exitCodeFor(e));
          out(`  warehouse  FAIL  ${where} (schema ${schemaFor(dest, source.name)}): ${describeError(e)}`);
        }
      }
      process.exitCode = worstExitCode(codes);
    });
}

/** host:port/db without user or password. */
function describeDestination(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(bad URL)';
  }
}
