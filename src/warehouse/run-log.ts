// The run log: one row per (run, resource) in the destination, so history survives restarts and is
// shared by every machine syncing there. A process that is killed cannot end its own run, so a new run
// marks whatever its source left `running` as failed.
import type { ResourceOutcome, RunHistoryRow, RunStatus } from '../core/contracts.ts';
import { redact } from '../core/secrets.ts';
import type { RecordSpec, RecordTable } from './storage.ts';

export const RUNS_TABLE = '_acsync_runs';

export const RUNS_SPEC: RecordSpec = {
  table: RUNS_TABLE,
  columns: [
    { name: 'run_id', type: 'string', nullable: false },
    { name: 'source', type: 'string', nullable: false },
    { name: 'table_prefix', type: 'string', nullable: false },
    { name: 'resource', type: 'string', nullable: false },
    { name: 'table_name', type: 'string', nullable: false },
    { name: 'events', type: 'int', nullable: false },
    { name: 'rows_written', type: 'int', nullable: false },
    { name: 'started_at', type: 'datetime', nullable: false },
    { name: 'finished_at', type: 'datetime' },
    { name: 'status', type: 'string', nullable: false },
    { name: 'error', type: 'string' },
    // Issue 10: the run's tier, the requests this resource took and the rows it marked deleted (added to
    // history tables of earlier versions when a target opens them).
    { name: 'tier', type: 'string' },
    { name: 'requests', type: 'int' },
    { name: 'deleted', type: 'int' },
  ],
  key: ['run_id', 'resource'],
};

const STALE_RUN = 'the run ended without finishing (process stopped)';

export class RunLog {
  constructor(
    private readonly table: RecordTable,
    /** Whose runs: the source's name and normalised table prefix. */
    private readonly owner: { source: string; table_prefix: string },
    private readonly tableFor: (resource: string) => string,
  ) {}

  /** Marks the owner's stale `running` rows failed, then writes a `running` row per resource. */
  async start(run: {
    runId: string;
    startedAt: Date;
    resources: readonly string[];
    tier?: string;
  }): Promise<void> {
    await this.table.update(
      { ...this.owner, status: 'running' },
      { status: 'failed', finished_at: run.startedAt, error: STALE_RUN },
    );
    await this.table.insert(
      run.resources.map((resource) => ({
        run_id: run.runId,
        ...this.owner,
        resource,
        table_name: this.tableFor(resource),
        events: 0,
        rows_written: 0,
        started_at: run.startedAt,
        finished_at: null,
        status: 'running',
        error: null,
        tier: run.tier ?? null,
        requests: null,
        deleted: null,
      })),
    );
  }

  async finish(runId: string, resource: string, outcome: ResourceOutcome): Promise<void> {
    const ended = {
      events: outcome.events,
      rows_written: outcome.rowsWritten,
      status: outcome.status,
      error: outcome.error == null ? null : redact(outcome.error),
      finished_at: outcome.finishedAt,
      ...(outcome.requests !== undefined ? { requests: outcome.requests } : {}),
      ...(outcome.deleted !== undefined ? { deleted: outcome.deleted } : {}),
    };
    const updated = await this.table.update({ run_id: runId, resource }, ended);
    if (updated === 0)
      // A resource the run did not announce (or a history table that was wiped): record it anyway.
      await this.table.insert([
        {
          run_id: runId,
          resource,
          ...this.owner,
          table_name: this.tableFor(resource),
          started_at: outcome.finishedAt,
          ...ended,
        },
      ]);
  }

  /** The owner's rows, newest run first. */
  async history(limit: number): Promise<RunHistoryRow[]> {
    const rows = await this.table.find(this.owner, {
      orderBy: [
        ['started_at', 'desc'],
        ['run_id', 'desc'],
        ['resource', 'asc'],
      ],
      limit,
    });
    return rows.map((r) => ({
      runId: String(r.run_id),
      source: String(r.source),
      resource: String(r.resource),
      tableName: String(r.table_name),
      events: Number(r.events),
      rowsWritten: Number(r.rows_written),
      startedAt: r.started_at as Date,
      finishedAt: (r.finished_at as Date | null) ?? null,
      status: String(r.status) as RunStatus,
      error: r.error == null ? null : String(r.error),
      tier: r.tier == null ? null : String(r.tier),
      requests: r.requests == null ? null : Number(r.requests),
      deleted: r.deleted == null ? null : Number(r.deleted),
    }));
  }
}
