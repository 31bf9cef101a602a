// `acsync reset`: forget a source's cursors so the next sync reads everything again. Data stays.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import { resolveResources } from '../../extract/catalog.ts';
import { out, parseList, readConfig, withConfigOption, withWarehouse } from '../context.ts';

export function register(program: Command): void {
  withConfigOption(program.command('reset'))
    .description("forget a source's cursors: the next sync re-reads everything (tables are kept)")
    .requiredOption('-s, --source <name>', 'the source to reset')
    .option('-r, --resources <list>', 'only these resources (comma-separated)', parseList)
    .addHelpText(
      'after',
      `
Rows already loaded stay; the next sync re-reads the reset resources in full and merges by id.
Use it after changing lookbackHours, or when a table was edited by hand.

Examples:
  $ acsync reset --source "ActiveCampaign Prod"
  $ acsync reset --source "ActiveCampaign Prod" --resources contacts,deals`,
    )
    .action(async (opts: { config: string; source: string; resources?: string[] }) => {
      const config = readConfig(opts.config);
      const [source] = selectSources(config, opts.source);
      const resources = opts.resources ? resolveResources(opts.resources) : undefined;
      await withWarehouse(config, source!, (t) => t.resetState(resources));
      out(
        resources
          ? `${source!.name}: forgot the cursors of ${resources.join(', ')}; the next sync reads them in full.`
          : `${source!.name}: forgot every cursor; the next sync reads everything.`,
      );
    });
}
