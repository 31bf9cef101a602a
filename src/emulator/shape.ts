// Record shapes as data. Each collection's shape is one line of `key=value` tokens (in the key order
// the API uses); the tokens say how a value is produced from the record's id, its timestamps and its
// references, so the shape of a collection lives in exactly one place. Token meanings:
//
//   $id / #id      id as string / number          @coll / #@coll   id of a record in coll (string / number)
//   $c $u          created / updated, ISO local    @^ / #@^         the parent record's id (string / number)
//   $cn $un        same, naive local wall clock    @coll|null       a reference or null (half each)
//   $cu $uu        same, naive UTC                 ?a|b|c           one of the literals (null/[]/{}/true/false/'' allowed)
//   $cz $uz        same, UTC with nanoseconds      r:a-b / #r:a-b   random integer as string / number
//   $0 $0d         '0000-00-00' / '0000-00-00 00:00:00'            ~kind        fake text (see FAKE)
//   L:a,b          links map to sub-resources      L:             the empty links value []
//   %name          a custom function given with the shape          anything else: that literal string ('' = empty)
import { isoNanos, naiveUtc, type Zone } from './clock.ts';
import * as fake from './fake.ts';
import { saltOf, unit } from './hash.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type ApiRecord = Record<string, Json>;

export interface GenContext {
  seed: number;
  id: number;
  /** Parent record id for child collections, else 0. */
  parent: number;
  /** Position among the parent's children (0-based), else 0. */
  slot: number;
  created: number;
  updated: number;
  /** The account's time zone (ISO and naive local timestamps). */
  zone: Zone;
  /** `http://host:port/api/3/` + the collection's link path. */
  linkBase: string;
  /** Generated size of another collection (for references). */
  sizeOf(collection: string): number;
  /** Parent id of record `id` of a child collection. */
  parentIn(collection: string, id: number): number;
  /** Generated children of `parent` in a child collection. */
  childrenIn(collection: string, parent: number): number[];
  /** Another collection's generated record (before writes). */
  recordIn(collection: string, id: number): ApiRecord;
}

export type FieldFn = (ctx: GenContext) => Json;

export interface FieldSpec {
  key: string;
  fn: FieldFn;
  /** Collection this field points into, for cascades and referential checks. */
  ref?: string;
  /** The field repeats the parent's id (kept in step with the parent field on writes). */
  parentRef?: boolean;
  /** Set on fields that show the record's created or updated time, so writes can restamp them. */
  stamp?: { which: 'created' | 'updated'; format: StampFormat };
}

export type StampFormat = (ms: number, id: number, zone: Zone) => string;

const STAMP_FORMATS: Record<string, StampFormat> = {
  '': (ms, _id, zone) => zone.isoLocal(ms),
  n: (ms, _id, zone) => zone.naiveLocal(ms),
  u: (ms) => naiveUtc(ms),
  z: (ms, id) => isoNanos(ms, id * 7919),
};

const LITERALS: Record<string, Json> = { null: null, '[]': [], '{}': {}, true: true, false: false, "''": '' };

function literal(text: string): Json {
  if (text in LITERALS) {
    const v = LITERALS[text];
    return Array.isArray(v) ? [] : v && typeof v === 'object' ? {} : v;
  }
  return text;
}

const FAKE: Record<string, (u: number, id: number) => string> = {
  first: (u) => fake.firstName(u),
  last: (u) => fake.lastName(u),
  name: (u) => `${fake.firstName(u)} ${fake.lastName(u)}`,
  word: (u) => fake.word(u),
  words: (u) => fake.words(u),
  sentence: (u) => fake.sentence(u),
  title: (u) => fake.title(u),
  city: (u) => fake.city(u),
  country2: (u) => fake.country2(u),
  company: (u) => fake.company(u),
  phone: (u) => fake.phone(u),
  hex8: (u) => fake.hex(u, 8),
  hex32: (u) => fake.hex(u, 32),
  hex40: (u) => fake.hex(u, 40),
  uuid: (u) => fake.uuid(u),
  email: (u, id) => `${fake.word(u)}.${id}@example.com`,
  url: (u) => `https://www.example.com/${fake.word(u)}`,
  color: (u) => fake.hex(u, 6).toUpperCase(),
  slug: (u, id) => `${fake.word(u)}-${id}`,
};

