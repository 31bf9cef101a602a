// `acsync query "SQL"`: run a query against a source's destination, with that source's schema as the
// default, so `SELECT * FROM ac_rudder_contacts` works without a DuckDB or psql client installed.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import { DestinationUnreachableError, describeError, SyncFailedError } from '../../core/errors.ts';
import { redactDeep } from '../../core/secrets.ts';
import type { QuerySession } from '../../warehouse/index.ts';
import { out, readConfig, withConfigOption } from '../context.ts';
import { renderTable } from '../table.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

export function register(program: Command): void {
  withConfigOption(program.command('query'))
    .description("run SQL against a source's destination (its schema is the default)")
    .argument('<sql>', 'the SQL to run')
    .option('-s, --source <name>', 'whose schema and destination to use (default: the first source)')
    .option('--json', 'print rows as a JSON array')
    .addHelpText(
      'after',
      `
Examples:
  $ acsync query "SELECT count(*) FROM ac_rudder_contacts"
  $ acsync query --config demo/acsync.yaml "SELECT id, email, updated_timestamp FROM ac_rudder_contacts ORDER BY updated_timestamp DESC LIMIT 5"`,
    )
    .action(async (sql: string, opts: { config: string; source?: string; json?: boolean }) => {
      const config = readConfig(opts.config);
      const source = opts.source ? selectSources(config, opts.source)[0]! : config.sources[0]!;
      const dest = config.destinations[source.destination]!;
      const { openQuery } = await import('../../warehouse/index.ts');
      let session: QuerySession;
      try {
        session = await openQuery(dest, source.name);
      } catch (e) {
        if (e instanceof DestinationUnreachableError) throw e;
        throw new DestinationUnreachableError(
          `could not open destination "${dest.name}": ${describeError(e)}`,
        );
      }
      try {
        let rows: Record<string, unknown>[];
        try {
          rows = await session.query(sql);
        } catch (e) {
          throw new SyncFailedError(`query failed: ${describeError(e)}`);
        }
        if (opts.json) {
          out(JSON.stringify(redactDeep(rows), (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
          return;
        }
        const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
        if (columns.length > 0)
          out(
            renderTable(
              columns,
              rows.map((r) => columns.map((c) => cell(r[c]))),
            ),
          );
        out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
      } finally {
        await session.close();
      }
    });
}
