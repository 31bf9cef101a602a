// `acsync sync`: one run of one source, or of every source in turn.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import { resolveResources } from '../../extract/catalog.ts';
import { cliLogger, parseList, readConfig, withConfigOption } from '../context.ts';
import { wantsLiveProgress } from '../progress.ts';
import { stopOnSignals, syncMany } from '../sync-runner.ts';

export function register(program: Command): void {
  withConfigOption(program.command('sync'))
    .description('sync now: every source in turn, or one with --source')
    .option('-s, --source <name>', 'only this source')
    .option(
      '-r, --resources <list>',
      "only these resources (comma-separated), instead of the source's list",
      parseList,
    )
    .option('--full-refresh', 'ignore the stored cursors and read everything (rows are merged by id)')
    .option('--json', 'print the run summary as one JSON object on stdout (logs stay on stderr)')
    .addHelpText(
      'after',
      `
Incremental by default: each resource continues from its stored cursor (minus lookbackHours). Rows are
merged by id; each batch commits with its cursor, so an interrupted sync (Ctrl-C, crash) resumes.
Ctrl-C once stops after the current batches; twice exits at once.

Output: on a terminal, live progress and a summary table. Otherwise (or with --json), JSON log lines on
stderr; --json prints {"runId","status","events","durationMs","resources":[...]} as the last stdout line
(one line per source when several run).

Exit codes: 0 success (skipped resources are not failures), 1 failed or partial, 2 bad usage/config,
3 API refused the key/account, 4 destination unreachable.

Examples:
  $ acsync sync
  $ acsync sync --source "ActiveCampaign Prod" --resources contacts,deals
  $ acsync sync --full-refresh --json > last-run.json`,
    )
    .action(
      async (opts: {
        config: string;
        source?: string;
        resources?: string[];
        fullRefresh?: boolean;
        json?: boolean;
      }) => {
        const live = wantsLiveProgress(opts.json ?? false);
        const logger = cliLogger({ live });
        const config = readConfig(opts.config, live ? undefined : logger);
        const sources = selectSources(config, opts.source);
        if (opts.resources) resolveResources(opts.resources); // fail before anything starts
        const ctl = stopOnSignals(logger);
        const { exitCode } = await syncMany(config, sources, {
          resources: opts.resources,
          fullRefresh: opts.fullRefresh,
          json: opts.json,
          signal: ctl.signal,
          logger,
        });
        process.exitCode = exitCode;
      },
    );
}
