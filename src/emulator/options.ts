// Emulator options, their defaults, and the parsers shared by the CLI and startEmulator().
// Realism: by default the emulator is at least as hard as the real API (README "Realism (defaults)");
// `realism: 'ideal'` turns every realism knob back to the idealised 0.1 behaviour unless that knob is
// given explicitly. REALISM below is the one table of those defaults.
import { checkTimeZone } from './clock.ts';
import { checkPlan, type Plan } from './plans.ts';
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

  // ── realism (README "Realism (defaults)") ──
  /** 'hard' (default): as hard as the real API; 'ideal': the idealised 0.1 behaviour for every knob not set. */
  realism?: 'hard' | 'ideal';
  /** Lists without an honoured orders[...]: a stable scrambled order, or id order. */
  unsortedOrder?: 'scrambled' | 'id';
  /** Ties of documented sorts (orders[tstamp], orders[cdate], …): broken differently on every request, or by id. */
  tieOrder?: 'shuffled' | 'stable';
  /** Average number of records inserted or deleted (half each) per list request of a churned collection. */
  churn?: number;
  /** Collections churn applies to (default: every listable collection). */
  churnCollections?: string[];
  /** IANA time zone of the account (hard: Australia/Adelaide; ideal: UTC). */
  timezone?: string;
  /** Share of the records of collections with future-capable fields that carry a future date. */
  futureDates?: number;
  /** lite | plus | professional | enterprise (default: everything served). */
  plan?: string;
  /** Requests per second another API user of the account takes from the shared bucket. */
  tenantRps?: number;
  /** Probability that a request over the limit is answered 503 (no Retry-After) instead of 429. */
  burst503?: number;
  /** Probability that a 200 list answer carries an HTML page or `{}` instead of the JSON list. */
  junk200?: number;
  /** Whether writing a contact's field value, tag, list membership or automation moves its udate. */
  childWritesTouchContact?: boolean;
  /** include= on /contacts side-loads at most this many children per contact and relation. */
  includeCap?: number;
  /** Keep a log of every request (RunningEmulator.requestLog()). */
  requestLog?: boolean;
  /** Called with every request-log entry as it is made (the CLI's --request-log FILE). */
  onRequestLog?: (entry: RequestLogEntry) => void;
}

/** One line of the request log: a request to the emulator, or (tenant: true) one by the other API user. */
export interface RequestLogEntry {
  /** Arrival, epoch milliseconds. */
  t: number;
  method: string;
  path: string;
  query: string;
  /** The answer's status; 0 for a dropped connection. */
  status: number;
  tenant: boolean;
}

export interface Realism {
  realism: 'hard' | 'ideal';
  unsortedOrder: 'scrambled' | 'id';
  tieOrder: 'shuffled' | 'stable';
  churn: number;
  churnCollections?: string[];
  timezone: string;
  futureDates: number;
  plan: Plan;
  tenantRps: number;
  burst503: number;
  junk200: number;
  childWritesTouchContact: boolean;
  includeCap?: number;
  /** /eventTrackingEvents is served (hard) or answers 404 as in 0.1 (ideal). */
  eventTracking: boolean;
}

/** The defaults of each realism knob, per realism level. tenantRps applies only with the rate limit on. */
export const REALISM: Record<
  'hard' | 'ideal',
  Omit<Realism, 'realism' | 'churnCollections' | 'includeCap'>
> = {
  hard: {
    unsortedOrder: 'scrambled',
    tieOrder: 'shuffled',
    churn: 0,
    timezone: 'Australia/Adelaide',
    futureDates: 0.01,
    plan: 'enterprise',
    tenantRps: 1,
    burst503: 0.2,
    junk200: 0.002,
    childWritesTouchContact: false,
    eventTracking: true,
  },
  ideal: {
    unsortedOrder: 'id',
    tieOrder: 'stable',
    churn: 0,
    timezone: 'UTC',
    futureDates: 0,
    plan: 'enterprise',
    tenantRps: 0,
    burst503: 0,
    junk200: 0,
    childWritesTouchContact: false,
    eventTracking: false,
  },
};

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
  realism: Realism;
  requestLog: boolean;
  onRequestLog?: (entry: RequestLogEntry) => void;
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

function share(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new Error(`${what}: ${value} is not a probability in [0, 1]`);
  return v;
}

function rate(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`${what}: ${value} is not a number >= 0`);
  return v;
}

export function resolveRealism(o: EmulatorOptions, rateLimit: number): Realism {
  const level = o.realism ?? 'hard';
  if (level !== 'hard' && level !== 'ideal') throw new Error(`realism: "${level}" is not hard or ideal`);
  const d = REALISM[level];
  const unsortedOrder = o.unsortedOrder ?? d.unsortedOrder;
  if (unsortedOrder !== 'scrambled' && unsortedOrder !== 'id')
    throw new Error(`unsorted-order: "${unsortedOrder}" is not scrambled or id`);
  const tieOrder = o.tieOrder ?? d.tieOrder;
  if (tieOrder !== 'shuffled' && tieOrder !== 'stable')
    throw new Error(`tie-order: "${tieOrder}" is not shuffled or stable`);
  const timezone = o.timezone ?? d.timezone;
  checkTimeZone(timezone);
  const includeCap = o.includeCap;
  if (includeCap !== undefined && !(Number.isInteger(includeCap) && includeCap >= 0))
    throw new Error(`include-cap: ${includeCap} is not a non-negative integer`);
  return {
    realism: level,
    unsortedOrder,
    tieOrder,
    churn: rate(o.churn, d.churn, 'churn'),
    churnCollections: o.churnCollections,
    timezone,
    futureDates: share(o.futureDates, d.futureDates, 'future-dates'),
    plan: checkPlan(o.plan ?? d.plan),
    tenantRps: rate(o.tenantRps, rateLimit > 0 ? d.tenantRps : 0, 'tenant-rps'),
    burst503: share(o.burst503, d.burst503, 'burst-503'),
    junk200: share(o.junk200, d.junk200, 'junk-200'),
    childWritesTouchContact: o.childWritesTouchContact ?? d.childWritesTouchContact,
    includeCap,
    eventTracking: d.eventTracking,
  };
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
    realism: resolveRealism(o, rateLimit),
    requestLog: Boolean(o.requestLog || o.onRequestLog),
    onRequestLog: o.onRequestLog,
  };
}
