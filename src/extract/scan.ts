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
import { IncompleteScanError, type PageFetcher } from './fetcher.ts';
import { withKey } from './keys.ts';
import {
  arrayOf,
  keysetPages,
  offsetPages,
  type PagePosition,
  type RawPage,
  timeKeysetPages,
} from './paginate.ts';
import { type ResourceState, readState, toJson } from './state.ts';

export interface ScanPlan {
  /** The resource whose request this is (for sideloads: the parent, even if not selected). */
  source: ResourceDef;
  /** Selected resources fed by this scan; the first one that pages is `source` when selected. */
  members: ResourceDef[];
}

/** Groups selected resources into scans: side-loaded resources ride along with their parent's requests. */
export function planScans(selected: ResourceDef[]): ScanPlan[] {
  const plans = new Map<string, ScanPlan>();
  for (const def of selected) {
    const source = def.paging === 'sideload' ? findResource(def.sideloadOf!)! : def;
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
}

/**
 * Yields the scan's pages. A scan that cannot show it read everything yields its last page with the cursor
 * left where it was, then throws IncompleteScanError saying why (the resource fails; the next run retries).
 */
export async function* runScan(plan: ScanPlan, opts: ScanOptions): AsyncGenerator<ScanPage> {
  const startedAt = opts.startedAt ?? Date.now();
  // Mid-scan resume only for single-resource scans: members of a shared scan commit separately.
  const canResume = plan.members.length === 1 && !opts.fullRefresh;
  const members: MemberRun[] = plan.members.map((def) => {
    const prev = opts.fullRefresh ? readState(null) : readState(opts.states.get(def.name));
    const cursor = openCursor(def, prev, {
      startedAt,
      lookbackHours: opts.lookbackHours,
      fullRefresh: opts.fullRefresh,
      resume: canResume,
    });
    return { def, prev, cursor, isSource: def === plan.source };
  });
  const start: PagePosition = canResume && members[0].prev.scan ? members[0].prev.scan.position : {};

  const source = plan.source;
  // A server-side filter narrows the request itself: only when the scan feeds just that resource.
  const alone = plan.members.length === 1 && members[0].isSource;
  const params: QueryParams = { ...source.params };
  const target = {
    client: opts.client,
    path: source.path,
    arrayKey: source.arrayKey,
    primaryKey: source.primaryKey,
    params,
    counter: opts.counter,
    prefetch: opts.prefetch,
  };
  let pages: AsyncGenerator<RawPage>;
  if (source.paging === 'keyset-time' && source.incremental.kind === 'server') {
    // The time filter is the keyset itself: the scan starts at `since`.
    const since = alone ? members[0].cursor.since : null;
    pages = timeKeysetPages(
      { ...target, timeField: source.cursorFields[0], timeParam: source.incremental.param },
      start,
      since,
    );
  } else {
    if (alone) Object.assign(params, requestParams(source, members[0].cursor));
    pages = source.paging === 'keyset-id' ? keysetPages(target, start) : offsetPages(target, start);
  }

  for await (const raw of pages) {
    const out: ExtractedPage[] = [];
    for (const m of members) {
      const returned = m.isSource ? raw.records : arrayOf(raw.body, m.def.arrayKey);
      const candidates = m.isSource ? raw.fresh : returned;
      const records: SourceRecord[] = [];
      for (const rec of candidates) {
        const t = updateTime(m.def, rec);
        m.cursor = observe(m.cursor, t);
        if (shouldWrite(m.def, m.cursor, t)) records.push(withKey(rec, m.def.primaryKey));
      }
      const state = stateAfterPage(m.def, m.cursor, m.prev, {
        done: raw.done,
        position: raw.next,
        incomplete: raw.incomplete,
      });
      out.push({
        resource: m.def.name,
        records,
        events: returned.length,
        primaryKey: m.def.primaryKey,
        state: toJson(state),
      });
    }
    yield { pages: out, bytes: raw.bytes, done: raw.done && !raw.incomplete, total: raw.total };
    if (raw.incomplete) throw new IncompleteScanError(`/${source.path}: incomplete scan: ${raw.incomplete}`);
  }
}
