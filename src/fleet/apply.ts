// `acsync fleet apply`: make the queue match the config. Each source gets a row in acsync_sources (its
// account, settings fingerprint and schedule) and, unless manual, one delayed job for its next slot in its
// account's queue. The slot is computed by the same rules as `acsync run` (schedule/next-run.ts): pg-boss 10
// keeps one cron expression per queue, and RudderStack's basic schedules do not all fit one expression.
// When a worker starts a slot's job it queues the slot after it, so the chain carries on by itself.
//
// Idempotent: a source whose fingerprint did not change, with its next slot queued, is left alone. A changed
// source is rescheduled (its queued slot cancelled and replaced); a source no longer in the config is
// unscheduled (every job of it not yet started is cancelled, its row removed).
import type { LoadedConfig } from '../config/load.ts';
import type { Schedule } from '../core/contracts.ts';
import { nextRun } from '../schedule/next-run.ts';
import { accountOf, queueFor } from './account.ts';
import { scheduleIntervalSeconds, sourceHash } from './config.ts';
import type { FleetDb, RunJobData, Tx } from './queue.ts';

export type ApplyAction = 'added' | 'changed' | 'unchanged' | 'removed';

export interface ApplyChange {
  source: string;
  account: string;
  action: ApplyAction;
  nextRun: Date | null;
  /** Jobs not yet started that were cancelled. */
  cancelled: number;
}

interface Desired {
  name: string;
  account: string;
  queue: string;
  hash: string;
  schedule: Schedule;
  interval: number | null;
}

interface Stored {
  name: string;
  account: string;
  queue: string;
  config_hash: string;
  next_run_at: Date | null;
  next_job: string | null;
}

export function desiredSources(config: LoadedConfig): Desired[] {
  return config.sources.map((s) => {
    const account = accountOf(s);
    return {
      name: s.name,
      account,
      queue: queueFor(account),
      hash: sourceHash(config, s),
      schedule: s.schedule,
      interval: scheduleIntervalSeconds(s.schedule),
    };
  });
}

/** Queues the slot after `after` for a source; returns it (null for manual schedules). */
export async function queueNextSlot(
  db: FleetDb,
  tx: Tx,
  source: { name: string; queue: string; schedule: Schedule },
  after: Date,
): Promise<Date | null> {
  const slot = nextRun(source.schedule, after);
  let id: string | null = null;
  if (slot) {
    const data: RunJobData = { source: source.name, reason: 'schedule', slot: slot.toISOString() };
    id = await db.boss.send(source.queue, data, { startAfter: slot, db: tx.boss });
  }
  await tx.query(`UPDATE ${db.sources} SET next_run_at = $2, next_job = $3 WHERE name = $1`, [
    source.name,
    slot,
    id,
  ]);
  return slot;
}

/** Cancels jobs of `source` not yet started (all, or only its scheduled slots), locked so no worker takes them meanwhile. */
async function cancelPending(db: FleetDb, tx: Tx, source: string, only?: 'schedule'): Promise<number> {
  const pending = (await db.pendingJobs(source, tx, true)).filter((j) => !only || j.data.reason === only);
  for (const j of pending) await db.boss.cancel(j.queue, j.id, { db: tx.boss });
  return pending.length;
}

export async function applyFleet(
  db: FleetDb,
  config: LoadedConfig,
  now = new Date(),
): Promise<ApplyChange[]> {
  const desired = desiredSources(config);
  await db.ensureQueues(new Set(desired.map((d) => d.queue)));
  return db.tx(async (tx) => {
    // One apply at a time: the rows are locked for the whole transaction.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('acsync-fleet-apply'))");
    const stored = new Map(
      (await tx.query<Stored>(`SELECT * FROM ${db.sources} FOR UPDATE`)).map((r) => [r.name, r]),
    );
    const changes: ApplyChange[] = [];
    for (const d of desired) {
      const row = stored.get(d.name);
      stored.delete(d.name);
      const upsert = () =>
        tx.query(
          `INSERT INTO ${db.sources} (name, account, queue, config_hash, schedule, interval_seconds, applied_at) ` +
            'VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (name) DO UPDATE SET account = EXCLUDED.account, ' +
            'queue = EXCLUDED.queue, config_hash = EXCLUDED.config_hash, schedule = EXCLUDED.schedule, ' +
            'interval_seconds = EXCLUDED.interval_seconds, applied_at = now()',
          [d.name, d.account, d.queue, d.hash, JSON.stringify(d.schedule), d.interval],
        );
      if (!row) {
        await upsert();
        const next = await queueNextSlot(db, tx, d, now);
        changes.push({ source: d.name, account: d.account, action: 'added', nextRun: next, cancelled: 0 });
      } else if (row.config_hash !== d.hash || row.queue !== d.queue) {
        // Another account means another queue: nothing of this source may wait in the old one.
        const cancelled = await cancelPending(db, tx, d.name, row.queue === d.queue ? 'schedule' : undefined);
        await upsert();
        const next = await queueNextSlot(db, tx, d, now);
        changes.push({ source: d.name, account: d.account, action: 'changed', nextRun: next, cancelled });
      } else {
        const slotQueued =
          d.schedule.type === 'manual' ||
          (await db.pendingJobs(d.name, tx)).some((j) => j.data.reason === 'schedule');
        // The chain was broken (its queued slot purged by hand, say): queue the next slot again.
        const next = slotQueued ? row.next_run_at : await queueNextSlot(db, tx, d, now);
        changes.push({
          source: d.name,
          account: d.account,
          action: slotQueued ? 'unchanged' : 'changed',
          nextRun: next,
          cancelled: 0,
        });
      }
    }
    for (const row of stored.values()) {
      const cancelled = await cancelPending(db, tx, row.name);
      await tx.query(`DELETE FROM ${db.sources} WHERE name = $1`, [row.name]);
      changes.push({ source: row.name, account: row.account, action: 'removed', nextRun: null, cancelled });
    }
    return changes;
  });
}
