// Conformance with the OpenAPI doc: for every list endpoint the emulator serves that has a documented
// 200 example, every record the emulator lists carries every key the example's records carry, with a
// JSON type the example shows for that key. Examples that are not valid JSON are repaired by the edits
// in src/emulator/openapi-fixes.ts; none may remain unparseable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { repairExample } from '../../src/emulator/openapi-fixes.ts';
import { haveSharedReference, SHARED_REFERENCE } from '../support/env.ts';
import { call } from './helpers.ts';

const have = haveSharedReference('emulator OpenAPI conformance');

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
const typeOf = (v: unknown): JsonType =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as 'string' | 'number' | 'boolean' | 'object');

/** Sub-resource list paths; everything else with a path parameter is a single-record read. */
const LIST_WITH_PARAM = new Set([
  '/campaigns/{id}/links',
  '/ecomOrders/{id}/orderProducts',
  '/customObjects/records/{schemaId}',
]);

interface Example {
  path: string;
  body: Record<string, unknown>;
}

function listExamples(): { examples: Example[]; unparseable: string[] } {
  const doc = JSON.parse(readFileSync(join(SHARED_REFERENCE, 'activecampaign-v3.openapi.json'), 'utf8'));
  const examples: Example[] = [];
  const unparseable: string[] = [];
  for (const [path, ops] of Object.entries<Record<string, { responses?: Record<string, unknown> }>>(
    doc.paths,
  )) {
    if (path.includes('{') && !LIST_WITH_PARAM.has(path)) continue;
    const content = (
      ops.get?.responses?.['200'] as {
        content?: Record<string, { examples?: Record<string, { value: unknown }> }>;
      }
    )?.content;
    for (const media of Object.values(content ?? {})) {
      for (const ex of Object.values(media.examples ?? {})) {
        let body = ex.value;
        if (typeof body === 'string') {
          try {
            body = JSON.parse(repairExample(path, body));
          } catch {
            // Not every documented GET is JSON (e.g. a script snippet); only served lists must parse.
            unparseable.push(path);
            continue;
          }
        }
        if (body && typeof body === 'object' && !Array.isArray(body))
          examples.push({ path, body: body as Record<string, unknown> });
      }
    }
  }
  return { examples, unparseable };
}

/** key → the JSON types the example's records show for it (union over records). */
function keyTypes(records: Array<Record<string, unknown>>): Map<string, Set<JsonType>> {
  const out = new Map<string, Set<JsonType>>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (!out.has(k)) out.set(k, new Set());
      out.get(k)!.add(typeOf(v));
    }
  }
  return out;
}

/** The emulator collection a documented list path serves. */
function collectionOf(path: string, schema: string): string | undefined {
  if (path === '/campaigns/{id}/links') return 'links';
  if (path === '/ecomOrders/{id}/orderProducts') return undefined; // one order's products: compare the page
  if (path === '/customObjects/records/{schemaId}') return `customObjects/records/${schema}`;
  return path.slice(1);
}

/** The main array key of a list response: the one named like the collection's last path segment. */
function keyOfResponse(body: Record<string, unknown>, collection: string): string | undefined {
  const last = collection.startsWith('customObjects/records/') ? 'records' : collection.split('/').pop()!;
  return Array.isArray(body[last]) ? last : undefined;
}

/**
 * Fields whose only documented example value is null but which the reference (§4, §7 quirk 9) describes
 * as nullable ISO timestamps: campaigns carry `sdate` once sent or scheduled ("stored ISO in the account
 * timezone"). A string is accepted there too.
 */
const NULLABLE_ISO: Record<string, string[]> = { '/campaigns': ['sdate'] };

/** The documented stub a key gets for a deal in a pipeline it cannot see. */
const isDealStub = (r: Record<string, unknown>) => Object.keys(r).sort().join(',') === 'id,isDisabled,title';

describe.runIf(have)('OpenAPI conformance', () => {
  let em: RunningEmulator;
  beforeAll(async () => {
    em = await startEmulator({ port: 0, contacts: 300, rateLimit: 0, seed: 5 });
  });
  afterAll(async () => {
    await em?.close();
  });

  it('every served list endpoint with a documented example matches its record shape', async () => {
    const { examples, unparseable } = listExamples();
    const schema = em
      .collections()
      .find((c) => c.startsWith('customObjects/records/'))!
      .split('/')[2];
    const conform: string[] = [];
    const notServed: string[] = [];
    const problems: string[] = [];
    let recordsChecked = 0;
    for (const { path, body } of examples) {
      const request = path.replace('{schemaId}', schema).replace('{id}', '1').slice(1);
      const res = await call(em, `${request}${request.includes('?') ? '&' : '?'}limit=100`);
      if (res.status === 404) {
        notServed.push(path);
        continue;
      }
      expect(res.status, path).toBe(200);
      let compared = 0;
      for (const [key, docRecords] of Object.entries(body)) {
        if (!Array.isArray(docRecords) || docRecords.length === 0 || typeof docRecords[0] !== 'object')
          continue;
        const served = res.json[key];
        if (!Array.isArray(served)) {
          problems.push(`${path}: documented array "${key}" is missing`);
          continue;
        }
        const expected = keyTypes(docRecords as Array<Record<string, unknown>>);
        // The main array is checked over every record of the collection, not only the first page.
        const collection = collectionOf(path, schema);
        const whole =
          collection !== undefined &&
          em.collections().includes(collection) &&
          key === keyOfResponse(res.json, collection);
        const rows: Array<Record<string, unknown>> = whole ? [...em.records(collection)] : served;
        if (whole) recordsChecked += rows.length;
        for (const r of rows) {
          if (key === 'deals' && isDealStub(r)) continue;
          for (const [k, types] of expected) {
            if (!(k in r)) problems.push(`${path}: ${key}[id=${String(r.id)}] lacks "${k}"`);
            else if (
              !types.has(typeOf(r[k])) &&
              !(NULLABLE_ISO[path]?.includes(k) && typeof r[k] === 'string')
            ) {
              problems.push(`${path}: ${key}.${k} is ${typeOf(r[k])}, documented ${[...types].join('|')}`);
            }
          }
        }
        compared += rows.length;
      }
      if (compared > 0) conform.push(path);
    }
    const unique = [...new Set(problems)];
    console.log(
      `OpenAPI conformance: ${conform.length} list endpoints conform (${recordsChecked} records checked); not served by the emulator: ${notServed.join(', ') || 'none'}; ` +
        `examples that are not JSON: ${unparseable.join(', ') || 'none'}`,
    );
    expect(unique.slice(0, 30)).toEqual([]);
    // Guard against the check silently covering nothing.
    expect(conform.length).toBeGreaterThanOrEqual(45);
    expect(recordsChecked).toBeGreaterThan(2000);
    for (const p of [
      '/contacts',
      '/deals',
      '/accounts',
      '/activities',
      '/dealActivities',
      '/ecomOrders',
      '/webhooks',
    ]) {
      expect(conform, p).toContain(p);
    }
  });
});
