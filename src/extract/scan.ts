// One scan = one walk over one API collection, feeding one or more resources (the /fields scan feeds
// fields, field_options and field_rels). For every page it yields one ExtractedPage per resource, with the
// events (records the API returned), the records to write (client-side cursor applied) and the state that
// becomes true once those records are committed.
import type { ApiClient, QueryParams, RequestCounter } from '../api/client.ts';
import type { ExtractedPage, JsonObject, SourceRecord } from '../core/contracts.ts';
import { findResource, type ResourceDef } from './catalog.ts';
import { arrayOf, keysetPages, offsetPages, type PagePosition, pageTotal, type RawPage } from './paginate.ts';
import { type ResourceState, readState, toJson } from './state.ts';
import { newestOf, parseTimestamp, toDate, toIso } from './timestamps.ts';

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
  client: ApiClient;
  /** Stored state per member resource (null when none). */
  states: Map<string, JsonObject | null>;
  lookbackHours: number;
  fullRefresh: boolean;
  counter: RequestCounter;
  prefetch?: number;
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
  sinceMs: number | null;
  maxSeen: number | null;
  isSource: boolean;
}

export async function* runScan(plan: ScanPlan, opts: ScanOptions): AsyncGenerator<ScanPage> {
  const lookbackMs = Math.max(0, opts.lookbackHours) * 3_600_000;
  // Mid-scan resume only for single-resource scans: members of a shared scan commit separately.
  const canResume = plan.members.length === 1 && !opts.fullRefresh;
  const members: MemberRun[] = plan.members.map((def) => {
    const prev = opts.fullRefresh ? readState(null) : readState(opts.states.get(def.name));
    let sinceMs: number | null = null;
    let maxSeen: number | null = null;
    if (canResume && prev.scan) {
      sinceMs = parseTimestamp(prev.scan.since);
      maxSeen = parseTimestamp(prev.scan.maxSeen);
    } else if (def.incremental.kind !== 'full' && prev.cursor) {
      const c = parseTimestamp(prev.cursor);
      sinceMs = c === null ? null : c - lookbackMs;
    }
    return { def, prev, sinceMs, maxSeen, isSource: def === plan.source };
  });
  const start: PagePosition = canResume && members[0].prev.scan ? members[0].prev.scan.position : {};

  const params: QueryParams = { ...plan.source.params };
  // A server-side filter narrows the request itself: only when the scan feeds just that resource.
  const inc = plan.source.incremental;
  if (
    inc.kind === 'server' &&
    plan.members.length === 1 &&
    members[0].isSource &&
    members[0].sinceMs !== null
  ) {
    params[inc.param] = inc.format === 'date' ? toDate(members[0].sinceMs) : toIso(members[0].sinceMs);
  }
  const target = {
    client: opts.client,
    path: plan.source.path,
    arrayKey: plan.source.arrayKey,
    primaryKey: plan.source.primaryKey,
    params,
    counter: opts.counter,
    prefetch: opts.prefetch,
  };
  const pages: AsyncGenerator<RawPage> =
    plan.source.paging === 'keyset-id' ? keysetPages(target, start) : offsetPages(target, start);

  for await (const raw of pages) {
    const out: ExtractedPage[] = [];
    for (const m of members) {
      const returned = m.isSource ? raw.records : arrayOf(raw.body, m.def.arrayKey);
      const fresh = m.isSource ? raw.records.slice(raw.skip) : returned;
      const records: SourceRecord[] = [];
      const clientFilter = m.def.incremental.kind === 'client' && m.sinceMs !== null;
      for (const rec of fresh) {
        const t = m.def.cursorFields.length ? newestOf(rec, m.def.cursorFields) : null;
        if (t !== null && (m.maxSeen === null || t > m.maxSeen)) m.maxSeen = t;
        // Older than cursor − look-back: already in the warehouse. No update time: always written.
        if (clientFilter && t !== null && t < m.sinceMs!) continue;
        records.push(rec);
      }
      out.push({
        resource: m.def.name,
        records,
        events: returned.length,
        primaryKey: m.def.primaryKey,
        state: toJson(nextState(m, raw)),
      });
    }
    yield { pages: out, bytes: raw.bytes, done: raw.done, total: pageTotal(raw) };
  }
}

function nextState(m: MemberRun, raw: RawPage): ResourceState {
  if (raw.done) {
    if (m.def.incremental.kind === 'full') return { v: 1, cursor: null };
    const prev = parseTimestamp(m.prev.cursor);
    const best = m.maxSeen === null ? prev : prev === null ? m.maxSeen : Math.max(prev, m.maxSeen);
    return { v: 1, cursor: best === null ? null : toIso(best) };
  }
  return {
    v: 1,
    cursor: m.prev.cursor,
    scan: {
      since: m.sinceMs === null ? null : toIso(m.sinceMs),
      position: raw.next ?? {},
      maxSeen: m.maxSeen === null ? null : toIso(m.maxSeen),
    },
  };
}
