// Emulator options, their defaults, and the parsers shared by the CLI and startEmulator().
import { splitTestFaults, type TestModeOptions } from './test-modes.ts';

export interface EmulatorOptions {
  /** 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  seed?: number;
  /** Account name: requests to NAME.localhost (or a loopback address) reach it. Default 'emulator'. */
  account?: string;
  /** Number of contacts; other collections scale from it (see README). Default 1000. */
  contacts?: number;
  /** Default 'emulator-key'. */
  apiKey?: string;
  /** Requests per second per account; default 5; 0 = off. */
  rateLimit?: number;
  /** Added delay per request in ms: [min, max]. */
  latency?: [number, number];
  /** Same syntax as --faults, e.g. "500:0.02,503:0.01,empty:0.005,reset:0.002". */
  faults?: string;
  /** Test mode (off by default): refuse the key after this many authenticated requests. */
  revokeKeyAfter?: number;
  /** Test mode (off by default): plant hostile records (see test-modes.ts). */
  hostile?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  seed: number;
  account: string;
  contacts: number;
  apiKey: string;
  rateLimit: number;
  latency: [number, number];
  faults: Fault[];
  testModes: TestModeOptions;
}

/** A fault kind: an HTTP status (5xx, 403, ...) or one of the broken-response kinds. */
export type FaultKind = number | 'empty' | 'truncated' | 'reset';
export interface Fault {
  kind: FaultKind;
  probability: number;
}

const FAULT_WORDS = new Set(['empty', 'truncated', 'reset']);

/** Parses "500:0.02,403:0.002,empty:0.005"; throws a message naming the bad part. */
export function parseFaults(text: string | undefined): Fault[] {
  if (!text?.trim()) return [];
  const faults = text.split(',').map((part) => {
    const m = /^\s*([a-z]+|\d{3})\s*:\s*([0-9]*\.?[0-9]+)\s*$/.exec(part);
    if (!m) throw new Error(`--faults: "${part}" is not KIND:PROBABILITY (e.g. 500:0.02, empty:0.005)`);
    const [, kind, p] = m;
    const probability = Number(p);
    if (!(probability >= 0 && probability <= 1))
      throw new Error(`--faults: probability in "${part}" is not in [0, 1]`);
    if (/^\d{3}$/.test(kind)) {
      const status = Number(kind);
      if (status < 400 || status > 599) throw new Error(`--faults: status ${kind} is not a 4xx/5xx code`);
      return { kind: status, probability };
    }
    if (!FAULT_WORDS.has(kind))
      throw new Error(`--faults: unknown kind "${kind}" (use a status code, empty, truncated or reset)`);
    return { kind: kind as FaultKind, probability };
  });
  const sum = faults.reduce((s, f) => s + f.probability, 0);
  if (sum > 1) throw new Error(`--faults: probabilities add up to ${sum}, more than 1`);
  return faults;
}

/** Parses "50" or "20-80" (milliseconds). */
export function parseLatency(text: string | undefined): [number, number] {
  if (!text?.trim()) return [0, 0];
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(text);
  if (!m) throw new Error(`--latency: "${text}" is not MS or MIN-MAX (milliseconds)`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new Error(`--latency: maximum ${hi} is below minimum ${lo}`);
  return [lo, hi];
}

function nonNegativeInt(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: ${value} is not a non-negative integer`);
  return v;
}

export function resolveOptions(o: EmulatorOptions): ResolvedOptions {
  const rateLimit = o.rateLimit ?? 5;
  if (!(rateLimit >= 0) || !Number.isFinite(rateLimit))
    throw new Error(`rate limit: ${o.rateLimit} is not >= 0`);
  const account = o.account ?? 'emulator';
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(account))
    throw new Error(`account: "${account}" is not a valid host name label`);
  const latency = o.latency ?? [0, 0];
  if (latency[0] < 0 || latency[1] < latency[0])
    throw new Error(`latency: [${latency.join(', ')}] is not [min, max]`);
  const port = nonNegativeInt(o.port, 0, 'port');
  if (port > 65535) throw new Error(`port: ${port} is above 65535`);
  const { base, modes } = splitTestFaults(o.faults);
  if (o.revokeKeyAfter !== undefined)
    modes.revokeKeyAfter = nonNegativeInt(o.revokeKeyAfter, 0, 'revoke-key-after');
  if (o.hostile) modes.hostile = true;
  return {
    port,
    host: o.host ?? '127.0.0.1',
    seed: nonNegativeInt(o.seed, 1, 'seed'),
    account,
    contacts: nonNegativeInt(o.contacts, 1000, 'contacts'),
    apiKey: o.apiKey ?? 'emulator-key',
    rateLimit,
    latency,
    faults: parseFaults(base),
    testModes: modes,
  };
}
