// One scan = one walk over one API collection, feeding one or more resources (the /fields scan feeds
// fields, field_options and field_rels). For every page it yields one ExtractedPage per resource, with the
// events (records the API returned), the records to write (the cursor's rule applied) and the state that
// becomes true once those records are committed. The incremental rule lives in cursor.ts; the scan only
// wires it to a paginator, over the small PageFetcher interface (fetcher.ts).
import type { QueryParams, RequestCounter } from '../api/client.ts';
import type { ExtractedPage, JsonObject, SourceRecord } from '../core/contracts.ts';
import { findResource, type ResourceDef } from './catalog.ts';
import {
  type Cursor,
  observe,
  openCursor,
  requestParams,
  shouldWrite,
  stateAfterPage,
  updateTime,
} from './cursor.ts';
import { IncompleteScanError, type PageFetcher, totalHint } from './fetcher.ts';
import { recordKey, withKey } from './keys.ts';
import {
  arrayOf,
  keysetPages,
  offsetPages,
  type PagePosition,
  type RawPage,
  timeKeysetPages,
} from './paginate.ts';
import { checkInclude, includeParam, totalsAgree, withoutIncludeIds } from './sideload.ts';
import { type ResourceState, readState, toJson } from './state.ts';

export interface ScanPlan {
  /** The resource whose request this is (for sideloads: the parent, even if not selected). */
  source: ResourceDef;
  /** Selected resources fed by this scan; the first one that pages is `source` when selected. */
  members: ResourceDef[];
}

/**
 * Groups selected resources into scans: side-loaded resources ride along with their parent's requests, and
 * children of contacts ride on the contacts scan through include= (unless `sideload` is off, contacts is
 * not selected, or the child is in `direct`: its include= proved incomplete on this account).
 */
export function planScans(
  selected: ResourceDef[],
  opts: { sideload?: boolean; direct?: ReadonlySet<string> } = {},
): ScanPlan[] {
  const plans = new Map<string, ScanPlan>();
  const names = new Set(selected.map((d) => d.name));
  const rides = (def: ResourceDef) =>
    def.includedBy !== undefined &&
    opts.sideload !== false &&
    names.has(def.includedBy.parent) &&
    !opts.direct?.has(def.name);
  for (const def of selected) {
    const source =
      def.paging === 'sideload'
        ? findResource(def.sideloadOf!)!
        : rides(def)
          ? findResource(def.includedBy!.parent)!
          : def;
    const key = source.name;
    let plan = plans.get(key);
    if (!plan) {
      plan = { source, members: [] };
      plans.set(key, plan);
    }
    plan.members.push(def);
  }
  return [...plans.values()];
}

export interface ScanOptions {
  /** Where pages come from (an ApiClient in production). */
  client: PageFetcher;
  /** Stored state per member resource (null when none). */
  states: Map<string, JsonObject | null>;
  lookbackHours: number;
  fullRefresh: boolean;
  counter: RequestCounter;
  prefetch?: number;
  /** When the run started (epoch ms): stored cursors never pass it. Default: when the scan starts. */
  startedAt?: number;
  /**
   * A side-loaded child's include= proved incomplete (sideload.ts): its state now says `direct`, and the
   * caller runs its direct scan. Called once per child and scan.
   */
  onIncomplete?: (resource: string, reason: string) => void;
  /** Verify side-loaded children against their collections' meta.total at the end (default true). */
  verify?: boolean;
  /**
   * Use the API's date filter (default true). A reconcile reads contacts and deals whole instead, writing
   * only what changed (the cursor then filters on the client) and seeing every id.
   */
  serverFilter?: boolean;
  /** Stage the ids of members read whole, for delete detection (ExtractedPage.seen). */
  trackDeletes?: boolean;
}

export interface ScanPage {
  pages: ExtractedPage[];
  /** The collection's `meta.total` when the API sent one (progress only). */
  total: number | null;
  /** Response bytes of this page (for batch sizing). */
  bytes: number;
  done: boolean;
}

