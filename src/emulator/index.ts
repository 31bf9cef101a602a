// The ActiveCampaign API v3 emulator: a faithful stand-in for an account, generated from a seed.
// See README "The emulator" for flags, sizes and fault syntax; collection names are listed in catalog.ts.

import { type EmulatorOptions, parseFaults, resolveOptions } from './options.ts';
import { allRecords } from './query.ts';
import { EmulatorServer, type Stats } from './server.ts';
import { splitTestFaults, type TestModes } from './test-modes.ts';
import { World } from './world.ts';

export type { EmulatorOptions } from './options.ts';
export { parseFaults, parseLatency } from './options.ts';
export { HOSTILE_NAMES, splitTestFaults } from './test-modes.ts';

export interface RunningEmulator {
  /** http://HOST:PORT (the API is under /api/3). */
  url: string;
  port: number;
  apiKey: string;
  account: string;
  close(): Promise<void>;
  stats(): Stats;
  /** Every record of a collection as the API would list it now (for tests comparing a warehouse with the account). */
  records(collection: string): Iterable<Record<string, unknown>>;
  collections(): string[];
  /** Test-mode controls (see test-modes.ts); inert unless a test mode was asked for. */
  testModes: Pick<TestModes, 'revokeKey' | 'restoreKey'> & {
    /** Replaces the faults (reference kinds and test modes, --faults syntax) and revokeKeyAfter at run time. */
    setFaults(spec: string, revokeKeyAfter?: number): void;
    counts(): TestModes['counts'];
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = resolveOptions(options);
  const world = new World(opts.seed, opts.contacts, Date.now());
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
  return {
    url,
    port,
    apiKey: opts.apiKey,
    account: opts.account,
    close: () =>
      new Promise<void>((resolve, reject) => {
        emulator.server.close((err) => (err ? reject(err) : resolve()));
        emulator.dropConnections();
      }),
    stats: () => structuredClone(emulator.stats),
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
      const names = [...world.collections.keys()].filter((n) => n !== 'customObjects/records');
      for (const r of allRecords(schemas)) names.push(`customObjects/records/${String(r.id)}`);
      return names;
    },
  };
}
