// The paging engine against a brute-force reference: after random writes and churn, every combination
// of id bounds, date ranges, parent, order (id, scrambled, created with ties stable or dealt by a
// per-request salt), offset and limit lists exactly what filtering and sorting all records would.
import { describe, expect, it } from 'vitest';
import { Api } from '../../src/emulator/api.ts';
import { mix, sequence } from '../../src/emulator/hash.ts';
import { emptyQuery, type ListQuery, list, type OrderKind } from '../../src/emulator/query.ts';
import { type Collection, World } from '../../src/emulator/world.ts';

function bruteForce(c: Collection, q: ListQuery): { ids: number[]; total: number } {
  const rows: number[] = [];
  const maxId = Math.max(c.n, ...c.touched);
  for (let id = 1; id <= maxId; id++) {
    if (!c.exists(id)) continue;
    const entry = c.overlay.get(id);
    const times = entry ? { created: entry.created, updated: entry.updated } : c.times(id);
    const parent = entry ? entry.parent : c.parentId(id);
    if (id < q.minId || id > q.maxId) continue;
    if (q.parent !== undefined && parent !== q.parent) continue;
    if (q.created && !(times.created >= q.created[0] && times.created < q.created[1])) continue;
    if (q.updated && !(times.updated >= q.updated[0] && times.updated < q.updated[1])) continue;
    const rec = c.get(id)!;
    if (!q.eq.every(([f, v]) => String(rec[f]) === v)) continue;
    rows.push(id);
  }
  const by = (id: number): [number, number] => {
    if (q.order === 'scrambled') return [c.positionOf(id), 0];
    if (q.order === 'created') return [c.createdOf(id), q.tieSalt === undefined ? id : mix(q.tieSalt, id)];
    return [id, 0];
  };
  rows.sort((a, b) => by(a)[0] - by(b)[0] || by(a)[1] - by(b)[1]);
  if (q.desc) rows.reverse();
  return { ids: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
}

describe('list()', () => {
  it('matches a brute-force filter over all records, with writes mixed in', () => {
    const world = new World(9, 400, Date.now(), { futureDates: 0.05 });
    const api = new Api(world);
    const rnd = sequence(42);
    const pick = (n: number) => 1 + Math.floor(rnd() * n);
    const now = Date.now();
    // Random writes: new contacts and tags, updates, deletes (cascading to children).
    for (let i = 0; i < 40; i++) {
      const r = rnd();
      if (r < 0.25)
        api.write('POST', ['contacts'], { contact: { email: `w${i}@example.org` } }, now + i * 1000);
      else if (r < 0.5)
        api.write('PUT', ['contacts', String(pick(400))], { contact: { lastName: `L${i}` } }, now + i * 1000);
      else if (r < 0.65) api.write('DELETE', ['contacts', String(pick(400))], {}, now);
      else if (r < 0.85)
        api.write(
          'POST',
          ['contactTags'],
          { contactTag: { contact: String(pick(400)), tag: '2' } },
          now + i * 1000,
        );
      else api.write('PUT', ['contactTags', String(pick(800))], { contactTag: { tag: '4' } }, now + i * 1000);
    }
    const contacts = world.get('contacts');
    const tags = world.get('contactTags');
    const activities = world.get('activities');
    // Churn-like changes to activities: new ones now (ties among them), deletions.
    for (let i = 0; i < 30; i++) {
      if (rnd() < 0.5) api.insert(activities, pick(400), Math.floor(now / 1000) * 1000);
      else api.remove(activities, pick(activities.n));
    }
    expect(contacts.touched.length).toBeGreaterThan(10);
    expect(tags.touched.length).toBeGreaterThan(10);
    expect(activities.futureTop).toBeGreaterThan(0);
    const [from, to] = world.span;
    const orders: OrderKind[] = ['id', 'scrambled', 'created'];
    for (let i = 0; i < 600; i++) {
      const c = [contacts, tags, activities][i % 3];
      const q = emptyQuery(1 + Math.floor(rnd() * 100));
      q.offset = Math.floor(rnd() * 300);
      q.order = orders[Math.floor(rnd() * 3)];
      q.desc = q.order !== 'scrambled' && rnd() < 0.3;
      if (q.order === 'created' && rnd() < 0.6) q.tieSalt = Math.floor(rnd() * 2 ** 32);
      if (rnd() < 0.4) q.minId = pick(c.n);
      if (rnd() < 0.3) q.maxId = pick(c.n + 20);
      if (rnd() < 0.4)
        q.updated = [from + rnd() * (to - from), rnd() < 0.5 ? Number.MAX_SAFE_INTEGER : to + (now - to) * 2];
      if (rnd() < 0.3) q.created = [Number.MIN_SAFE_INTEGER, from + rnd() * (to - from)];
      if (c !== contacts && rnd() < 0.3) q.parent = pick(400);
      if (c === tags && rnd() < 0.2) q.eq.push(['tag', String(pick(25))]);
      const got = list(c, q);
      const want = bruteForce(c, q);
      expect(got, JSON.stringify({ name: c.name, q })).toEqual(want);
    }
  });
});
