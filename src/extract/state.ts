// The per-resource state the extractor stores in the destination (opaque JSON to the warehouse), committed
// in the same transaction as the rows it describes:
//   cursor — newest update time seen by the last COMPLETED scan (ISO UTC), never past that run's start
//            minus a skew allowance (cursor.ts); the next scan starts from cursor − look-back. It only moves
//            when a scan completes, so it never runs ahead of committed data.
//   scan   — the unfinished scan, if any: its lower bound, where to resume, and the newest time seen so far.
import type { JsonObject } from '../core/contracts.ts';
import type { PagePosition } from './paginate.ts';

export interface ScanProgress {
  /** Records older than this (ISO) are not written again; null = write everything. */
  since: string | null;
  position: PagePosition;
  maxSeen: string | null;
  /** This scan stages the ids it sees for delete detection (warehouse/deletes.ts) since its first page. */
  stage?: true;
}

export interface ResourceState {
  v: 1;
  cursor: string | null;
  scan?: ScanProgress;
  /** A child of contacts whose include= proved incomplete: read by its own direct scan (sideload.ts). */
  direct?: true;
}

export const EMPTY_STATE: ResourceState = { v: 1, cursor: null };

/** Reads a stored state defensively: anything unrecognised means "no state" (a full scan). */
export function readState(json: JsonObject | null | undefined): ResourceState {
  if (json?.v !== 1) return { ...EMPTY_STATE };
  const cursor = typeof json.cursor === 'string' ? json.cursor : null;
  const direct = json.direct === true ? { direct: true as const } : {};
  const scan = json.scan as JsonObject | undefined;
  if (!scan || typeof scan !== 'object' || Array.isArray(scan)) return { v: 1, cursor, ...direct };
  const pos = (scan.position ?? {}) as JsonObject;
  const position: PagePosition = {};
  if (typeof pos.after === 'string') position.after = pos.after;
  if (Array.isArray(pos.parts)) {
    position.parts = (pos.parts as JsonObject[]).map((p) => ({
      after: typeof p.after === 'string' ? p.after : null,
      below: typeof p.below === 'string' ? p.below : null,
      done: p.done === true,
    }));
  }
  if (typeof pos.offset === 'number') position.offset = pos.offset;
  if (typeof pos.lastKey === 'string' || pos.lastKey === null)
    position.lastKey = pos.lastKey as string | null;
  if (Array.isArray(pos.anchors))
    position.anchors = pos.anchors.filter((k) => typeof k === 'string') as string[];
  if (typeof pos.seen === 'number') position.seen = pos.seen;
  if (typeof pos.grown === 'number') position.grown = pos.grown;
  if (typeof pos.from === 'string') position.from = pos.from;
  return {
    v: 1,
    cursor,
    ...direct,
    scan: {
      since: typeof scan.since === 'string' ? scan.since : null,
      position,
      maxSeen: typeof scan.maxSeen === 'string' ? scan.maxSeen : null,
      ...(scan.stage === true ? { stage: true as const } : {}),
    },
  };
}

export function toJson(state: ResourceState): JsonObject {
  const out: JsonObject = { v: 1, cursor: state.cursor };
  if (state.direct) out.direct = true;
  if (state.scan) {
    const position: JsonObject = {};
    const p = state.scan.position;
    if (p.after !== undefined) position.after = p.after;
    if (p.parts) position.parts = p.parts.map((x) => ({ after: x.after, below: x.below, done: x.done }));
    if (p.offset !== undefined) position.offset = p.offset;
    if (p.lastKey !== undefined) position.lastKey = p.lastKey;
    if (p.anchors !== undefined) position.anchors = [...p.anchors];
    if (p.seen !== undefined) position.seen = p.seen;
    if (p.grown !== undefined) position.grown = p.grown;
    if (p.from !== undefined) position.from = p.from;
    out.scan = { since: state.scan.since, position, maxSeen: state.scan.maxSeen };
    if (state.scan.stage) (out.scan as JsonObject).stage = true;
  }
  return out;
}
