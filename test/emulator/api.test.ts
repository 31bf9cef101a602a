// The emulator over real HTTP: shapes, paging, filters, sideloads, errors, auth and host checks — in
// both realism modes (hard: scrambled order, Adelaide time, future dates; ideal: id order, UTC).
// Junk 200s are off here (realism.test.ts covers them) so every request answers with its list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Zone } from '../../src/emulator/clock.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { call } from './helpers.ts';

const ids = (rows: Array<{ id: string }>) => rows.map((r) => Number(r.id));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe.each(['hard', 'ideal'] as const)('realism %s', (realism) => {
  let em: RunningEmulator;
  let zone: Zone;
  const hard = realism === 'hard';

  beforeAll(async () => {
    em = await startEmulator({ port: 0, contacts: 500, rateLimit: 0, seed: 7, realism, junk200: 0 });
    zone = new Zone(em.timezone);
  });
  afterAll(async () => {
    await em.close();
  });

  describe('collections', () => {
    it('every collection answers 200 with its array key', async () => {
      const sideloadOnly = new Set(['fieldOptions', 'fieldRels']);
      const keyOf: Record<string, string> = {
        'lists/exclusions': 'exclusions',
        'customObjects/schemas': 'schemas',
      };
      const names = em.collections().filter((n) => !sideloadOnly.has(n));
      expect(names.length).toBeGreaterThan(60);
      expect(names.includes('eventTrackingEvents')).toBe(hard);
      for (const name of names) {
        const res = await call(em, name);
        expect(res.status, name).toBe(200);
        const key = name.startsWith('customObjects/records/') ? 'records' : (keyOf[name] ?? name);
        expect(Array.isArray(res.json[key]), `${name} has array key ${key}`).toBe(true);
        expect(res.json[key].length, `${name} is not empty`).toBeGreaterThan(0);
      }
    });

    it('answers the documented sub-resource paths', async () => {
      const links = await call(em, 'campaigns/1/links');
      expect(links.status).toBe(200);
      expect(links.json.links.every((l: { campaignid: string }) => l.campaignid === '1')).toBe(true);
      const order = em.records('ecomOrders')[Symbol.iterator]().next().value as {
        id: string;
        orderProducts: string[];
      };
      const products = await call(em, `ecomOrders/${order.id}/orderProducts`);
      expect(products.status).toBe(200);
      expect(sorted(ids(products.json.ecomOrderProducts))).toEqual(sorted(order.orderProducts.map(Number)));
      const blocks = await call(em, 'automations/1/blocks');
      expect(Object.keys(blocks.json)).toContain('automationBlocks');
      const exclusion = await call(em, 'lists/exclusions/2');
      expect(exclusion.json.id).toBe('2'); // not wrapped in an envelope, as documented
      const me = await call(em, 'users/me');
      expect(me.json.user.id).toBe('1');
    });

    it('fields sideload their options and relations', async () => {
      const res = await call(em, 'fields');
      expect(Object.keys(res.json).slice(0, 3)).toEqual(['fieldOptions', 'fieldRels', 'fields']);
      const optionIds = res.json.fields.flatMap((f: { options: string[] }) => f.options);
      expect(res.json.fieldOptions.map((o: { id: string }) => o.id).sort()).toEqual([...optionIds].sort());
    });

    it('non-endpoints answer 404, as do missing records', async () => {
      for (const path of [
        'tasks',
        'contactNotes',
        'taskTypes',
        'fieldOptions',
        'contactCustomFieldData',
        'blocks',
      ]) {
        const res = await call(em, path);
        expect(res.status, path).toBe(404);
      }
      const missing = await call(em, 'contacts/99999');
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual({ message: 'No Result found for Subscriber with id 99999' });
    });

    it('shapes carry the documented quirks, timestamps in the account zone', async () => {
      const deals = await call(em, 'deals?limit=100');
      expect(typeof deals.json.meta.total).toBe('number');
      const contacts = await call(em, 'contacts');
      expect(typeof contacts.json.meta.total).toBe('string');
      expect(contacts.json.scoreValues).toEqual([]);
      const c = contacts.json.contacts[0];
      expect(c.id).toMatch(/^\d+$/);
      expect(c.cdate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      expect(c.created_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(c.deleted_at).toBe('0000-00-00 00:00:00');
      const offsets = new Set([...em.records('contacts')].map((r) => String(r.cdate).slice(-6)));
      // Adelaide: +09:30 in winter, +10:30 with daylight saving; UTC has one offset.
      expect(offsets).toEqual(hard ? new Set(['+09:30', '+10:30']) : new Set(['+00:00']));
      const stubs = [...em.records('deals')].filter((d) => Object.keys(d).length === 3);
      expect(stubs.length).toBeGreaterThan(0);
      expect(stubs.every((s) => s.isDisabled === true || s.isDisabled === 1)).toBe(true);
      const dealTasktypes = await call(em, 'dealTasktypes');
      expect(dealTasktypes.json.dealTasktypes[0].links).toEqual([]);
      const customFieldData = await call(em, 'accountCustomFieldData');
      expect(customFieldData.json.meta).toBeUndefined();
      expect(typeof customFieldData.json.accountCustomFieldData[0].accountId).toBe('number');
      const records = em.collections().find((n) => n.startsWith('customObjects/records/'))!;
      const objects = await call(em, records);
      expect(objects.json.records[0].createdTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    });

    it('keeps referential integrity', async () => {
      const contactIds = new Set([...em.records('contacts')].map((c) => c.id));
      const tagIds = new Set([...em.records('tags')].map((t) => t.id));
      const listIds = new Set([...em.records('lists')].map((t) => t.id));
      const fieldIds = new Set([...em.records('fields')].map((t) => t.id));
      for (const ct of em.records('contactTags')) {
        expect(contactIds.has(ct.contact) && tagIds.has(ct.tag)).toBe(true);
      }
      for (const cl of em.records('contactLists'))
        expect(contactIds.has(cl.contact) && listIds.has(cl.list)).toBe(true);
      for (const fv of em.records('fieldValues'))
        expect(contactIds.has(fv.contact) && fieldIds.has(fv.field)).toBe(true);
      const dealIds = new Set<unknown>();
      for (const d of em.records('deals')) {
        dealIds.add(d.id);
        if (d.contact !== undefined) expect(contactIds.has(d.contact)).toBe(true);
      }
      for (const a of em.records('dealActivities')) expect(dealIds.has(a.deal)).toBe(true);
      for (const n of em.records('notes')) expect(contactIds.has(n.relid)).toBe(true);
    });
  });

  describe('paging', () => {
    it('defaults to 20, caps at 100, and pages by offset through every record once', async () => {
      const first = await call(em, 'contacts');
      expect(first.json.contacts).toHaveLength(20);
      expect(first.json.meta.total).toBe('500');
      const capped = await call(em, 'contacts?limit=1000');
      expect(capped.json.contacts).toHaveLength(100);
      const second = await call(em, 'contacts?limit=20&offset=20');
      if (!hard) expect(ids(second.json.contacts)).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i));
      const seen: number[] = [];
      for (let offset = 0; offset < 500; offset += 100)
        seen.push(...ids((await call(em, `contacts?limit=100&offset=${offset}`)).json.contacts));
      expect(sorted(seen)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      // Without orders[...] the hard order is not id order; in ideal it is.
      expect(seen.every((id, i) => id === i + 1)).toBe(!hard);
      const past = await call(em, 'contacts?offset=600');
      expect(past.json.contacts).toEqual([]);
    });

    it('uses 100 as the default page where the docs say so', async () => {
      const res = await call(em, 'contactTags?limit=100');
      expect(res.json.contactTags).toHaveLength(100);
      const fields = await call(em, 'fields');
      const fieldCount = [...em.records('fields')].length;
      expect(fieldCount).toBeGreaterThan(20);
      expect(fields.json.fields).toHaveLength(fieldCount);
    });

    it('pages contacts by id_greater / id_less with orders[id]', async () => {
      const res = await call(em, 'contacts?orders[id]=ASC&id_greater=480&limit=100');
      expect(ids(res.json.contacts)).toEqual(Array.from({ length: 20 }, (_, i) => 481 + i));
      expect(res.json.meta.total).toBe('20');
      const less = await call(em, 'contacts?id_less=4');
      expect(sorted(ids(less.json.contacts))).toEqual([1, 2, 3]);
      const desc = await call(em, 'contacts?orders[id]=DESC&limit=3');
      expect(ids(desc.json.contacts)).toEqual([500, 499, 498]);
      // id_greater is a contacts feature: elsewhere it is ignored like any unknown parameter.
      const tags = await call(em, 'tags?id_greater=20&filters[nonsense]=1&orders[nonsense]=DESC&limit=100');
      expect(tags.json.tags).toHaveLength(25);
    });
  });

  describe('filters', () => {
    it('compares only the date part of filters[updated_after] and filters[updated_before], in the account zone', async () => {
      const all = [...em.records('contacts')] as Array<{ id: string; udate: string }>;
      const day = (iso: string) => iso.slice(0, 10);
      const pivot = day(all[250].udate);
      const expected = all.filter((c) => day(c.udate) >= pivot).map((c) => Number(c.id));
      for (const value of [pivot, `${pivot}T23:59:59-05:00`, `${pivot} 12:00:00`]) {
        const res = await call(
          em,
          `contacts?filters[updated_after]=${encodeURIComponent(value)}&limit=100&orders[id]=ASC`,
        );
        expect(Number(res.json.meta.total), value).toBe(expected.length);
        expect(ids(res.json.contacts)).toEqual(expected.slice(0, 100));
      }
      const before = all.filter((c) => day(c.udate) <= pivot).map((c) => Number(c.id));
      const res = await call(
        em,
        `contacts?filters[updated_before]=${pivot}&limit=100&offset=100&orders[id]=ASC`,
      );
      expect(Number(res.json.meta.total)).toBe(before.length);
      expect(ids(res.json.contacts)).toEqual(before.slice(100, 200));
    });

    it('filters deals by created date and activities by time (inclusive)', async () => {
      const deals = [...em.records('deals')].filter((d) => d.cdate !== undefined) as Array<{
        id: string;
        cdate: string;
      }>;
      const pivot = deals[Math.floor(deals.length / 2)].cdate.slice(0, 10);
      const res = await call(em, `deals?filters[created_after]=${pivot}&limit=100`);
      const stubsAfter =
        Number(res.json.meta.total) - deals.filter((d) => d.cdate.slice(0, 10) >= pivot).length;
      // Stubs hide their dates but are still counted by the server.
      expect(stubsAfter).toBeGreaterThanOrEqual(0);
      expect(
        res.json.deals.every(
          (d: { cdate?: string }) => d.cdate === undefined || d.cdate.slice(0, 10) >= pivot,
        ),
      ).toBe(true);
      const acts = [...em.records('activities')] as Array<{ tstamp: string }>;
      const t = acts[100].tstamp;
      const after = await call(em, `activities?after=${encodeURIComponent(t)}&limit=100`);
      expect(Number(after.json.meta.total)).toBe(
        acts.filter((a) => Date.parse(a.tstamp) >= Date.parse(t)).length,
      );
    });

    it('filters children by parent', async () => {
      const res = await call(em, 'accountContacts?filters[contact]=10&limit=100');
      const expected = [...em.records('accountContacts')].filter((a) => a.contact === '10');
      expect(sorted(ids(res.json.accountContacts))).toEqual(sorted(ids(expected as Array<{ id: string }>)));
      const d = [...em.records('contacts')][0] as { udate: string };
      expect(zone.localDate(Date.parse(d.udate))).toBe(d.udate.slice(0, 10));
    });

    it('sideloads with include=', async () => {
      const res = await call(em, 'contacts?include=fieldValues,contactTags.tag,deals&limit=10');
      const contacts = res.json.contacts as Array<{
        id: string;
        fieldValues: string[];
        contactTags: string[];
        deals: string[];
      }>;
      const fvById = new Map(res.json.fieldValues.map((f: { id: string; contact: string }) => [f.id, f]));
      for (const c of contacts) {
        for (const f of c.fieldValues) expect((fvById.get(f) as { contact: string }).contact).toBe(c.id);
        expect(c.deals).toBeDefined();
      }
      const onPage = new Set(contacts.map((c) => c.id));
      const expectedFv = [...em.records('fieldValues')].filter((f) => onPage.has(f.contact as string));
      expect(res.json.fieldValues).toHaveLength(expectedFv.length);
      const tagIds = new Set(res.json.tags.map((t: { id: string }) => t.id));
      for (const ct of res.json.contactTags) expect(tagIds.has(ct.tag)).toBe(true);
      expect(res.json.contactTags.length).toBeGreaterThan(0);
    });
  });

  describe('access', () => {
    it('refuses a wrong or missing key with 403', async () => {
      const wrong = await call(em, 'contacts', { key: 'nope' });
      expect(wrong.status).toBe(403);
      const none = await call(em, 'users/me', { key: null });
      expect(none.status).toBe(403);
    });

    it('redirects other host names and paths outside /api/3 to a login page', async () => {
      const other = await call(em, 'contacts', { host: 'someone-else.api-us1.com' });
      expect(other.status).toBe(302);
      expect(String(other.headers.location)).toMatch(/\/login/);
      const named = await call(em, 'users/me', { host: `${em.account}.localhost:${em.port}` });
      expect(named.status).toBe(200);
      const wrongAccount = await call(em, 'users/me', { host: `not-${em.account}.localhost` });
      expect(wrongAccount.status).toBe(302);
      const outside = await call(em, '/admin/');
      expect(outside.status).toBe(302);
    });
  });
});
