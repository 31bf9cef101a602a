// The emulator's TEST MODES: misbehaviour the stress suites need beyond the reference faults. All of them
// are OFF unless asked for (`--faults storm429:…,slow:…`, `--revoke-key-after N`, `--hostile`), so the
// default emulator stays faithful to the reference. Every draw is seeded, so a run is reproducible.
//   storm429:P[:S]  with probability P a request starts a 429 storm: it and every request for the next S
//                   seconds (default 2) answer 429 with Retry-After (the seconds left, rounded up).
//   slow:MS:P       with probability P an authenticated request is held MS milliseconds before its answer
//                   (a latency spike; pick MS beyond the client's timeout).
//   revokeKeyAfter  after N authenticated requests the key is refused (403 everywhere, /users/me too),
//                   until restoreKey() — a key revoked mid-sync.
//   hostile         plants hostile records in a few collections (see HOSTILE_PLANTS).
import { sequence } from './hash.ts';
import type { ApiRecord } from './shape.ts';

export interface TestModeOptions {
  storm429?: { probability: number; seconds: number };
  slow?: { ms: number; probability: number };
  revokeKeyAfter?: number;
  hostile?: boolean;
}

const TEST_FAULT = /^\s*(storm429|slow)\s*:/;

/**
 * Splits a --faults spec into the reference faults (left for parseFaults) and the test-mode ones parsed
 * here. Throws a message naming the bad part.
 */
export function splitTestFaults(spec: string | undefined): { base: string; modes: TestModeOptions } {
  const modes: TestModeOptions = {};
  if (!spec?.trim()) return { base: '', modes };
  const base: string[] = [];
  for (const part of spec.split(',')) {
    const kind = TEST_FAULT.exec(part)?.[1];
    if (!kind) {
      base.push(part);
      continue;
    }
    const nums = part
      .split(':')
      .slice(1)
      .map((s) => s.trim());
    const bad = (why: string) => new Error(`--faults: "${part.trim()}" ${why}`);
    if (nums.some((n) => !/^\d*\.?\d+$/.test(n))) throw bad('has a part that is not a number');
    if (kind === 'storm429') {
      if (nums.length < 1 || nums.length > 2) throw bad('is not storm429:PROBABILITY[:SECONDS]');
      const probability = Number(nums[0]);
      const seconds = nums[1] === undefined ? 2 : Number(nums[1]);
      if (probability > 1) throw bad('has a probability above 1');
      if (seconds < 1 || !Number.isInteger(seconds)) throw bad('needs whole SECONDS >= 1');
      modes.storm429 = { probability, seconds };
    } else {
      if (nums.length !== 2) throw bad('is not slow:MILLISECONDS:PROBABILITY');
      const ms = Number(nums[0]);
      const probability = Number(nums[1]);
      if (probability > 1) throw bad('has a probability above 1');
      if (!Number.isInteger(ms)) throw bad('needs whole MILLISECONDS');
      modes.slow = { ms, probability };
    }
  }
  return { base: base.join(','), modes };
}

export interface EarlyAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The live state of the test modes for one emulator. */
export class TestModes {
  private stormUntil = 0;
  private authenticated = 0;
  private revoked = false;
  private readonly stormDraw: () => number;
  private readonly slowDraw: () => number;

  constructor(
    private opts: TestModeOptions,
    seed: number,
  ) {
    this.stormDraw = sequence(seed ^ 0x5a0429);
    this.slowDraw = sequence(seed ^ 0x510e);
  }

  get active(): boolean {
    return Boolean(
      this.opts.storm429 || this.opts.slow || this.opts.revokeKeyAfter !== undefined || this.opts.hostile,
    );
  }

  /** A 429 storm answer, or undefined to go on. Runs before authentication, like the real limiter. */
  before(now = Date.now()): EarlyAnswer | undefined {
    const storm = this.opts.storm429;
    if (!storm) return undefined;
    if (now >= this.stormUntil && this.stormDraw() < storm.probability)
      this.stormUntil = now + storm.seconds * 1000;
    if (now >= this.stormUntil) return undefined;
    this.counts.storm429++;
    return {
      status: 429,
      body: { message: 'Too Many Requests' },
      headers: { 'Retry-After': String(Math.ceil((this.stormUntil - now) / 1000)) },
    };
  }

