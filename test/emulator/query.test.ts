// The paging engine against a brute-force reference: after random writes, every combination of id
// bounds, date ranges, parent, order, offset and limit lists exactly what filtering all records would.
import { describe, expect, it } from 'vitest';
import { Api } from '../../src/emulator/api.ts';
import { sequence } from '../../src/emulator/hash.ts';
import { emptyQuery, type ListQuery, list } from '../../src/emulator/query.ts';
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
  if (q.desc) rows.reverse();
  return { ids: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
}

describe('list()', () => {
  it('matches a brute-force filter over all records, with writes mixed in', () => {
    const world = new World(9, 400, Date.now());
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
    expect(contacts.touched.length).toBeGreaterThan(10);
    expect(tags.touched.length).toBeGreaterThan(10);
    const [from, to] = world.span;
    for (let i = 0; i < 400; i++) {
      const c = i % 2 ? contacts : tags;
      const q = emptyQuery(1 + Math.floor(rnd() * 100));
      q.offset = Math.floor(rnd() * 300);
      q.desc = rnd() < 0.3;
      if (rnd() < 0.4) q.minId = pick(c.n);
      if (rnd() < 0.3) q.maxId = pick(c.n + 20);
      if (rnd() < 0.4)
        q.updated = [from + rnd() * (to - from), rnd() < 0.5 ? Number.MAX_SAFE_INTEGER : to + (now - to) * 2];
      if (rnd() < 0.3) q.created = [Number.MIN_SAFE_INTEGER, from + rnd() * (to - from)];
      if (c === tags && rnd() < 0.3) q.parent = pick(400);
      if (c === tags && rnd() < 0.2) q.eq.push(['tag', String(pick(25))]);
      const got = list(c, q);
      const want = bruteForce(c, q);
      expect(got, JSON.stringify({ name: c.name, q })).toEqual(want);
    }
  });
});