interface MemberRun {
  def: ResourceDef;
  prev: ResourceState;
  cursor: Cursor;
  isSource: boolean;
  /** Side-loaded on a date-filtered parent scan: only the changed parents' children are seen. */
  partial: boolean;
  /** include= was found incomplete for this child during this scan. */
  incomplete: boolean;
  /** Rows side-loaded so far (for the meta.total check). */
  seen: number;
  /** Stages its ids for delete detection; `fresh` until its first page is handed over. */
  staging: boolean;
  fresh: boolean;
}

/**
 * Yields the scan's pages. A scan that cannot show it read everything yields its last page with the cursor
 * left where it was, then throws IncompleteScanError saying why (the resource fails; the next run retries).
 * Every member of a scan commits in the same unit of work (the pipeline writes a scan's batches together),
 * so a scan resumes where its last commit left it, side-loaded children included.
 */
export async function* runScan(plan: ScanPlan, opts: ScanOptions): AsyncGenerator<ScanPage> {
  const startedAt = opts.startedAt ?? Date.now();
  const canResume = !opts.fullRefresh;
  const source = plan.source;
  const members: MemberRun[] = plan.members.map((def) => {
    const prev = opts.fullRefresh ? readState(null) : readState(opts.states.get(def.name));
    const cursor = openCursor(def, prev, {
      startedAt,
      lookbackHours: opts.lookbackHours,
      fullRefresh: opts.fullRefresh,
      resume: canResume,
    });
    return {
      def,
      prev,
      cursor,
      isSource: def === source,
      partial: false,
      incomplete: false,
      seen: 0,
      staging: false,
      fresh: false,
    };
  });
  const lead = members.find((m) => m.isSource) ?? members[0];
  const start: PagePosition = canResume && lead.prev.scan ? lead.prev.scan.position : {};
  const resumed = Object.keys(start).length > 0;

  // A server-side filter narrows the request itself: only when nothing else than side-loaded children of
  // the changed parents rides on it (their cursors then stay where the last full scan left them).
  const sourceRun = members.find((m) => m.isSource);
  const filterable =
    opts.serverFilter !== false &&
    sourceRun !== undefined &&
    plan.members.every((d) => d === source || d.includedBy !== undefined);
  const params: QueryParams = { ...source.params };
  const include = includeParam(plan.members.filter((d) => d !== source));
  if (include) params.include = include;
  const target = {
    client: opts.client,
    path: source.path,
    arrayKey: source.arrayKey,
    primaryKey: source.primaryKey,
    params,
    counter: opts.counter,
    prefetch: opts.prefetch,
  };
  let filtered = false;
  let pages: AsyncGenerator<RawPage>;
  if (source.paging === 'keyset-time' && source.incremental.kind === 'server') {
    // The time filter is the keyset itself: the scan starts at `since`.
    const since = filterable ? sourceRun.cursor.since : null;
    filtered = since !== null;
    pages = timeKeysetPages(
      { ...target, timeField: source.cursorFields[0], timeParam: source.incremental.param },
      start,
      since,
    );
  } else {
    if (filterable) {
      const filter = requestParams(source, sourceRun.cursor);
      filtered = Object.keys(filter).length > 0;
      Object.assign(params, filter);
    }
    pages = source.paging === 'keyset-id' ? keysetPages(target, start) : offsetPages(target, start);
  }
  if (filtered) for (const m of members) if (!m.isSource) m.partial = true;
  if (opts.trackDeletes && !filtered) {
    // A resumed scan stages only if it did from its first page (a fast-tier scan resumed here did not).
    for (const m of members) {
      m.staging = !resumed || m.prev.scan?.stage === true;
      m.fresh = !resumed;
    }
  }

  let firstTotal: number | null = null;
  let lastTotal: number | null = null;
  for await (const raw of pages) {
    if (raw.total !== null) {
      firstTotal ??= raw.total;
      lastTotal = raw.total;
    }
    // include= verified per page: every id a contact lists must have come back as a row.
    for (const m of members) {
      if (!m.def.includedBy || m.isSource || m.incomplete) continue;
      const check = checkInclude(m.def, raw.records, raw.body);
      if (check.missing > 0) {
        m.incomplete = true;
        opts.onIncomplete?.(
          m.def.name,
          `include=${m.def.includedBy.include} on /${source.path} returned ${check.listed - check.missing} of the ${check.listed} rows its contacts list on one page`,
        );
      }
    }
    const complete = raw.done && !raw.incomplete;
    // Only a scan read whole in this process knows how many rows it side-loaded.
    if (complete && opts.verify !== false && !resumed && !filtered) {
      await verifyTotals(members, opts, firstTotal, lastTotal, source.path);
    }
    const out: ExtractedPage[] = [];
    for (const m of members) {
      const returned = m.isSource ? raw.records : arrayOf(raw.body, m.def.arrayKey);
      const candidates = m.isSource
        ? include
          ? raw.fresh.map((r) => withoutIncludeIds(r, plan.members))
          : raw.fresh
        : returned;
      if (m.def.includedBy && !m.isSource) m.seen += returned.length;
      const records: SourceRecord[] = [];
      for (const rec of candidates) {
        // Children of changed parents are written whole and leave the cursor with the last full scan.
        if (m.partial) {
          records.push(withKey(rec, m.def.primaryKey));
          continue;
        }
        const t = updateTime(m.def, rec);
        m.cursor = observe(m.cursor, t);
        if (shouldWrite(m.def, m.cursor, t)) records.push(withKey(rec, m.def.primaryKey));
      }
      const page: ExtractedPage = {
        resource: m.def.name,
        records,
        events: returned.length,
        primaryKey: m.def.primaryKey,
        state: toJson(memberState(m, raw)),
      };
      if (m.staging) {
        page.seen = {
          ids: returned.map((r) => recordKey(r, m.def.primaryKey)),
          fresh: m.fresh,
          complete: complete && !m.incomplete,
        };
        m.fresh = false;
      }
      out.push(page);
    }
    yield { pages: out, bytes: raw.bytes, done: complete, total: raw.total };
    if (raw.incomplete) throw new IncompleteScanError(`/${source.path}: incomplete scan: ${raw.incomplete}`);
  }
}

