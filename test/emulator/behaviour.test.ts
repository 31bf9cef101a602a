// The emulator's moving parts: writes and their timestamps, rate limit, faults, determinism.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Zone } from '../../src/emulator/clock.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { call } from './helpers.ts';

describe('writes', () => {
  let em: RunningEmulator;
  beforeAll(async () => {
    em = await startEmulator({ port: 0, contacts: 500, rateLimit: 0, seed: 3 });
  });
  afterAll(async () => {
    await em.close();
  });
  // Date filters read the account's calendar (its time zone), not UTC.
  const today = () => new Zone(em.timezone).localDate(Date.now());
  const yesterday = () => new Zone(em.timezone).localDate(Date.now() - 86_400_000);

  it('creates, updates and deletes contacts, moving only the written record', async () => {
    const before = Date.now();
    const created = await call(em, 'contacts', {
      method: 'POST',
      body: { contact: { email: 'New.Person@Example.org', firstName: 'New', lastName: 'Person' } },
    });
    expect(created.status).toBe(201);
    const contact = created.json.contact;
    expect(contact.id).toBe('501');
    expect(contact.email).toBe('new.person@example.org');
    expect(Date.parse(contact.udate)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const listed = await call(em, 'contacts?id_greater=500');
    expect(listed.json.contacts).toEqual([contact]);

    // Only records written since yesterday come back from the date filter: none were generated then.
    const recent = await call(em, `contacts?filters[updated_after]=${yesterday()}`);
    expect(recent.json.contacts.map((c: { id: string }) => c.id)).toEqual(['501']);

    const updated = await call(em, 'contacts/42', {
      method: 'PUT',
      body: { contact: { firstName: 'Renamed' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.contact.firstName).toBe('Renamed');
    const recent2 = await call(
      em,
      `contacts?filters[updated_after]=${today()}&filters[updated_before]=${today()}`,
    );
    expect(recent2.json.contacts.map((c: { id: string }) => c.id).sort()).toEqual(['42', '501']);
    expect([...em.records('contacts')].find((c) => c.id === '42')!.firstName).toBe('Renamed');

    const dup = await call(em, 'contacts', {
      method: 'POST',
      body: { contact: { email: updated.json.contact.email } },
    });
    expect(dup.status).toBe(422);
    expect(dup.json.errors[0].code).toBe('duplicate');
    const bare = await call(em, 'contacts/42', { method: 'PUT', body: { firstName: 'no envelope' } });
    expect(bare.status).toBe(422);
    expect(bare.json.errors[0]).toMatchObject({
      code: 'field_missing',
      source: { pointer: '/data/attributes/contact' },
    });
    const missing = await call(em, 'contacts', { method: 'POST', body: { contact: { firstName: 'x' } } });
    expect(missing.status).toBe(422);
    expect(missing.json.errors[0].source.pointer).toBe('/data/attributes/email');
  });

  it('moves a tag, membership or field value without touching the contact', async () => {
    const contactBefore = (await call(em, 'contacts/7')).json.contact;
    const tag = await call(em, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '7', tag: '3' } },
    });
    expect(tag.status).toBe(201);
    expect(tag.json.contactTag.contact).toBe('7');
    const fv = (await call(em, 'contacts/7/fieldValues')).json.fieldValues[0];
    const put = await call(em, `fieldValues/${fv.id}`, {
      method: 'PUT',
      body: { fieldValue: { value: 'changed' } },
    });
    expect(put.json.fieldValue.value).toBe('changed');
    expect(Date.parse(put.json.fieldValue.udate)).toBeGreaterThan(Date.parse(fv.udate));
    expect(put.json.fieldValue.cdate).toBe(fv.cdate);
    const list = await call(em, 'contactLists', {
      method: 'POST',
      body: { contactList: { contact: 7, list: 2, status: 1 } },
    });
    expect(list.status).toBe(201);
    expect(list.json.contactList.contact).toBe('7');
    const contactAfter = (await call(em, 'contacts/7')).json.contact;
    expect(contactAfter.udate).toBe(contactBefore.udate);
    expect(contactAfter.contactLists).toContain(list.json.contactList.id);
    const tags = await call(em, 'contacts/7/contactTags');
    expect(tags.json.contactTags.map((t: { id: string }) => t.id)).toContain(tag.json.contactTag.id);
    const bad = await call(em, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '99999', tag: '1' } },
    });
    expect(bad.status).toBe(422);
  });

  it('syncs a contact by e-mail: update when it exists, create when not', async () => {
    const existing = (await call(em, 'contacts/30')).json.contact;
    const updated = await call(em, 'contact/sync', {
      method: 'POST',
      body: { contact: { email: existing.email.toUpperCase(), lastName: 'Synced' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.contact).toMatchObject({ id: '30', lastName: 'Synced', email: existing.email });
    expect(Date.parse(updated.json.contact.udate)).toBeGreaterThan(Date.parse(existing.udate));
    const created = await call(em, 'contact/sync', {
      method: 'POST',
      body: { contact: { email: 'sync.new@example.org' } },
    });
    expect(created.status).toBe(201);
    expect(Number(created.json.contact.id)).toBeGreaterThan(500);
  });

  it('keeps one value per contact and field, and one tag row per contact and tag', async () => {
    const created = await call(em, 'contacts', {
      method: 'POST',
      body: { contact: { email: 'with.fields@example.org', fieldValues: [{ field: '2', value: 'blue' }] } },
    });
    expect(created.status).toBe(201);
    const [fv] = created.json.fieldValues;
    expect(fv).toMatchObject({ contact: created.json.contact.id, field: '2', value: 'blue' });
    expect(created.json.contact.fieldValues).toEqual([fv.id]);
    const again = await call(em, 'fieldValues', {
      method: 'POST',
      body: { fieldValue: { contact: created.json.contact.id, field: 2, value: 'green' } },
    });
    expect(again.json.fieldValue.id).toBe(fv.id);
    expect(again.json.fieldValue.value).toBe('green');
    const listed = await call(em, `contacts/${created.json.contact.id}/fieldValues`);
    expect(listed.json.fieldValues).toHaveLength(1);
    const stored = [...em.records('contacts')].find((c) => c.id === created.json.contact.id)!;
    expect(stored.fieldValues).toBeUndefined();
    const t1 = await call(em, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '12', tag: '5' } },
    });
    const t2 = await call(em, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '12', tag: '5' } },
    });
    expect(t2.status).toBe(201);
    expect(t2.json.contactTag.id).toBe(t1.json.contactTag.id);
  });

  it('deletes records and what depends on them', async () => {
    const tagsOf9 = (await call(em, 'contacts/9/contactTags')).json.contactTags;
    const del = await call(em, 'contacts/9', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await call(em, 'contacts/9')).status).toBe(404);
    const page = await call(em, 'contacts?limit=10');
    expect(page.json.contacts.map((c: { id: string }) => c.id)).not.toContain('9');
    expect(page.json.meta.total).toBe('502'); // 500 generated + 3 created - 1 deleted
    const remaining = new Set([...em.records('contactTags')].map((t) => t.id));
    for (const t of tagsOf9) expect(remaining.has(t.id)).toBe(false);
    expect((await call(em, 'contacts/9', { method: 'DELETE' })).status).toBe(404);

    const deal = await call(em, 'deals', {
      method: 'POST',
      body: { deal: { title: 'Big', contact: '10', value: 1000, currency: 'usd' } },
    });
    expect(deal.status).toBe(201);
    expect(deal.json.deal.value).toBe('1000');
    const gone = await call(em, `deals/${deal.json.deal.id}`, { method: 'DELETE' });
    expect(gone.status).toBe(200);
    const tag = await call(em, 'tags', {
      method: 'POST',
      body: { tag: { tag: 'fresh', tagType: 'contact' } },
    });
    const link = await call(em, 'contactTags', {
      method: 'POST',
      body: { contactTag: { contact: '11', tag: tag.json.tag.id } },
    });
    await call(em, `tags/${tag.json.tag.id}`, { method: 'DELETE' });
    expect((await call(em, `contactTags/${link.json.contactTag.id}`)).status).toBe(404);
    const account = await call(em, 'accounts', { method: 'POST', body: { account: { name: 'Initech' } } });
    expect(account.status).toBe(201);
    const linked = [...em.records('accountContacts')].filter((a) => a.account === '1');
    expect(linked.length).toBeGreaterThan(0);
    expect((await call(em, 'accounts/1', { method: 'DELETE' })).status).toBe(200);
    expect([...em.records('accountContacts')].filter((a) => a.account === '1')).toEqual([]);
    const list = await call(em, 'lists', {
      method: 'POST',
      body: { list: { name: 'L', sender_url: 'https://x.example', sender_reminder: 'r' } },
    });
    expect(list.status).toBe(201);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past 5 requests per second', async () => {
    // Alone on the account, and every over-limit answer a 429 (realism.test.ts covers the others).
    const em = await startEmulator({ port: 0, contacts: 50, rateLimit: 5, tenantRps: 0, burst503: 0 });
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, () => call(em, 'users/me')));
      const limited = replies.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const r of limited) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const ok = replies.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(5);
      for (const r of ok) {
        expect(r.headers['ratelimit-limit']).toBe('5');
        expect(Number(r.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
      }
      expect(em.stats().rateLimited).toBe(limited.length);
    } finally {
      await em.close();
    }
  });
});

