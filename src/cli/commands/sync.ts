// `acsync sync`: one run of one source, or of every source in turn.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import { resolveResources } from '../../extract/catalog.ts';
import { cliLogger, err, out, parseList, readConfig, withConfigOption } from '../context.ts';
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
    .option('--reconcile', 'run the reconcile tier now: re-read everything, mark deleted records')
    .option('--json', 'print the run summary as one JSON object on stdout (logs stay on stderr)')
    .option('--enqueue', 'fleet mode: ask the workers for a run now instead of running it here')
    .addHelpText(
      'after',
      `
Incremental by default: each resource continues from its stored cursor (minus lookbackHours). Rows are
merged by id; each batch commits with its cursor, so an interrupted sync (Ctrl-C, crash) resumes.
Tiers: a run is fast (what changed: date filters, contacts' children side-loaded, small resources) or,
every reconcileEveryHours (default 24) or with --reconcile, a reconcile (everything; deleted records get
_acsync_deleted_at).
Ctrl-C once stops after the current batches; twice exits at once.

Output: on a terminal, live progress and a summary table. Otherwise (or with --json), JSON log lines on
stderr; --json prints {"runId","status","events","durationMs","resources":[...]} as the last stdout line
(one line per source when several run).

Fleet mode: --enqueue puts the run into the fleet's queue (the "fleet:" section) and returns at once;
a worker runs it as soon as no other run of the same account is going. A run already waiting for the
source is not queued twice. --json prints {"source","account","jobId","status"} per source.

Exit codes: 0 success (skipped resources are not failures), 1 failed or partial, 2 bad usage/config,
3 API refused the key/account, 4 destination (or fleet database) unreachable.

Examples:
  $ acsync sync
  $ acsync sync --source "ActiveCampaign Prod" --resources contacts,deals
  $ acsync sync --full-refresh --json > last-run.json
  $ acsync sync --enqueue --source "ActiveCampaign Prod"`,
    )
    .action(
      async (opts: {
        config: string;
        source?: string;
        resources?: string[];
        fullRefresh?: boolean;
        reconcile?: boolean;
        json?: boolean;
        enqueue?: boolean;
      }) => {
        if (opts.enqueue) return enqueue(opts);
        const live = wantsLiveProgress(opts.json ?? false);
        const logger = cliLogger({ live });
        const config = readConfig(opts.config, live ? undefined : logger);
        const sources = selectSources(config, opts.source);
        if (opts.resources) resolveResources(opts.resources); // fail before anything starts
        const ctl = stopOnSignals(logger);
        const { exitCode } = await syncMany(config, sources, {
          resources: opts.resources,
          fullRefresh: opts.fullRefresh,
          ...(opts.reconcile ? { tier: 'reconcile' as const } : {}),
          json: opts.json,
          signal: ctl.signal,
          logger,
        });
        process.exitCode = exitCode;
      },
    );
}

async function enqueue(opts: {
  config: string;
  source?: string;
  resources?: string[];
  fullRefresh?: boolean;
  json?: boolean;
}): Promise<void> {
  const logger = cliLogger();
  const config = readConfig(opts.config, logger);
  const sources = selectSources(config, opts.source);
  if (opts.resources) resolveResources(opts.resources);
  const { withFleet } = await import('./fleet.ts');
  const { enqueueRuns } = await import('../../fleet/enqueue.ts');
  const results = await withFleet(config, 'reader', logger, (db) =>
    enqueueRuns(db, config, sources, { fullRefresh: opts.fullRefresh, resources: opts.resources }),
  );
  for (const r of results) {
    if (r.warning) err(`warning: ${r.warning}`);
    if (opts.json) out(JSON.stringify(r));
    else
      out(
        `${r.source}: ${r.status === 'queued' ? 'queued' : 'already queued'} (job ${r.jobId}, account ${r.account})`,
      );
  }
}
