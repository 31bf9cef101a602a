// `acsync history`: past runs, newest first, with events per resource, read from the destination.
import type { Command } from 'commander';
import { selectSources } from '../../config/load.ts';
import type { RunHistoryRow, RunStatus } from '../../core/contracts.ts';
import { redactDeep } from '../../core/secrets.ts';
import { runStatusOf } from '../../pipeline/run-status.ts';
import { out, parsePositiveInt, readConfig, withConfigOption, withWarehouse } from '../context.ts';
import { formatDuration, renderTable } from '../table.ts';

export interface RunHistory {
  runId: string;
  source: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  events: number;
  resources: {
    name: string;
    table: string;
    events: number;
    rowsWritten: number;
    status: RunStatus;
    error: string | null;
    requests: number | null;
    deleted: number | null;
  }[];
  /** fast or reconcile (issue 10); null for runs of earlier versions. */
  tier: string | null;
}

/** Groups per-resource history rows into runs, newest first, at most `limit` runs. */
export function groupRuns(rows: RunHistoryRow[], limit: number): RunHistory[] {
  const byRun = new Map<string, RunHistoryRow[]>();
  for (const r of rows) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  const runs = [...byRun.values()].map((rs): RunHistory => {
    const started = Math.min(...rs.map((r) => r.startedAt.getTime()));
    const finishedTimes = rs.map((r) => r.finishedAt?.getTime() ?? null);
    const finished = finishedTimes.includes(null) ? null : Math.max(...(finishedTimes as number[]));
    return {
      runId: rs[0]!.runId,
      source: rs[0]!.source,
      status: runStatusOf(rs.map((r) => r.status)),
      startedAt: new Date(started).toISOString(),
      finishedAt: finished === null ? null : new Date(finished).toISOString(),
      durationMs: finished === null ? null : finished - started,
      events: rs.reduce((n, r) => n + r.events, 0),
      tier: rs.find((r) => r.tier)?.tier ?? null,
      resources: rs
        .map((r) => ({
          name: r.resource,
          table: r.tableName,
          events: r.events,
          rowsWritten: r.rowsWritten,
          status: r.status,
          error: r.error,
          requests: r.requests ?? null,
          deleted: r.deleted ?? null,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit);
}

/** Rows to read for `limit` runs: one per resource per run, with room for custom objects. */
export const ROWS_PER_RUN = 200;

export function register(program: Command): void {
  withConfigOption(program.command('history'))
    .description('show past runs with events per resource, newest first')
    .option('-s, --source <name>', 'only this source')
    .option('-n, --limit <runs>', 'how many runs per source', parsePositiveInt, 10)
    .option('--json', 'print one JSON array of runs on stdout')
    .addHelpText(
      'after',
      `
History lives in the destination (table _acsync_runs), so it survives restarts and is shared by every
machine that syncs there. "events" are the records the API returned, as RudderStack counted them.

Examples:
  $ acsync history
  $ acsync history --source "ActiveCampaign Prod" --limit 3
  $ acsync history --json | jq '.[0].resources[] | select(.status != "success")'`,
    )
    .action(async (opts: { config: string; source?: string; limit: number; json?: boolean }) => {
      const config = readConfig(opts.config);
      const all: RunHistory[] = [];
      for (const source of selectSources(config, opts.source)) {
        const rows = await withWarehouse(config, source, (t) =>
          t.history({ limit: opts.limit * ROWS_PER_RUN }),
        );
        const runs = groupRuns(rows, opts.limit);
        all.push(...runs);
        if (opts.json) continue;
        out(`${source.name}: ${runs.length === 0 ? 'no runs yet' : `last ${runs.length} run(s)`}`);
        for (const run of runs) {
          out();
          out(
            `  ${run.startedAt.replace('T', ' ').slice(0, 19)} UTC  ${run.status.toUpperCase()}  ` +
              `${run.events.toLocaleString('en-US')} events` +
              `${run.durationMs === null ? '' : ` in ${formatDuration(run.durationMs)}`}  (run ${run.runId})${run.tier ? `  ${run.tier} tier` : ''}`,
          );
          const table = renderTable(
            ['resource', 'table', 'events', 'rows written', 'status', 'requests', 'deleted'],
            run.resources.map((r) => [
              r.name,
              r.table,
              r.events,
              r.rowsWritten,
              r.status,
              r.requests ?? '',
              r.deleted ?? '',
            ]),
          );
          out(table.replace(/^/gm, '    '));
          // Reasons under the table, so one long message does not widen every row.
          for (const r of run.resources.filter((x) => x.error))
            out(`    ${r.name} (${r.status}): ${r.error}`);
        }
        out();
      }
      if (opts.json) out(JSON.stringify(redactDeep(all)));
    });
}
