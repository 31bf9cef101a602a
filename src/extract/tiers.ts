// Two tiers per source, so a scheduled sync costs what changed:
//   fast      — what the API can filter by date (contacts and deals by filters[updated_after] with the
//               changed contacts' children side-loaded, activities by `after`) plus every resource whose
//               last full read took at most FAST_MAX_PAGES pages;
//   reconcile — everything, in full: catches child changes that did not move their contact's udate,
//               resources with no date filter, and deletes (ids not seen are marked, see pipeline/deletes).
// A reconcile runs every `reconcileEveryHours` (0 = every run, the behaviour before tiers), on
// `sync --reconcile`, and whenever none has completed yet. What the tier needs between runs (when the last
// reconcile completed, each resource's size) is kept as one more state entry, TIER_STATE.
import type { JsonObject } from '../core/contracts.ts';
import type { ResourceDef } from './catalog.ts';
import { PAGE_SIZE } from './paginate.ts';

export type Tier = 'fast' | 'reconcile';
export type TierRequest = 'auto' | Tier;

/** The state table's entry for the tiers (not a resource: no table is named after it). */
export const TIER_STATE = '_tiers';
/** A resource whose last full read fit in this many pages is re-read on every fast tier. */
export const FAST_MAX_PAGES = 2;

export interface TierState {
  /** When the last reconcile that completed started (ISO); null = never. */
  reconciledAt: string | null;
  /** Records each resource returned on its last full read. */
  sizes: Record<string, number>;
}

export function readTierState(json: JsonObject | null | undefined): TierState {
  const at = json?.reconciledAt;
  const sizes: Record<string, number> = {};
  const raw = json?.sizes;
  if (raw && typeof raw === 'object' && !Array.isArray(raw))
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && v >= 0) sizes[k] = v;
  return { reconciledAt: typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : null, sizes };
}

export function tierStateJson(s: TierState): JsonObject {
  return { v: 1, reconciledAt: s.reconciledAt, sizes: { ...s.sizes } };
}

/** Which tier this run is, and why (shown in the summary). */
export function chooseTier(opts: {
  requested: TierRequest;
  reconcileEveryHours: number;
  state: TierState;
  now: Date;
}): { tier: Tier; reason: string } {
  if (opts.requested !== 'auto') return { tier: opts.requested, reason: `asked for (--${opts.requested})` };
  if (opts.reconcileEveryHours <= 0) return { tier: 'reconcile', reason: 'reconcileEveryHours is 0' };
  if (opts.state.reconciledAt === null)
    return { tier: 'reconcile', reason: 'no reconcile has completed yet' };
  const due = Date.parse(opts.state.reconciledAt) + opts.reconcileEveryHours * 3_600_000;
  if (opts.now.getTime() >= due)
    return { tier: 'reconcile', reason: `last reconcile ${opts.state.reconciledAt}` };
  return { tier: 'fast', reason: `next reconcile after ${new Date(due).toISOString()}` };
}

/**
 * Whether the fast tier reads a resource. `direct`: a child of contacts read by its own scan (its include=
 * proved incomplete), which is then judged by its size like any other.
 */
export function inFastTier(def: ResourceDef, state: TierState, direct: boolean): boolean {
  if (def.incremental.kind === 'server') return true;
  if (def.includedBy && !direct) return true;
  const sizeOf = def.paging === 'sideload' ? def.sideloadOf! : def.name;
  const size = state.sizes[sizeOf];
  // Never read in full: read it now, which measures it.
  if (size === undefined) return true;
  return size <= FAST_MAX_PAGES * PAGE_SIZE;
}

/**
 * The tier state after a run: sizes of the resources read in full, and the reconcile's start time when
 * every resource of a reconcile succeeded (otherwise the next run reconciles again).
 */
export function nextTierState(
  prev: TierState,
  run: {
    tier: Tier;
    startedAt: Date;
    fullReads: ReadonlyArray<{ name: string; events: number }>;
    allSucceeded: boolean;
  },
): TierState {
  const sizes = { ...prev.sizes };
  for (const r of run.fullReads) sizes[r.name] = r.events;
  const reconciledAt =
    run.tier === 'reconcile' && run.allSucceeded ? run.startedAt.toISOString() : prev.reconciledAt;
  return { reconciledAt, sizes };
}

/**
 * Whether a reconcile reads a date-filtered resource whole (contacts, deals: their ids are needed for
 * deletes, and children side-loaded on every contact). Activities stay on `after`: an append-only log.
 */
export function readsWholeOnReconcile(def: ResourceDef): boolean {
  return def.incremental.kind === 'server' && def.incremental.param === 'filters[updated_after]';
}
