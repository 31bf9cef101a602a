// The ActiveCampaign API v3 emulator: a stand-in for an account, generated from a seed, at least as hard
// as the real API by default (realism: 'ideal' for the idealised 0.1 behaviour).
// See README "The emulator" for flags, sizes, realism and fault syntax; collection names are listed in catalog.ts.

import { checkChurnCollections } from './churn.ts';
import { type EmulatorOptions, parseFaults, type RequestLogEntry, resolveOptions } from './options.ts';
import { gateOf } from './plans.ts';
import { allRecords } from './query.ts';
import { EmulatorServer, type RealismCounts, type Stats } from './server.ts';
import { splitTestFaults, type TestModes } from './test-modes.ts';
import { World } from './world.ts';

export type { EmulatorOptions, RequestLogEntry } from './options.ts';
export { parseFaults, parseLatency, REALISM } from './options.ts';
export { PLAN_GATES, PLANS } from './plans.ts';
export type { RealismCounts } from './server.ts';
export { HOSTILE_NAMES, splitTestFaults } from './test-modes.ts';

export interface RunningEmulator {
  /** http://HOST:PORT (the API is under /api/3). */
  url: string;
  port: number;
  apiKey: string;
  account: string;
  /** The account's IANA time zone (ISO offsets and naive local timestamps follow it). */
  timezone: string;
  close(): Promise<void>;
  stats(): Stats;
  /** How often 503 bursts, junk 200s and churn struck. */
  realismCounts(): RealismCounts;
  /**
   * Every record of a collection as the API would list it now (for tests comparing a warehouse with the
   * account), in id order, whatever order the API lists them in; churn and writes included. The plan
   * is not applied: a collection the plan refuses still has its records here (see refusedStatus).
   */
  records(collection: string): Iterable<Record<string, unknown>>;
  /** The collections the account has (in ideal realism /eventTrackingEvents is not served and not listed). */
  collections(): string[];
  /** The status a collection answers instead of its records on this plan (403, 404, 400, 302), if any. */
  refusedStatus(collection: string): number | undefined;
  /** Changes churn while the emulator runs (collections: which ones; default every listable one). */
  setChurn(rate: number, collections?: string[]): void;
  /** Changes how many requests per second the other API user takes from the account's budget. */
  setTenantRps(rps: number): void;
  /** Every request so far (the other user's with tenant: true), in time order; needs requestLog. */
  requestLog(): RequestLogEntry[];
  /** Test-mode controls (see test-modes.ts); inert unless a test mode was asked for. */
  testModes: Pick<TestModes, 'revokeKey' | 'restoreKey'> & {
    /** Replaces the faults (reference kinds and test modes, --faults syntax) and revokeKeyAfter at run time. */
    setFaults(spec: string, revokeKeyAfter?: number): void;
    counts(): TestModes['counts'];
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = resolveOptions(options);
  if (opts.realism.churnCollections) checkChurnCollections(opts.realism.churnCollections);
  const world = new World(opts.seed, opts.contacts, Date.now(), {
    timezone: opts.realism.timezone,
    futureDates: opts.realism.futureDates,
  });
  const emulator = new EmulatorServer(world, opts);
  await new Promise<void>((resolve, reject) => {
    emulator.server.once('error', reject);
    emulator.server.listen(opts.port, opts.host, () => resolve());
  });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  world.baseUrl = url;
  const schemas = world.get('customObjects/schemas');
  const api = emulator.api;
  return {
    url,
    port,
    apiKey: opts.apiKey,
    account: opts.account,
    timezone: world.zone.name,
    close: () =>
      new Promise<void>((resolve, reject) => {
        emulator.server.close((err) => (err ? reject(err) : resolve()));
        emulator.dropConnections();
      }),
    stats: () => structuredClone(emulator.stats),
    realismCounts: () => emulator.realismCounts(),
    testModes: {
      revokeKey: () => emulator.modes.revokeKey(),
      restoreKey: () => emulator.modes.restoreKey(),
      setFaults: (spec, revokeKeyAfter) => {
        const { base, modes } = splitTestFaults(spec);
        emulator.opts.faults = parseFaults(base);
        emulator.modes.configure({ hostile: opts.testModes.hostile, ...modes, revokeKeyAfter });
      },
      counts: () => ({ ...emulator.modes.counts }),
    },
    records: (collection) => {
      const m = /^customObjects\/records\/(.+)$/.exec(collection);
      if (m) {
        const records = world.get('customObjects/records');
        return [...allRecords(records)].filter((r) => r.schemaId === m[1]);
      }
      if (!world.has(collection) || collection === 'customObjects/records') {
        throw new Error(`unknown collection "${collection}" (see collections())`);
      }
      return allRecords(world.get(collection));
    },
    collections: () => {
      const names = [...world.collections.keys()].filter(
        (n) => n !== 'customObjects/records' && (n !== 'eventTrackingEvents' || api.settings.eventTracking),
      );
      for (const r of allRecords(schemas)) names.push(`customObjects/records/${String(r.id)}`);
      return names;
    },
    refusedStatus: (collection) => {
      const name = collection.startsWith('customObjects/records/') ? 'customObjects/records' : collection;
      if (name === 'eventTrackingEvents' && !api.settings.eventTracking) return 404;
      return gateOf(api.settings.plan, name)?.status;
    },
    setChurn: (rate, collections) => api.churn.set(rate, collections),
    setTenantRps: (rps) => {
      // Without a rate limit there is no budget to share: the other user changes nothing.
      if (emulator.bucket) emulator.bucket.setTenantRps(rps);
      else if (!(rps >= 0)) throw new Error(`tenant-rps: ${rps} is not a number >= 0`);
    },
    requestLog: () => {
      if (!opts.requestLog) throw new Error('requestLog(): start the emulator with requestLog: true');
      return emulator.requestLog();
    },
  };
}