  /** Call once per request that presented the right key; true when the key counts as revoked. */
  keyRefused(): boolean {
    const after = this.opts.revokeKeyAfter;
    if (!this.revoked && after !== undefined && ++this.authenticated > after) this.revoked = true;
    if (this.revoked) this.counts.refused++;
    return this.revoked;
  }

  /** Times each mode struck, for tests to check the fault really happened. */
  readonly counts = { storm429: 0, slow: 0, refused: 0 };

  /** Replaces the test modes at run time (the key's revoked state and the counts carry over). */
  configure(opts: TestModeOptions): void {
    this.opts = { ...opts };
    this.authenticated = 0;
  }

  /** Revokes the key now (every request is refused until restoreKey()). */
  revokeKey(): void {
    this.revoked = true;
  }

  /** Accepts the key again and stops counting towards revokeKeyAfter. */
  restoreKey(): void {
    this.revoked = false;
    this.opts = { ...this.opts, revokeKeyAfter: undefined };
  }

  /** Resolves after a latency spike, when one is drawn. */
  async delay(): Promise<void> {
    const slow = this.opts.slow;
    if (!slow || this.slowDraw() >= slow.probability) return;
    this.counts.slow++;
    await new Promise((r) => setTimeout(r, slow.ms));
  }

  /** The list answer with hostile records planted, when --hostile is on and the collection is a target. */
  plant(segments: string[], status: number, body: unknown): unknown {
    if (!this.opts.hostile || status !== 200 || segments.length !== 1) return body;
    const plant = HOSTILE_PLANTS[segments[0]!];
    if (!plant || !body || typeof body !== 'object') return body;
    const b = body as Record<string, unknown>;
    const records = b[plant.key];
    if (!Array.isArray(records)) return body;
    return { ...b, [plant.key]: plant.apply(records as ApiRecord[]) };
  }
}

// ───────────────────────────── hostile records ─────────────────────────────

/** 5 MB of text in one value. */
const HUGE = 'x'.repeat(5 * 1024 * 1024);

/** Field names RudderStack-style naming must survive (quotes, SQL, dots, emoji, non-ASCII only, 300 chars). */
export const HOSTILE_NAMES = [
  'quote"d',
  "single'quote",
  'semi;colon; DROP TABLE x; --',
  'dotted.name.here',
  'emoji_😀_field',
  'имя',
  '名前',
  `long_${'n'.repeat(295)}`,
] as const;

function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 'bottom' };
  for (let i = depth - 1; i >= 1; i--) v = { [`level${i}`]: v };
  return v;
}

/** One record of `tags` made as hostile as a record can be; the rest stay as generated. */
function hostileTag(rec: ApiRecord): ApiRecord {
  const out: Record<string, unknown> = { ...rec };
  HOSTILE_NAMES.forEach((name, i) => {
    out[name] = `value ${i} '"; DROP TABLE tags; --`;
  });
  for (let i = 0; i < 1000; i++) out[`wide_${String(i).padStart(4, '0')}`] = i % 2 ? String(i) : i;
  out.deep = nested(10);
  out.huge = HUGE;
  out.nul_bytes = 'before\u0000after\u0000';
  return out as ApiRecord;
}

/** Page of notes (100 a page): ids switch JSON type per page, a field changes type per page, one id repeats. */
function hostileNotes(records: ApiRecord[]): ApiRecord[] {
  const out = records.map((r) => {
    const id = Number(r.id);
    const page = Math.floor((id - 1) / 100);
    const rec: Record<string, unknown> = { ...r, id: page % 2 === 0 ? id : String(id) };
    const shapes = [id, `text-${id}`, { n: id, s: String(id) }];
    rec.shifting = shapes[page % 3];
    return rec as ApiRecord;
  });
  // A duplicate id inside the page, carrying a different value: the last occurrence must win.
  if (out.length >= 3) {
    const first = out[0]!;
    out[out.length - 2] = { ...first, title: `${String(first.title ?? '')} (repeated)` } as ApiRecord;
  }
  return out;
}

/** The collections --hostile plants into: list path → array key and the change made to each page. */
export const HOSTILE_PLANTS: Record<string, { key: string; apply: (records: ApiRecord[]) => ApiRecord[] }> = {
  tags: {
    key: 'tags',
    apply: (records) => records.map((r) => (Number(r.id) === 1 ? hostileTag(r) : r)),
  },
  notes: { key: 'notes', apply: hostileNotes },
};