describe('faults', () => {
  it('injects each fault at roughly its rate', async () => {
    const em = await startEmulator({
      port: 0,
      contacts: 50,
      rateLimit: 0,
      faults: '500:0.1,503:0.05,403:0.05,empty:0.1,truncated:0.1,reset:0.05',
      junk200: 0,
    });
    try {
      const n = 600;
      const seen = { 500: 0, 503: 0, 403: 0, empty: 0, truncated: 0, reset: 0, ok: 0 };
      for (let i = 0; i < n; i++) {
        try {
          const r = await call(em, 'tags?limit=5');
          if (r.status === 200 && r.text === '') seen.empty++;
          else if (r.status === 200 && r.json === undefined) seen.truncated++;
          else if (r.status === 200) seen.ok++;
          else seen[r.status as 500 | 503 | 403]++;
        } catch {
          seen.reset++;
        }
      }
      const near = (count: number, p: number) => {
        expect(count).toBeGreaterThan(n * p * 0.5);
        expect(count).toBeLessThan(n * p * 1.5);
      };
      near(seen[500], 0.1);
      near(seen[503], 0.05);
      near(seen[403], 0.05);
      near(seen.empty, 0.1);
      near(seen.truncated, 0.1);
      near(seen.reset, 0.05);
      near(seen.ok, 0.55);
    } finally {
      await em.close();
    }
  });
});

describe('determinism', () => {
  it('gives the same account for the same seed and another for another seed', async () => {
    const [a, b, c] = await Promise.all([
      startEmulator({ port: 0, contacts: 200, seed: 11, rateLimit: 0 }),
      startEmulator({ port: 0, contacts: 200, seed: 11, rateLimit: 0 }),
      startEmulator({ port: 0, contacts: 200, seed: 12, rateLimit: 0 }),
    ]);
    try {
      const strip = (rows: Iterable<Record<string, unknown>>) =>
        [...rows].map((r) => JSON.stringify(r).replaceAll(/http:\/\/127\.0\.0\.1:\d+/g, ''));
      for (const name of ['contacts', 'deals', 'fieldValues', 'contactTags', 'tags']) {
        expect(strip(a.records(name)), name).toEqual(strip(b.records(name)));
      }
      expect(strip(a.records('contacts'))).not.toEqual(strip(c.records('contacts')));
      const pa = await call(a, 'contacts?limit=5');
      const pb = await call(b, 'contacts?limit=5');
      expect(pa.text.replaceAll(a.url, '')).toBe(pb.text.replaceAll(b.url, ''));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
