// `acsync fleet apply` and `acsync fleet status`: put the config's sources into the fleet's job queue, and
// see what the fleet is doing. Workers are started with `acsync worker`.
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/load.ts';
import type { Logger } from '../../core/log.ts';
import { redactDeep } from '../../core/secrets.ts';
import type { FleetDb } from '../../fleet/queue.ts';
import type { FleetStatus } from '../../fleet/status.ts';
import { cliLogger, out, readConfig, withConfigOption } from '../context.ts';
import { formatDuration, renderTable } from '../table.ts';

/** Checks the config is fit for fleet mode, opens the fleet database, runs `fn`, closes. */
export async function withFleet<T>(
  config: LoadedConfig,
  role: 'admin' | 'reader',
  logger: Logger,
  fn: (db: FleetDb) => Promise<T>,
): Promise<T> {
  const { requireFleet } = await import('../../fleet/config.ts');
  const fleet = requireFleet(config);
  const { FleetDb } = await import('../../fleet/queue.ts');
  const db = await FleetDb.open(fleet, role, logger);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const when = (d: Date | string | null) =>
  d ? `${new Date(d).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—';

function ago(at: string, now = Date.now()): string {
  return `${formatDuration(Math.max(0, now - new Date(at).getTime()))} ago`;
}

export function renderStatus(s: FleetStatus): string {
  const lines: string[] = [];
  const alive = s.workers.filter((w) => w.alive);
  const dead = s.sources.reduce((n, x) => n + x.deadLetters.length, 0);
  lines.push(
    `Fleet ${s.database} (schema ${s.schema}): ${alive.length} worker(s) alive, ${s.sources.length} source(s), ` +
      `${dead} dead letter(s)`,
  );
  lines.push('');
  lines.push(
    renderTable(
      ['source', 'account', 'last run', 'next run', 'now'],
      s.sources.map((x) => {
        const last = x.lastRun
          ? `${x.lastRun.status}${x.lastRun.finishedAt ? ` ${when(x.lastRun.finishedAt)}` : ''}`
          : 'never';
        const now = x.running
          ? `running on ${x.running.host ?? x.running.worker} (segment ${x.running.segment}, since ${ago(x.running.since)})`
          : x.queued.length
            ? `queued (${x.queued.length}${x.queued.some((q) => q.state === 'retry') ? ', retrying' : ''})`
            : 'idle';
        return [x.source, x.account, last, when(x.nextRun), now];
      }),
    ),
  );
  const failing = s.sources.filter((x) => x.failure);
  if (failing.length) {
    lines.push('', 'Failures:');
    for (const x of failing)
      lines.push(
        `  ${x.source}: ${x.failure!.status === 'dead' ? 'gave up' : 'retrying'}: ${x.failure!.error ?? ''}`,
      );
  }
  const letters = s.sources.flatMap((x) => x.deadLetters.map((d) => ({ ...d, source: x.source })));
  if (letters.length) {
    lines.push(
      '',
      'Dead letters (runs that failed after their retries; re-run with `acsync sync --enqueue`):',
    );
    lines.push(
      renderTable(
        ['source', 'when', 'error'],
        letters.map((d) => [d.source, when(d.at), (d.error ?? '').slice(0, 120)]),
      ).replace(/^/gm, '  '),
    );
  }
  if (s.workers.length) {
    lines.push('', 'Workers:');
    lines.push(
      renderTable(
        ['worker', 'state', 'heartbeat', 'runs', 'metrics'],
        s.workers.map((w) => [
          w.id,
          w.alive ? w.state : w.state === 'stopped' ? 'stopped' : 'lost',
          ago(w.heartbeatAt),
          w.running.length ? w.running.join(', ') : '—',
          w.metrics ?? '—',
        ]),
      ).replace(/^/gm, '  '),
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('fleet mode: put sources into the queue (apply) and see what the workers do (status)')
    .addHelpText(
      'after',
      `
Fleet mode runs syncs on any number of \`acsync worker\` processes, on any number of machines, coordinated
by a job queue in PostgreSQL (the "fleet:" section of acsync.yaml). At most one run per ActiveCampaign
account goes at a time, fleet-wide; a worker that dies is replaced within about 1.25 × fleet.leaseSeconds.

Examples:
  $ acsync fleet apply                 # after every change to acsync.yaml
  $ acsync worker --concurrency 4      # on each machine (see: acsync worker --help)
  $ acsync fleet status
  $ acsync sync --enqueue --source "ActiveCampaign Prod"`,
    );

  withConfigOption(fleet.command('apply'))
    .description("schedule every source in the fleet's queue (idempotent)")
    .option('--json', 'print the changes as one JSON object on stdout')
    .addHelpText(
      'after',
      `
Registers each source with its account and schedule, and queues its next slot. Run it after every change
to the config: unchanged sources are left alone (a second apply changes nothing), changed ones are
rescheduled, and sources no longer in the file are unscheduled (their waiting jobs cancelled; a run in
progress finishes). Every worker must use the same acsync.yaml: a worker whose copy of a source differs
from what apply stored leaves that source to the others.

Fleet mode writes to PostgreSQL destinations only: a DuckDB file takes one writing process on one
machine, so a config that sends a source to DuckDB is refused (exit 2).

Examples:
  $ acsync fleet apply
  $ acsync fleet apply --config /etc/acsync/acsync.yaml --json`,
    )
    .action(async (opts: { config: string; json?: boolean }) => {
      const logger = cliLogger();
      const config = readConfig(opts.config, logger);
      const { applyFleet } = await import('../../fleet/apply.ts');
      const changes = await withFleet(config, 'admin', logger, (db) => applyFleet(db, config));
      if (opts.json) {
        out(
          JSON.stringify({
            changes: changes.map((c) => ({ ...c, nextRun: c.nextRun?.toISOString() ?? null })),
          }),
        );
        return;
      }
      out(
        renderTable(
          ['source', 'account', 'change', 'next run'],
          changes.map((c) => [c.source, c.account, c.action, c.action === 'removed' ? '—' : when(c.nextRun)]),
        ),
      );
      const count = (a: string) => changes.filter((c) => c.action === a).length;
      out();
      out(
        `${count('added')} added, ${count('changed')} changed, ${count('removed')} removed, ` +
          `${count('unchanged')} unchanged`,
      );
    });

  withConfigOption(fleet.command('status'))
    .description('per source: last run, next run, what runs where, failures and dead letters')
    .option('--json', 'print the status as one JSON object on stdout')
    .addHelpText(
      'after',
      `
Read from the fleet database: the runs (with the worker running each one), the jobs waiting in the queue,
the dead-letter queue, and the workers with their last heartbeat ("lost" when it is older than two leases).

Examples:
  $ acsync fleet status
  $ acsync fleet status --json | jq '.sources[] | select(.failure)'`,
    )
    .action(async (opts: { config: string; json?: boolean }) => {
      const logger = cliLogger();
      const config = readConfig(opts.config, logger);
      const { fleetStatus } = await import('../../fleet/status.ts');
      const status = await withFleet(config, 'reader', logger, (db) => fleetStatus(db));
      out(opts.json ? JSON.stringify(redactDeep(status)) : renderStatus(status));
    });
}
