// The realism knobs, one behaviour per test: unsorted order, ties, churn, time zone, future dates,
// eventTrackingEvents, the plan table, the other API user, 503 bursts, junk 200s, include=, child writes
// touching the contact, and the request log. Every draw is seeded, so each run sees the same account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/emulator/catalog.ts';
import { naiveUtc, Zone } from '../../src/emulator/clock.ts';
import {
  type EmulatorOptions,
  PLAN_GATES,
  PLANS,
  type RunningEmulator,
  startEmulator,
} from '../../src/emulator/index.ts';
import { gateOf } from '../../src/emulator/plans.ts';
import { call } from './helpers.ts';

type Row = Record<string, unknown> & { id: string };
const ids = (rows: Row[]) => rows.map((r) => Number(r.id));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withEmulator<T>(opts: EmulatorOptions, body: (em: RunningEmulator) => Promise<T>): Promise<T> {
  const em = await startEmulator({ port: 0, rateLimit: 0, junk200: 0, ...opts });
  try {
    return await body(em);
  } finally {
    await em.close();
  }
}

/** Every record of a list read by offset pages of 100 (what a naive pager sees). */
async function scan(em: RunningEmulator, path: string, key: string): Promise<number[]> {
  const first = await call(em, `${path}${path.includes('?') ? '&' : '?'}limit=100`);
  const total = Number(first.json.meta?.total ?? first.json[key].length);
  const out = ids(first.json[key]);
  for (let offset = 100; offset < total; offset += 100)
    out.push(
      ...ids(
        (await call(em, `${path}${path.includes('?') ? '&' : '?'}limit=100&offset=${offset}`)).json[key],
      ),
    );
  return out;
}