/** A reference picked uniformly from 1..size (generated ids are 1..size, so it exists). */
function pick(ctx: GenContext, salt: number, collection: string): number {
  const size = Math.max(1, ctx.sizeOf(collection));
  return 1 + Math.floor(unit(ctx.seed, salt, ctx.id) * size);
}

function token(collection: string, key: string, value: string, custom: Record<string, FieldFn>): FieldSpec {
  const salt = saltOf(`${collection}.${key}`);
  const u = (ctx: GenContext) => unit(ctx.seed, salt, ctx.id);
  const spec = (fn: FieldFn, ref?: string): FieldSpec => ({ key, fn, ref });
  switch (value) {
    case '$id':
      return spec((c) => String(c.id));
    case '#id':
      return spec((c) => c.id);
    case '$c':
    case '$cn':
    case '$cu':
    case '$cz':
    case '$u':
    case '$un':
    case '$uu':
    case '$uz': {
      const which = value[1] === 'c' ? 'created' : 'updated';
      const format = STAMP_FORMATS[value.slice(2)];
      return { key, fn: (c) => format(c[which], c.id, c.zone), stamp: { which, format } };
    }
    case '$0':
      return spec(() => '0000-00-00');
    case '$0d':
      return spec(() => '0000-00-00 00:00:00');
    case '@^':
      return { key, fn: (c) => String(c.parent), parentRef: true };
    case '#@^':
      return { key, fn: (c) => c.parent, parentRef: true };
    case 'L:':
      return spec(() => []);
  }
  const head = value[0];
  if (head === '%') {
    const fn = custom[value.slice(1)];
    if (!fn) throw new Error(`shape ${collection}.${key}: no custom function ${value}`);
    return spec(fn);
  }
  if (head === '~') {
    const f = FAKE[value.slice(1)];
    if (!f) throw new Error(`shape ${collection}.${key}: unknown fake ${value}`);
    return spec((c) => f(u(c), c.id));
  }
  if (head === '?') {
    const options = value.slice(1).split('|').map(literal);
    return spec((c) => {
      const v = options[Math.floor(u(c) * options.length)];
      return Array.isArray(v) ? [] : v;
    });
  }
  if (value.startsWith('L:')) {
    const rels = value.slice(2).split(',');
    return spec((c) => {
      const out: Record<string, Json> = {};
      const prefix = `${c.linkBase}/${c.id}/`;
      for (const rel of rels) out[rel] = prefix + rel;
      return out;
    });
  }
  let m = /^(#?)r:(-?\d+)-(\d+)$/.exec(value);
  if (m) {
    const [, num, lo, hi] = m;
    const span = Number(hi) - Number(lo) + 1;
    return spec((c) => {
      const v = Number(lo) + Math.floor(u(c) * span);
      return num ? v : String(v);
    });
  }
  m = /^(#?)@([A-Za-z/]+)(\|null)?$/.exec(value);
  if (m) {
    const [, num, target, orNull] = m;
    // Salted by target, not key: two fields naming the same collection (messageid, message) agree.
    const refSalt = saltOf(`${collection}->${target}`);
    return spec((c) => {
      if (orNull && unit(c.seed, refSalt ^ 0x5bd1e995, c.id) < 0.5) return null;
      const id = pick(c, refSalt, target);
      return num ? id : String(id);
    }, target);
  }
  m = /^#(-?\d+(?:\.\d+)?)$/.exec(value);
  if (m) return spec(() => Number(m![1]));
  const lit = literal(value);
  return spec(() => (Array.isArray(lit) ? [] : lit && typeof lit === 'object' ? {} : lit));
}

/** Parses a shape line into field producers. */
export function parseShape(
  collection: string,
  line: string,
  custom: Record<string, FieldFn> = {},
): FieldSpec[] {
  return line
    .trim()
    .split(/\s+/)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`shape ${collection}: bad token "${part}"`);
      return token(collection, part.slice(0, eq), part.slice(eq + 1), custom);
    });
}

export function buildRecord(fields: FieldSpec[], ctx: GenContext): ApiRecord {
  const out: ApiRecord = {};
  for (const f of fields) out[f.key] = f.fn(ctx);
  return out;
}
