// Runs one scan of the catalog against a real emulator over HTTP and gathers what it would write.
import type { ApiClient } from '../../src/api/client.ts';
import type { JsonObject } from '../../src/core/contracts.ts';
import { findResource } from '../../src/extract/catalog.ts';
import { planScans, runScan } from '../../src/extract/scan.ts';

export interface ScanResult {
  /** Ids written per resource (each id once, however often it was written). */
  written: Map<string, Set<string>>;
  /** The state of the last page per resource (what the pipeline commits last). */
  state: Map<string, JsonObject>;
  requests: number;
  done: boolean;
}

export async function scanOnce(
  client: ApiClient,
  resource: string,
  opts: {
    state?: JsonObject | null;
    fullRefresh?: boolean;
    lookbackHours?: number;
    startedAt?: number;
    /** Called with every page's state (also the pages before a failure). */
    onState?: (state: JsonObject) => void;
  } = {},
): Promise<ScanResult> {
  const def = findResource(resource);
  if (!def) throw new Error(`no resource ${resource}`);
  const [plan] = planScans([def]);
  const counter = { requests: 0 };
  const out: ScanResult = { written: new Map(), state: new Map(), requests: 0, done: false };
  const scan = runScan(plan, {
    client,
    states: new Map([[resource, opts.state ?? null]]),
    lookbackHours: opts.lookbackHours ?? 24,
    fullRefresh: opts.fullRefresh ?? false,
    counter,
    startedAt: opts.startedAt ?? Date.now(),
  });
  for await (const page of scan) {
    for (const p of page.pages) {
      let ids = out.written.get(p.resource);
      if (!ids) out.written.set(p.resource, (ids = new Set()));
      for (const r of p.records) ids.add(String(r[p.primaryKey]));
      out.state.set(p.resource, p.state);
      opts.onState?.(p.state);
    }
    if (page.done) out.done = true;
  }
  out.requests = counter.requests;
  return out;
}
