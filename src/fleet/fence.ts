// Fencing: a worker that stalled (a long GC pause, a network partition) and wakes after its run was taken
// over must not commit. Each source has a lease token in its destination (`_acsync_lease`, one row per table
// prefix in the source's schema). Whoever starts a run segment bumps the token; every transaction that
// commits the source's batch + state, or its run history, re-reads the token under a row lock just before
// COMMIT and refuses to commit when it is no longer its own. The bump and the check serialise on that row
// lock, so after a takeover no commit of the old owner can land, and whatever the old owner read but had not
// committed is simply read again by the new owner, which resumes from the last committed state.
//
// It lives in the destination, not the queue database, because only a check inside the destination's own
// transaction can make "batch + state" and "still the owner" one atomic fact. PostgreSQL destinations only:
// fleet mode refuses DuckDB, and the warehouses still to come need a transactional row read to join in.
import pg from 'pg';
import type { CommitPrecondition, DestinationConfig, SourceConfig } from '../core/contracts.ts';
import { DestinationUnreachableError, describeError } from '../core/errors.ts';
import { DIALECTS } from '../warehouse/dialects.ts';
import { schemaFor } from '../warehouse/index.ts';
import { quoteIdent, transformName } from '../warehouse/naming.ts';

export const LEASE_TABLE = '_acsync_lease';

/**
 * The run's lease moved to another worker. Fatal to the run, like a lost destination: nothing more of this
 * segment may be written (it extends DestinationUnreachableError so the pipeline stops the whole run).
 */
export class FencedError extends DestinationUnreachableError {
  constructor(
    readonly mine: number,
    readonly current: number,
  ) {
    super(
      `another worker took over this run (lease token ${mine} is now ${current}): this batch was not committed; ` +
        'the new owner resumes from the last committed state',
    );
  }
}

export interface Fence {
  token: number;
  /** The precondition every commit of this segment runs. */
  guard: CommitPrecondition;
}

function where(dest: DestinationConfig, source: Pick<SourceConfig, 'name' | 'tablePrefix'>) {
  const schema = schemaFor(dest, source.name);
  return {
    table: `${quoteIdent(schema)}.${quoteIdent(LEASE_TABLE)}`,
    schema,
    prefix: transformName(DIALECTS[dest.type], source.tablePrefix),
  };
}

/** Takes the source's lease in its destination: bumps the token, invalidating every earlier holder. */
export async function takeFence(
  dest: DestinationConfig,
  source: Pick<SourceConfig, 'name' | 'tablePrefix'>,
  holder: string,
): Promise<Fence> {
  if (dest.type !== 'postgres') throw new Error(`fencing needs a PostgreSQL destination (got ${dest.type})`);
  const w = where(dest, source);
  const client = new pg.Client({ connectionString: dest.url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new DestinationUnreachableError(`cannot reach destination "${dest.name}": ${describeError(err)}`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(w.schema)}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${w.table} (table_prefix text PRIMARY KEY, token bigint NOT NULL, ` +
            'holder text NOT NULL, taken_at timestamptz NOT NULL)',
        );
        break;
      } catch (err) {
        // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog; the loser tries again.
        const code = (err as { code?: string }).code ?? '';
        if (attempt >= 3 || !['23505', '42P07', '42P06', '42710'].includes(code)) throw err;
      }
    }
    const { rows } = await client.query(
      `INSERT INTO ${w.table} (table_prefix, token, holder, taken_at) VALUES ($1, 1, $2, now()) ` +
        `ON CONFLICT (table_prefix) DO UPDATE SET token = ${w.table}.token + 1, holder = EXCLUDED.holder, ` +
        'taken_at = now() RETURNING token',
      [w.prefix, holder],
    );
    const token = Number(rows[0]!.token);
    return { token, guard: fenceGuard(dest, source, token) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The commit precondition: the lease row still carries `token` (locked until the transaction ends). */
export function fenceGuard(
  dest: DestinationConfig,
  source: Pick<SourceConfig, 'name' | 'tablePrefix'>,
  token: number,
): CommitPrecondition {
  const w = where(dest, source);
  const sql = `SELECT token FROM ${w.table} WHERE table_prefix = $1 FOR UPDATE`;
  return async (tx) => {
    const rows = await tx.query(sql, [w.prefix]);
    const current = rows.length ? Number(rows[0]!.token) : 0;
    if (current !== token) throw new FencedError(token, current);
  };
}
