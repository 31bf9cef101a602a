// `acsync sync --enqueue`: ask the fleet for a run now. The run waits in its account's queue like any other:
// it starts as soon as no other run of that account is going and a worker is free.
import type { LoadedConfig } from '../config/load.ts';
import type { SourceConfig } from '../core/contracts.ts';
import { ConfigError } from '../core/errors.ts';
import { sourceHash } from './config.ts';
import type { FleetDb, RunJobData } from './queue.ts';

export interface Enqueued {
  source: string;
  account: string;
  /** The queued job, or the one already waiting. */
  jobId: string;
  status: 'queued' | 'already-queued';
  /** The config changed since `fleet apply`: workers run what their own config says. */
  warning?: string;
}

export async function enqueueRuns(
  db: FleetDb,
  config: LoadedConfig,
  sources: SourceConfig[],
  opts: { fullRefresh?: boolean; resources?: string[] } = {},
): Promise<Enqueued[]> {
  const out: Enqueued[] = [];
  for (const source of sources) {
    const [row] = await db.query<{ account: string; queue: string; config_hash: string }>(
      `SELECT account, queue, config_hash FROM ${db.sources} WHERE name = $1`,
      [source.name],
    );
    if (!row)
      throw new ConfigError(
        `source "${source.name}" is not in the fleet yet: run \`acsync fleet apply\` first (it registers every source)`,
      );
    const warning =
      row.config_hash !== sourceHash(config, source)
        ? `the settings of "${source.name}" changed since the last \`acsync fleet apply\`; run it so the fleet agrees`
        : undefined;
    const result = await db.tx(async (tx) => {
      // One waiting manual run per source is enough: a second request joins it (unless it asks for something else).
      const waiting = (await db.pendingJobs(source.name, tx, true)).find(
        (j) =>
          j.data.reason === 'enqueue' &&
          !j.data.runKey &&
          Boolean(j.data.fullRefresh) === Boolean(opts.fullRefresh) &&
          JSON.stringify(j.data.resources ?? null) === JSON.stringify(opts.resources ?? null),
      );
      if (waiting) return { jobId: waiting.id, status: 'already-queued' as const };
      const data: RunJobData = { source: source.name, reason: 'enqueue' };
      if (opts.fullRefresh) data.fullRefresh = true;
      if (opts.resources) data.resources = opts.resources;
      const jobId = await db.boss.send(row.queue, data, { db: tx.boss });
      if (!jobId) throw new Error(`the queue refused the run of "${source.name}"`);
      return { jobId, status: 'queued' as const };
    });
    out.push({ source: source.name, account: row.account, ...result, ...(warning ? { warning } : {}) });
  }
  return out;
}