describe('unsorted order', () => {
  it('is stable and not id order; new records land at random places in it (hard), at the end (ideal)', async () => {
    for (const realism of ['hard', 'ideal'] as const) {
      await withEmulator({ contacts: 300, seed: 2, realism }, async (em) => {
        const a = await scan(em, 'contacts', 'contacts');
        const b = await scan(em, 'contacts', 'contacts');
        expect(a).toEqual(b);
        expect(sorted(a)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
        const inIdOrder = a.every((id, i) => id === i + 1);
        expect(inIdOrder, realism).toBe(realism === 'ideal');
        const tags = ids((await call(em, 'contacts/5/contactTags')).json.contactTags);
        const made: number[] = [];
        for (let i = 0; i < 8; i++) {
          const r = await call(em, 'contacts', {
            method: 'POST',
            body: { contact: { email: `n${i}@example.org` } },
          });
          made.push(Number(r.json.contact.id));
        }
        const after = await scan(em, 'contacts', 'contacts');
        expect(sorted(after)).toEqual(sorted([...a, ...made]));
        const places = made.map((id) => after.indexOf(id)).sort((x, y) => x - y);
        if (realism === 'ideal') expect(places).toEqual(Array.from({ length: 8 }, (_, i) => 300 + i));
        else {
          // Spread through the order: at least half of them before the last tenth.
          expect(places.filter((p) => p < 270).length).toBeGreaterThanOrEqual(4);
          // The generated records keep their relative order.
          expect(after.filter((id) => id <= 300)).toEqual(a);
        }
        expect(sorted(tags)).toEqual(
          sorted(ids([...em.records('contactTags')].filter((t) => t.contact === '5') as Row[])),
        );
      });
    }
  });
});

describe('ties', () => {
  let em: RunningEmulator;
  let acts: Array<Row & { tstamp: string }>;
  let blast: { at: string; size: number; before: number };
  beforeAll(async () => {
    em = await startEmulator({ port: 0, contacts: 1000, rateLimit: 0, seed: 4, junk200: 0 });
    acts = [...em.records('activities')] as Array<Row & { tstamp: string }>;
    const groups = new Map<string, number>();
    for (const a of acts) groups.set(a.tstamp, (groups.get(a.tstamp) ?? 0) + 1);
    const [at, size] = [...groups].sort((x, y) => y[1] - x[1])[0]!;
    const t = Date.parse(at);
    blast = { at, size, before: acts.filter((a) => Date.parse(a.tstamp) < t).length };
  });
  afterAll(async () => {
    await em.close();
  });

  it('activities come in same-second bursts: mostly a handful, one larger than a page', () => {
    const groups = new Map<string, number>();
    for (const a of acts) groups.set(a.tstamp, (groups.get(a.tstamp) ?? 0) + 1);
    const sizes = [...groups.values()].sort((a, b) => a - b);
    expect(sizes.filter((s) => s > 1).length).toBeGreaterThan(100);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(6);
    expect(blast.size).toBeGreaterThan(100);
  });

  it('breaks ties differently on every request, still sorted, and a naive offset scan loses records', async () => {
    const page = `activities?orders[tstamp]=ASC&limit=100&offset=${blast.before + 20}`;
    const one = await call(em, page);
    const two = await call(em, page);
    for (const r of [one, two]) expect(r.json.activities.every((a: Row) => a.tstamp === blast.at)).toBe(true);
    expect(ids(one.json.activities)).not.toEqual(ids(two.json.activities));
    const all = await scan(em, 'activities?orders[tstamp]=ASC', 'activities');
    const times = all.map((id) => Date.parse(acts.find((a) => Number(a.id) === id)!.tstamp));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    expect(new Set(all).size).toBeLessThan(acts.length);
  });

  it('after= returns exactly the records at or after the instant (inclusive)', async () => {
    const res = await call(
      em,
      `activities?after=${encodeURIComponent(blast.at)}&orders[tstamp]=ASC&limit=100`,
    );
    expect(Number(res.json.meta.total)).toBe(acts.length - blast.before);
    expect(res.json.activities.every((a: Row) => a.tstamp === blast.at)).toBe(true);
  });

  it('tieOrder stable breaks ties by id, the same on every request', async () => {
    await withEmulator({ contacts: 1000, seed: 4, tieOrder: 'stable' }, async (stable) => {
      const page = `activities?orders[tstamp]=ASC&limit=100&offset=${blast.before + 20}`;
      const one = ids((await call(stable, page)).json.activities);
      expect(ids((await call(stable, page)).json.activities)).toEqual(one);
      expect(one).toEqual(sorted(one));
      expect(new Set(await scan(stable, 'activities?orders[tstamp]=ASC', 'activities')).size).toBe(
        acts.length,
      );
    });
  });
});

describe('churn', () => {
  it('inserts and deletes records of the paged collection at the given rate, reflected in records()', async () => {
    await withEmulator(
      { contacts: 300, seed: 6, churn: 0.5, churnCollections: ['contactTags'] },
      async (em) => {
        const generated = ids([...em.records('contactTags')] as Row[]);
        const before = generated.length;
        const started = Date.now();
        for (let i = 0; i < 20; i++) await call(em, 'contacts?limit=5');
        expect(em.realismCounts().churnInserted + em.realismCounts().churnDeleted).toBe(0);
        for (let i = 0; i < 200; i++) await call(em, `contactTags?limit=5&offset=${i}`);
        const { churnInserted: ins, churnDeleted: del } = em.realismCounts();
        expect(ins + del).toBeGreaterThan(60); // 0.5 per request: about 100
        expect(ins + del).toBeLessThan(140);
        const now = [...em.records('contactTags')] as Array<Row & { contact: string; cdate: string }>;
        expect(now.length).toBe(before + ins - del);
        const contacts = new Set([...em.records('contacts')].map((c) => c.id));
        const fresh = now.filter((t) => Number(t.id) > Math.max(...generated));
        // Churn may delete a record it inserted earlier.
        expect(fresh.length).toBeGreaterThan(ins / 2);
        expect(fresh.length).toBeLessThanOrEqual(ins);
        for (const t of fresh) {
          expect(contacts.has(t.contact)).toBe(true);
          expect(Date.parse(t.cdate)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
        }
        em.setChurn(0);
        const listed = await scan(em, 'contactTags', 'contactTags');
        expect(sorted(listed)).toEqual(sorted(ids(now)));
        // New records sit among the old ones, not after them.
        const places = fresh.map((t) => listed.indexOf(Number(t.id)));
        expect(places.filter((p) => p < listed.length - fresh.length).length).toBeGreaterThan(
          fresh.length / 2,
        );
        em.setChurn(2, ['tags']);
        await call(em, 'tags');
        expect(em.realismCounts().churnInserted + em.realismCounts().churnDeleted).toBe(ins + del + 2);
        expect(() => em.setChurn(1, ['nope'])).toThrow(/churn-collections: "nope"/);
      },
    );
  });
});

describe('time zone', () => {
  it('ISO offsets, naive local and naive UTC fields agree, in the zone asked for', async () => {
    for (const timezone of [undefined, 'Asia/Kathmandu']) {
      await withEmulator({ contacts: 200, seed: 8, timezone }, async (em) => {
        expect(em.timezone).toBe(timezone ?? 'Australia/Adelaide');
        const zone = new Zone(em.timezone);
        const offsets = new Set<string>();
        const pairs: Array<[string, string, string, string?]> = [
          ['contacts', 'cdate', 'created_timestamp', 'created_utc_timestamp'],
          ['contacts', 'udate', 'updated_timestamp', 'updated_utc_timestamp'],
          ['contactLists', 'sdate', 'created_timestamp'],
          ['bounceLogs', 'tstamp', 'created_timestamp'],
        ];
        for (const [name, iso, local, utc] of pairs) {
          for (const r of em.records(name) as Array<Record<string, string>>) {
            const t = Date.parse(r[iso]);
            expect(r[iso]).toBe(zone.isoLocal(t));
            expect(r[local]).toBe(r[iso].slice(0, 19).replace('T', ' '));
            if (utc) expect(r[utc]).toBe(naiveUtc(t));
            offsets.add(r[iso].slice(-6));
          }
        }
        expect(offsets).toEqual(timezone ? new Set(['+05:45']) : new Set(['+09:30', '+10:30']));
      });
    }
    await withEmulator({ contacts: 20, realism: 'ideal' }, async (em) => expect(em.timezone).toBe('UTC'));
    await expect(startEmulator({ port: 0, timezone: 'Mars/Base' })).rejects.toThrow(/timezone: "Mars\/Base"/);
  });
});

describe('future dates', () => {
  it('a share of records carries future dates in the catalog fields; future activities sort last', async () => {
    await withEmulator({ contacts: 1000, seed: 9, futureDates: 0.2 }, async (em) => {
      const now = Date.now();
      const future = (v: unknown) =>
        typeof v === 'string' && Date.parse(v.replace(' ', 'T')) > now + 3_600_000;
      for (const def of CATALOG.filter((d) => d.future)) {
        const rows = [...em.records(def.name)];
        const hit = rows.filter((r) => def.future!.fields.some((f) => future(r[f])));
        expect(hit.length, def.name).toBeGreaterThan(0);
        if (rows.length >= 200) {
          expect(hit.length / rows.length, def.name).toBeGreaterThan(0.1);
          expect(hit.length / rows.length, def.name).toBeLessThan(0.3);
        }
      }
      const acts = [...em.records('activities')] as Array<Row & { tstamp: string }>;
      const ahead = acts.filter((a) => future(a.tstamp));
      const res = await call(
        em,
        `activities?after=${encodeURIComponent(new Date(now).toISOString())}&limit=100`,
      );
      expect(Number(res.json.meta.total)).toBe(ahead.length);
      const last = await call(em, 'activities?orders[tstamp]=DESC&limit=5');
      expect(last.json.activities.every((a: Row) => future(a.tstamp))).toBe(true);
    });
    await withEmulator({ contacts: 300, seed: 9, realism: 'ideal' }, async (em) => {
      const now = Date.now();
      for (const def of CATALOG.filter((d) => d.future))
        for (const r of em.records(def.name))
          for (const f of def.future!.fields)
            if (typeof r[f] === 'string') expect(Date.parse(r[f] as string), def.name).toBeLessThan(now);
    });
  });
});

describe('eventTrackingEvents', () => {
  it('is served as documented, records without ids (hard); 404 in ideal', async () => {
    await withEmulator({ contacts: 20 }, async (em) => {
      const res = await call(em, 'eventTrackingEvents');
      expect(res.status).toBe(200);
      expect(Object.keys(res.json)).toEqual(['eventTrackingEvents', 'meta']);
      expect(res.json.meta).toEqual({ total: res.json.eventTrackingEvents.length });
      for (const e of res.json.eventTrackingEvents) expect(Object.keys(e)).toEqual(['name']);
      expect(res.json.eventTrackingEvents.map((e: { name: string }) => e.name)).toContain('__pagevisit');
    });
    await withEmulator({ contacts: 20, realism: 'ideal' }, async (em) => {
      expect((await call(em, 'eventTrackingEvents')).status).toBe(404);
      expect(em.refusedStatus('eventTrackingEvents')).toBe(404);
    });
  });
});

describe('plans', () => {
  it('each plan refuses the collections of the table with its answer; enterprise serves all', async () => {
    const gated = [...PLAN_GATES.keys()].filter((n) => n !== 'customObjects/records');
    for (const plan of PLANS) {
      await withEmulator({ contacts: 50, plan }, async (em) => {
        for (const name of gated) {
          const gate = gateOf(plan, name);
          const res = await call(em, name);
          expect(res.status, `${plan} ${name}`).toBe(gate?.status ?? 200);
          expect(em.refusedStatus(name)).toBe(gate?.status);
          if (gate?.status === 302) expect(String(res.headers.location)).toMatch(/\/login/);
          else if (gate) expect(res.json).toEqual(gate.body);
        }
        const schema = em.collections().find((n) => n.startsWith('customObjects/records/'))!;
        expect((await call(em, schema)).status).toBe(plan === 'enterprise' ? 200 : 400);
      });
    }
    await withEmulator({ contacts: 50, plan: 'lite' }, async (em) => {
      expect((await call(em, 'ecomOrders/1/orderProducts')).status).toBe(403);
      const deal = await call(em, 'deals', { method: 'POST', body: { deal: { title: 'x', contact: '1' } } });
      expect(deal.status).toBe(403);
      expect((await call(em, 'contacts?limit=1')).status).toBe(200);
    });
    await expect(startEmulator({ port: 0, plan: 'gold' })).rejects.toThrow(/plan: "gold" is not one of lite/);
  });
});

describe('the other API user', () => {
  it('takes its share of the budget, seen in the request log; setTenantRps changes it', async () => {
    await withEmulator(
      { contacts: 20, rateLimit: 5, tenantRps: 4, burst503: 0, requestLog: true },
      async (em) => {
        // About 6 requests/s from us for 2 s, 4/s from the other user: more than the 5/s the account has.
        for (let i = 0; i < 12; i++) {
          await call(em, 'users/me');
          await sleep(150);
        }
        const log = em.requestLog();
        const tenant = log.filter((e) => e.tenant);
        const ours = log.filter((e) => !e.tenant);
        expect(ours).toHaveLength(12);
        expect(tenant.length).toBeGreaterThanOrEqual(4);
        expect(tenant.every((e) => e.path === '/api/3/(another API user)')).toBe(true);
        expect(ours.filter((e) => e.status === 429).length).toBeGreaterThan(0);
        // The budget holds: in no window of one second did the account serve more than 5 + 5 requests
        // (a full bucket plus one second of refill).
        const served = log.filter((e) => e.status === 200).map((e) => e.t);
        for (const t of served)
          expect(served.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10);
        em.setTenantRps(0);
        const count = em.requestLog().filter((e) => e.tenant).length;
        await sleep(600);
        expect(em.requestLog().filter((e) => e.tenant).length).toBe(count);
      },
    );
  });
});

describe('bursts over the limit', () => {
  it('answer 503 without Retry-After (burst503 of the time) or 429 with it, as the log shows', async () => {
    await withEmulator(
      { contacts: 20, rateLimit: 5, tenantRps: 0, burst503: 0.5, requestLog: true },
      async (em) => {
        const replies = await Promise.all(Array.from({ length: 40 }, () => call(em, 'users/me')));
        const busy = replies.filter((r) => r.status === 503);
        const limited = replies.filter((r) => r.status === 429);
        expect(busy.length).toBeGreaterThan(5);
        expect(limited.length).toBeGreaterThan(5);
        for (const r of busy) {
          expect(r.headers['retry-after']).toBeUndefined();
          expect(String(r.headers['content-type'])).toMatch(/text\/html/);
        }
        for (const r of limited) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(em.realismCounts().busy503).toBe(busy.length);
        const log = em.requestLog();
        expect(log.filter((e) => e.status === 503)).toHaveLength(busy.length);
        expect(log.filter((e) => e.status === 429)).toHaveLength(limited.length);
      },
    );
  });
});

describe('junk 200s', () => {
  it('an occasional 200 list answer is an HTML page or {}', async () => {
    await withEmulator({ contacts: 20, junk200: 0.3 }, async (em) => {
      let html = 0;
      let empty = 0;
      for (let i = 0; i < 60; i++) {
        const r = await call(em, 'tags?limit=5');
        expect(r.status).toBe(200);
        if (String(r.headers['content-type']).startsWith('text/html')) html++;
        else if (r.json && Object.keys(r.json).length === 0) empty++;
        else expect(r.json.tags).toHaveLength(5);
      }
      expect(html).toBeGreaterThan(0);
      expect(empty).toBeGreaterThan(0);
      expect(em.realismCounts().junk200).toBe(html + empty);
      for (let i = 0; i < 20; i++) expect((await call(em, 'users/me')).json.user.id).toBe('1');
    });
  });
});

describe('include=', () => {
  it('side-loads top-level arrays and id arrays (§6.1) with filters and id_greater, capped by includeCap', async () => {
    for (const includeCap of [undefined, 1]) {
      await withEmulator({ contacts: 200, seed: 12, includeCap }, async (em) => {
        const all = [...em.records('contacts')] as Array<Row & { udate: string }>;
        const day = all[100].udate.slice(0, 10);
        const want = all
          .filter((c) => c.udate.slice(0, 10) >= day && Number(c.id) > 120)
          .map((c) => Number(c.id));
        const res = await call(
          em,
          `contacts?include=fieldValues,contactTags.tag,contactLists.list,contactAutomations,contactData,deals,geoIps.geoAddress&filters[updated_after]=${day}&id_greater=120&orders[id]=ASC&limit=100`,
        );
        expect(ids(res.json.contacts)).toEqual(want.slice(0, 100));
        for (const [rel, key] of [
          ['fieldValues', 'contact'],
          ['contactTags', 'contact'],
          ['contactLists', 'contact'],
          ['contactAutomations', 'contact'],
          ['contactData', 'contact'],
          ['deals', 'contact'],
        ]) {
          const rows = res.json[rel] as Row[];
          const truth = [...em.records(rel)] as Row[];
          for (const c of res.json.contacts as Array<Record<string, string[]> & { id: string }>) {
            const children = truth.filter((r) => r[key] === c.id).map((r) => Number(r.id));
            // Deals the key sees only as stubs carry no contact field: they are listed, not matched here.
            if (rel === 'deals') expect(c[rel].map(Number)).toEqual(expect.arrayContaining(children));
            else expect(sorted(c[rel].map(Number)), `${rel} of ${c.id}`).toEqual(sorted(children));
            const shown = rows.filter((r) => c[rel].includes(r.id));
            expect(shown.length).toBe(includeCap === undefined ? c[rel].length : Math.min(1, c[rel].length));
          }
        }
        const tagIds = new Set(res.json.tags.map((t: Row) => t.id));
        for (const ct of res.json.contactTags) expect(tagIds.has(ct.tag)).toBe(true);
        expect(res.json.lists.length).toBeGreaterThan(0);
        expect(res.json.geoIps).toEqual([]);
        expect(res.json.geoAddresses).toEqual([]);
      });
    }
  });
});

describe('child writes touching the contact', () => {
  it("moves the contact's udate and naive updated times when on, not when off", async () => {
    for (const touch of [true, false]) {
      await withEmulator({ contacts: 100, seed: 13, childWritesTouchContact: touch }, async (em) => {
        const zone = new Zone(em.timezone);
        const before = (await call(em, 'contacts/7')).json.contact;
        const started = Math.floor(Date.now() / 1000) * 1000;
        const fv = (await call(em, 'contacts/7/fieldValues')).json.fieldValues[0];
        await call(em, `fieldValues/${fv.id}`, { method: 'PUT', body: { fieldValue: { value: 'x' } } });
        await call(em, 'contactTags', { method: 'POST', body: { contactTag: { contact: '8', tag: '2' } } });
        for (const id of [7, 8]) {
          const after = (await call(em, `contacts/${id}`)).json.contact;
          if (touch) {
            expect(Date.parse(after.udate)).toBeGreaterThanOrEqual(started);
            expect(after.updated_timestamp).toBe(zone.naiveLocal(Date.parse(after.udate)));
            expect(after.updated_utc_timestamp).toBe(naiveUtc(Date.parse(after.udate)));
          } else expect(Date.parse(after.udate)).toBeLessThan(started);
        }
        const today = zone.localDate(Date.now());
        const recent = await call(em, `contacts?filters[updated_after]=${today}&orders[id]=ASC`);
        expect(ids(recent.json.contacts)).toEqual(touch ? [7, 8] : []);
        expect(before.id).toBe('7');
      });
    }
  });
});

describe('request log', () => {
  it('records every request with its arrival, method, path, query and status', async () => {
    await withEmulator({ contacts: 20, requestLog: true }, async (em) => {
      const t0 = Date.now();
      await call(em, 'contacts?limit=2&offset=1');
      await call(em, 'contacts/99999');
      await call(em, 'tags', { key: 'wrong' });
      const log = em.requestLog();
      expect(log.map((e) => [e.method, e.path, e.query, e.status, e.tenant])).toEqual([
        ['GET', '/api/3/contacts', 'limit=2&offset=1', 200, false],
        ['GET', '/api/3/contacts/99999', '', 404, false],
        ['GET', '/api/3/tags', '', 403, false],
      ]);
      for (const e of log) expect(e.t).toBeGreaterThanOrEqual(t0 - 50);
    });
    await withEmulator({ contacts: 20 }, async (em) => {
      expect(() => em.requestLog()).toThrow(/requestLog: true/);
    });
  });
});