function memberState(m: MemberRun, raw: RawPage): ResourceState {
  // An incomplete include: keep the cursor of the last verified scan and ask for the direct scan.
  if (m.incomplete) return { v: 1, cursor: m.prev.cursor, direct: true };
  // Children of the changed parents only: the cursor stays with the last full scan.
  if (m.partial) return { v: 1, cursor: m.prev.cursor };
  const state = stateAfterPage(m.def, m.cursor, m.prev, {
    done: raw.done,
    position: raw.next,
    incomplete: raw.incomplete,
  });
  // A child read directly after a failed include stays direct (a full refresh forgets it).
  if (m.prev.direct) state.direct = true;
  if (state.scan && m.staging) state.scan.stage = true;
  return state;
}

/** The end-of-scan check of side-loaded children against their own collections' meta.total. */
async function verifyTotals(
  members: MemberRun[],
  opts: ScanOptions,
  firstTotal: number | null,
  lastTotal: number | null,
  parentPath: string,
): Promise<void> {
  const parents = lastTotal ?? 0;
  const drift = firstTotal !== null && lastTotal !== null ? lastTotal - firstTotal : 0;
  for (const m of members) {
    if (!m.def.includedBy || m.isSource || m.incomplete) continue;
    const res = await opts.client.get(m.def.path, { limit: 1 }, opts.counter);
    const total = totalHint(res.body);
    if (total === null) continue;
    const perParent = parents > 0 ? total / parents : 1;
    if (!totalsAgree(m.seen, total, drift, perParent)) {
      m.incomplete = true;
      opts.onIncomplete?.(
        m.def.name,
        `include=${m.def.includedBy.include} on /${parentPath} side-loaded ${m.seen} rows; /${m.def.path} counts ${total}`,
      );
    }
  }
}
