// `acsync run`: the scheduler daemon. Runs each scheduled source on its schedule until stopped.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import { describeError } from '../../core/errors.ts';
import { runDaemon } from '../../schedule/daemon.ts';
import { upcomingRuns } from '../../schedule/next-run.ts';
import { cliLogger, readConfig, withConfigOption, withWarehouse } from '../context.ts';
import { stopOnSignals, syncOne } from '../sync-runner.ts';

export function register(program: Command): void {
  withConfigOption(program.command('run'))
    .description('run the scheduler: sync each source on its schedule until stopped')
    .option('-s, --source <name>', 'only this source')
    .addHelpText(
      'after',
      `
Schedules (UTC): basic runs at startAt + whole intervals each day; cron follows the expression (in its
timezone); manual sources are listed and left alone. A source never overlaps itself: a slot that comes
while its previous run is still going is skipped (and logged). Sources sharing a destination take turns.

On start, a source that never ran, or whose last slot passed while acsync was stopped, runs at once (one
catch-up run); otherwise it waits for its next slot, so a restart does not repeat a run. The DuckDB file is
open only while a run writes, so history/check/sync work from another shell between runs.

Stop with Ctrl-C or SIGTERM: running syncs commit their current batch and save state, then acsync exits.
Logs are JSON lines on stderr.

Examples:
  $ acsync run
  $ nohup acsync run --config /etc/acsync.yaml 2>> acsync.log &`,
    )
    .action(async (opts: { config: string; source?: string }) => {
      const logger = cliLogger();
      const config = readConfig(opts.config, logger);
      const sources = selectSources(config, opts.source);
      for (const s of sources) {
        const next = upcomingRuns(s.schedule, new Date(), 3).map((d) => d.toISOString());
        logger.info({ source: s.name, schedule: s.schedule, upcoming: next }, 'source');
      }
      const ctl = stopOnSignals(logger);
      await runDaemon({
        sources,
        logger,
        signal: ctl.signal,
        lastStarted: async (source) => {
          try {
            const rows = await withWarehouse(config, source, (t) => t.history({ limit: 1 }));
            return rows[0]?.startedAt ?? null;
          } catch (e) {
            logger.warn(
              { source: source.name, err: describeError(e) },
              'could not read history; treating as never run',
            );
            return null;
          }
        },
        runSource: async (source, signal) => {
          const r = await syncOne(config, source, { quiet: true, signal, logger });
          if (r.exitCode !== 0)
            logger.warn({ source: source.name, exitCode: r.exitCode, error: r.error }, 'run did not succeed');
        },
      });
      logger.info('stopped');
    });
}
