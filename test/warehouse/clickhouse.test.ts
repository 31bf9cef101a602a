// ClickHouse against a real server (Debian's 18.16, started by the test): a full sync, changes through
// the API, then an incremental sync give exactly the account's records read the documented way (the
// newest row per id); a database laid out by RudderStack's DDL is adopted without changing its columns'
// types; state and history are exact under ClickHouse's versioned bookkeeping; a reconcile marks the
// records deleted in the account (new row versions), keeps the marks, and unmarks a record that comes back.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig, RunResult, SourceConfig, WriteBatch } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { customObjectResourceName, findResource } from '../../src/extract/catalog.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { testDestination } from '../../src/serve/actions.ts';
import { displaySettings } from '../../src/serve/destination-types.ts';
import { latestRows } from '../../src/warehouse/dialects/clickhouse.ts';
import { openQuery, openWarehouse, tableName } from '../../src/warehouse/index.ts';
import { compareResource, describeMismatch } from '../pipeline/exact.ts';
import { collectionOf, sourceFor, withQuery } from '../pipeline/support.ts';
import { type ClickHouseServer, startClickHouse } from '../support/clickhouse.ts';
import { tempDir } from '../support/env.ts';
import { contact } from './harness.ts';

const server = await startClickHouse('the ClickHouse destination tests');
const TIMEOUT = 240_000;

describe.runIf(server)('ClickHouse destination', () => {
  const ch = server as ClickHouseServer;
  let emulator: RunningEmulator;
  let source: SourceConfig;
  const tmp = tempDir('clickhouse-dashboard');
  const dest = (database: string): DestinationConfig => ({
    type: 'clickhouse',
    name: 'warehouse',
    url: ch.url,
    schema: database,
  });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, contacts: 300, rateLimit: 0, seed: 12 });
    source = sourceFor(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
    await ch?.stop();
    tmp.cleanup();
  });

  function collectionFor(name: string): string {
    const def = findResource(name);
    if (def) return collectionOf(def);
    for (const s of emulator.records('customObjects/schemas'))
      if (customObjectResourceName(String(s.slug)) === name) return `customObjects/records/${String(s.id)}`;
    throw new Error(`no collection for ${name}`);
  }

  const emulatorIds = (name: string) => {
    const pk = findResource(name)?.primaryKey ?? 'id';
    return new Set([...emulator.records(collectionFor(name))].map((r) => String(r[pk])));
  };

  /** The documented read: the newest row per id. */
  const latest = (database: string, resource: string) =>
    ch.query(latestRows(`"${database}"."${tableName('clickhouse', source.tablePrefix, resource)}"`));

  async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${emulator.url}/api/3/${path}`, {
      method,
      headers: { 'Api-Token': emulator.apiKey, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Each synced table read the documented way holds exactly the account's ids (deleted ones kept). */
  async function expectExact(database: string, result: RunResult, previous?: Map<string, Set<string>>) {
    let compared = 0;
    for (const s of result.resources) {
      if (s.status !== 'success') continue;
      const rows = await latest(database, s.name).catch(() => []);
      const ids = rows.map((r) => String(r.id));
      expect(new Set(ids).size, `${s.name}: one row per id`).toBe(ids.length);
      const expected = emulatorIds(s.name);
      for (const id of expected) expect(ids.includes(id), `${s.name} id ${id}`).toBe(true);
      for (const id of ids)
        if (!expected.has(id))
          expect(previous?.get(s.name)?.has(id), `${s.name} id ${id} is stale`).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
    // Every live record's every cell, as the account holds it now (test/pipeline/exact.ts).
    const problems = await withQuery(dest(database), async (q) => {
      const out: string[] = [];
      for (const s of result.resources)
        if (s.status === 'success')
          out.push(describeMismatch(await compareResource(q, emulator, dest(database), source, s.name)));
      return out.filter(Boolean);
    });
    expect(problems).toEqual([]);
  }

  it(
    'full sync, changes, incremental: exactly the account’s records, newest row per id',
    async () => {
      const db = 'acsync_exact';
      const first = await runSync({ source, destination: dest(db), logger: silentLogger() });
      expect(
        first.error,
        JSON.stringify(first.resources.filter((s) => s.status === 'failed')),
      ).toBeUndefined();
      expect(first.status).toBe('success');
      await expectExact(db, first);
      const before = new Map(first.resources.map((s) => [s.name, emulatorIds(s.name)]));

      const contacts = [...emulator.records('contacts')];
      const changed = String(contacts[5]!.id);
      const deleted = String(contacts[9]!.id);
      await api('PUT', `contacts/${changed}`, { contact: { firstName: 'Renamed' } });
      const created = await api('POST', 'contacts', { contact: { email: 'new.person@example.com' } });
      const newId = String((created.contact as { id: unknown }).id);
      await api('DELETE', `contacts/${deleted}`);
      const deal = [...emulator.records('deals')].find((d) => d.contact)!;
      await api('PUT', `deals/${String(deal.id)}`, { deal: { title: 'Bigger deal' } });

      const second = await runSync({ source, destination: dest(db), logger: silentLogger() });
      expect(second.status).toBe('success');
      await expectExact(db, second, before);
      const contactRows = new Map((await latest(db, 'contacts')).map((r) => [String(r.id), r]));
      expect(contactRows.get(changed)?.first_name).toBe('Renamed');
      expect(contactRows.get(newId)?.email).toBe('new.person@example.com');
      expect(contactRows.get(deleted)?.email).toBe(contacts[9]!.email);
      // That sync was a reconcile (the default: every run): the deleted contact alone is marked.
      expect(contactRows.get(deleted)?._acsync_deleted_at).not.toBeNull();
      expect([...contactRows.values()].filter((r) => r._acsync_deleted_at !== null).length).toBe(1);
      const dealRow = (await latest(db, 'deals')).find((r) => String(r.id) === String(deal.id));
      expect(dealRow?.title).toBe('Bigger deal');
      // The raw table keeps the older row of the renamed contact: the documented read is what hides it.
      const raw = await ch.query(
        `SELECT first_name FROM "${db}"."ac_rudder_contacts" WHERE id = '${changed}' ORDER BY received_at`,
      );
      expect(raw.length).toBeGreaterThanOrEqual(1);
      expect(raw.at(-1)?.first_name).toBe('Renamed');

      // State and history read back exactly (versioned bookkeeping), newest run first.
      const target = await openWarehouse(dest(db), source);
      const history = await target.history({ limit: 1000 });
      expect(new Set(history.map((h) => h.runId))).toEqual(new Set([first.runId, second.runId]));
      expect(history[0]!.runId).toBe(second.runId);
      expect(history.every((h) => h.status === 'success' || h.status === 'skipped')).toBe(true);
      expect(await target.getState('contacts')).not.toBeNull();
      await target.resetState(['contacts']);
      expect(await target.getState('contacts')).toBeNull();
      expect(await target.getState('deals')).not.toBeNull();
      await target.close();

      // acsync query runs with the source's database as the default.
      const q = await openQuery(dest(db), source.name);
      const n = await q.query(
        'SELECT count() AS n FROM (SELECT id FROM ac_rudder_contacts FINAL LIMIT 1 BY id)',
      );
      await q.close();
      expect(Number(n[0]!.n)).toBe(emulatorIds('contacts').size + 1);
    },
    TIMEOUT,
  );

  it(
    'adopts a database RudderStack created: its columns keep their types, new ones are added Nullable',
    async () => {
      // RudderStack's ClickHouse DDL (rudder-server warehouse/integrations/clickhouse): the database named
      // after the source, Nullable columns outside the sort key, LowCardinality event, ReplacingMergeTree
      // ORDER BY ("received_at","id") PARTITION BY toDate(received_at); discards sorted by received_at.
      const adopter = { ...source, name: 'Rudder Source', resources: ['contacts', 'tags'] };
      const db = 'rudder_source';
      await ch.exec(`CREATE DATABASE IF NOT EXISTS "${db}"`);
      await ch.exec(
        `CREATE TABLE IF NOT EXISTS "${db}"."ac_rudder_contacts" ("id" String, "received_at" DateTime, ` +
          `"event" LowCardinality(String), "email" Nullable(String), "first_name" Nullable(String), ` +
          `"cdate" Nullable(String), "deleted" Nullable(Int64), "context_sources_job_run_id" Nullable(String), ` +
          `"uuid_ts" Nullable(DateTime)) ENGINE = ReplacingMergeTree() ORDER BY ("received_at","id") ` +
          'PARTITION BY toDate(received_at)',
        { allow_experimental_low_cardinality_type: 1 },
      );
      await ch.exec(
        `CREATE TABLE IF NOT EXISTS "${db}"."rudder_discards" ("table_name" Nullable(String), ` +
          `"row_id" Nullable(String), "column_name" Nullable(String), "column_value" Nullable(String), ` +
          `"reason" Nullable(String), "received_at" DateTime, "uuid_ts" Nullable(DateTime)) ` +
          'ENGINE = ReplacingMergeTree() ORDER BY ("received_at") PARTITION BY toDate(received_at)',
      );
      const first = [...emulator.records('contacts')][0]!;
      await ch.exec(
        `INSERT INTO "${db}"."ac_rudder_contacts" (id, received_at, event, email, first_name, ` +
          `context_sources_job_run_id) VALUES ('${String(first.id)}', '2023-01-01 00:00:00', ` +
          `'ac_rudder_contacts', 'old@example.com', 'Old', 'rudderstack-run'), ` +
          `('999999', '2023-01-01 00:00:00', 'ac_rudder_contacts', 'gone@example.com', 'Gone', 'rudderstack-run')`,
      );
      const typesOf = async () =>
        Object.fromEntries(
          (
            await ch.query(
              `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'ac_rudder_contacts'`,
            )
          ).map((r) => [String(r.name), String(r.type)]),
        );
      const before = await typesOf();

      // No `database:` in the config: the source's name the RudderStack way finds it.
      const destination: DestinationConfig = { type: 'clickhouse', name: 'warehouse', url: ch.url };
      const result = await runSync({ source: adopter, destination, logger: silentLogger() });
      expect(result.status, JSON.stringify(result.resources)).toBe('success');

      const after = await typesOf();
      for (const [name, type] of Object.entries(before)) expect(after[name], name).toBe(type);
      expect(after.udate).toBe('Nullable(DateTime)');
      expect(after.context_source_type).toBe('Nullable(String)');
      expect(Object.keys(after).length).toBeGreaterThan(Object.keys(before).length);
      const tags = await ch.query(
        `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'ac_rudder_tags'`,
      );
      const tagTypes = Object.fromEntries(tags.map((r) => [String(r.name), String(r.type)]));
      expect(tagTypes).toMatchObject({
        id: 'String',
        received_at: 'DateTime',
        event: 'LowCardinality(String)',
      });
      const engine = await ch.query(
        `SELECT engine_full FROM system.tables WHERE database = '${db}' AND name = 'ac_rudder_tags'`,
      );
      expect(String(engine[0]!.engine_full)).toMatch(
        /^ReplacingMergeTree\(\) PARTITION BY toDate\(received_at\) ORDER BY \(received_at, id\)/,
      );

      // The newest row per id: acsync's rows over RudderStack's, RudderStack's own rows kept.
      const rows = new Map((await latest(db, 'contacts')).map((r) => [String(r.id), r]));
      expect(rows.size).toBe(emulatorIds('contacts').size + 1);
      expect(rows.get(String(first.id))?.email).toBe(first.email);
      // A datetime value in a String column: its ISO-8601 UTC form, as on every destination.
      expect(rows.get(String(first.id))?.cdate).toBe(new Date(String(first.cdate)).toISOString());
      expect(rows.get('999999')?.email).toBe('gone@example.com');
      // `deleted` stays Int64: the API's "0" strings cannot load there and are recorded as discards.
      const discards = await ch.query(
        latestRows(`"${db}"."rudder_discards"`, ['table_name', 'row_id', 'column_name']),
      );
      const deletedDiscards = discards.filter((d) => d.column_name === 'deleted');
      expect(deletedDiscards.length).toBe(emulatorIds('contacts').size);
      expect(deletedDiscards[0]!.reason).toMatch(/incompatible schema conversion from int to string/);
    },
    TIMEOUT,
  );

  it('loads hostile values; datetimes DateTime cannot hold go to discards; same-second rewrites collapse', async () => {
    const db = 'acsync_values';
    const target = await openWarehouse(dest(db), { name: 'Values', tablePrefix: 'ac_' });
    const write = (records: WriteBatch['records'], receivedAt: string) =>
      target.writeBatch({
        runId: 'run-1',
        resource: 'contacts',
        records,
        primaryKey: 'id',
        receivedAt: new Date(receivedAt),
        state: { at: receivedAt },
      });
    const big = `${'x'.repeat(1024 * 1024)}end`;
    try {
      const first = await write(
        [
          contact(1, { note: 'a\u0000b', big, emoji: '😀 naïve 名前', quotes: `it's "quoted",\nnew\\line` }),
          contact(2, {
            birthday: '1955-03-02',
            renewal: '2030-01-01T10:00:00Z',
            count: 12,
            ratio: 1.5,
            ok: true,
          }),
          contact(3, { birthday: '1980-01-01', count: '9007199254740993', ok: false }),
        ],
        '2024-05-01T10:00:00.100Z',
      );
      expect(first.rowsWritten).toBe(3);
      // The same id again within the same second: FINAL keeps the last written.
      await write([contact(1, { note: 'second write' })], '2024-05-01T10:00:00.900Z');
      const rows = new Map(
        (await ch.query(latestRows(`"${db}"."ac_rudder_contacts"`))).map((r) => [String(r.id), r]),
      );
      expect(rows.size).toBe(3);
      expect(rows.get('1')!.note).toBe('second write');
      const raw = await ch.query(
        `SELECT note, big, emoji, quotes FROM "${db}"."ac_rudder_contacts" WHERE id = '1'`,
      );
      const hostile = raw.find((r) => r.note === 'a\u0000b')!;
      expect(String(hostile.big) === big).toBe(true);
      expect(hostile.emoji).toBe('😀 naïve 名前');
      expect(hostile.quotes).toBe(`it's "quoted",\nnew\\line`);
      expect(rows.get('2')).toMatchObject({
        renewal: '2030-01-01 10:00:00',
        ratio: 1.5,
        ok: 1,
        birthday: null,
      });
      expect(rows.get('3')).toMatchObject({ birthday: '1980-01-01 00:00:00', ok: 0 });
      const types = Object.fromEntries(
        (
          await ch.query(
            `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'ac_rudder_contacts'`,
          )
        ).map((r) => [String(r.name), String(r.type)]),
      );
      expect(types).toMatchObject({
        id: 'String',
        received_at: 'DateTime',
        event: 'LowCardinality(String)',
        birthday: 'Nullable(DateTime)',
        count: 'Nullable(Int64)',
        ratio: 'Nullable(Float64)',
        ok: 'Nullable(UInt8)',
        uuid_ts: 'Nullable(DateTime)',
      });
      const discards = await ch.query(
        latestRows(`"${db}"."rudder_discards"`, ['table_name', 'row_id', 'column_name']),
      );
      const birthday = discards.find((d) => d.row_id === '2' && d.column_name === 'birthday');
      expect(birthday?.column_value).toBe('1955-03-02T00:00:00.000Z');
      expect(birthday?.reason).toMatch(/outside the range of ClickHouse DateTime/);
      // A string in the Int64 column the first batch typed: a discard, as on every destination.
      const count = discards.find((d) => d.row_id === '3' && d.column_name === 'count');
      expect(count?.column_value).toBe('9007199254740993');
      expect(await target.getState('contacts')).toEqual({ at: '2024-05-01T10:00:00.900Z' });
    } finally {
      await target.close();
    }
  });

  it(
    'a reconcile marks exactly the deleted records (new row versions), keeps the marks, and counts them',
    async () => {
      const em = await startEmulator({ port: 0, contacts: 150, rateLimit: 0, seed: 31 });
      const src = sourceFor(em, { resources: ['contacts', 'field_values', 'deals', 'tags'] });
      const db = 'acsync_deletes';
      /** The documented read: id → _acsync_deleted_at of the newest row, once per id. */
      const marks = async (resource: string) => {
        const rows = await ch.query(
          `SELECT toString(id) AS id, _acsync_deleted_at AS d FROM (${latestRows(`"${db}"."${tableName('clickhouse', src.tablePrefix, resource)}"`)})`,
        );
        const out = new Map(rows.map((r) => [String(r.id), r.d === null ? null : String(r.d)]));
        expect(out.size, `${resource}: one row per id`).toBe(rows.length);
        return out;
      };
      const live = (collection: string) => new Set([...em.records(collection)].map((r) => String(r.id)));
      const CHECKED: Array<[string, string]> = [
        ['contacts', 'contacts'],
        ['field_values', 'fieldValues'],
        ['deals', 'deals'],
      ];
      try {
        const first = await runSync({ source: src, destination: dest(db), logger: silentLogger() });
        expect(first.status, first.error).toBe('success');
        expect(first.tier?.name).toBe('reconcile');
        for (const [resource] of CHECKED)
          expect(
            [...(await marks(resource)).values()].every((d) => d === null),
            resource,
          ).toBe(true);

        const contacts = [...em.records('contacts')];
        const gone = [contacts[3]!, contacts[40]!, contacts[77]!].map((c) => String(c.id));
        const deal = String([...em.records('deals')][2]!.id);
        for (const id of gone) {
          const res = await fetch(`${em.url}/api/3/contacts/${id}`, {
            method: 'DELETE',
            headers: { 'Api-Token': em.apiKey },
          });
          expect(res.status).toBe(200);
        }
        const res = await fetch(`${em.url}/api/3/deals/${deal}`, {
          method: 'DELETE',
          headers: { 'Api-Token': em.apiKey },
        });
        expect(res.status).toBe(200);

        const rec = await runSync({
          source: src,
          destination: dest(db),
          logger: silentLogger(),
          tier: 'reconcile',
        });
        expect(rec.status, rec.error).toBe('success');
        const after = new Map<string, Map<string, string | null>>();
        for (const [resource, collection] of CHECKED) {
          const m = await marks(resource);
          after.set(resource, m);
          const alive = live(collection);
          const marked = [...m].filter(([, d]) => d !== null).map(([id]) => id);
          // Exactly the rows whose record is gone are marked; every live record is there, unmarked.
          expect(new Set(marked), resource).toEqual(new Set([...m.keys()].filter((id) => !alive.has(id))));
          for (const id of alive) expect(m.has(id) && m.get(id) === null, `${resource} ${id}`).toBe(true);
          // The summary counts what each resource marked.
          expect(rec.resources.find((s) => s.name === resource)?.deleted, resource).toBe(marked.length);
        }
        expect(new Set([...after.get('contacts')!].filter(([, d]) => d).map(([id]) => id))).toEqual(
          new Set(gone),
        );
        expect(after.get('deals')!.get(deal)).not.toBeNull();
        // The deleted contacts' field values went with them.
        expect(rec.resources.find((s) => s.name === 'field_values')?.deleted).toBeGreaterThan(0);
        // A marked row keeps the record's values.
        const row = (await ch.query(latestRows(`"${db}"."ac_rudder_contacts"`))).find(
          (r) => String(r.id) === gone[0],
        );
        expect(row?.email).toBe(contacts[3]!.email);
        const target = await openWarehouse(dest(db), src);
        try {
          const history = await target.history({ limit: 100 });
          expect(history.find((h) => h.runId === rec.runId && h.resource === 'contacts')?.deleted).toBe(3);
        } finally {
          await target.close();
        }

        // Another reconcile: nothing new is marked, and the marks stay as they were (their first time).
        const again = await runSync({
          source: src,
          destination: dest(db),
          logger: silentLogger(),
          tier: 'reconcile',
        });
        expect(again.status, again.error).toBe('success');
        for (const [resource] of CHECKED) {
          // (The summary leaves out a count of 0.)
          expect(again.resources.find((s) => s.name === resource)?.deleted ?? 0, resource).toBe(0);
          expect(await marks(resource), resource).toEqual(after.get(resource));
        }
      } finally {
        await em.close();
      }
    },
    TIMEOUT,
  );

  it('unmarks a record that comes back; a rerun of the completing batch (after a crash) marks nothing more', async () => {
    const db = 'acsync_marks';
    const target = await openWarehouse(dest(db), { name: 'Marks', tablePrefix: 'ac_' });
    let n = 0;
    const write = (ids: number[], seen: { ids: number[]; fresh: boolean; complete: boolean }) =>
      target.writeBatch({
        runId: 'run-1',
        resource: 'contacts',
        records: ids.map((id) => contact(id)),
        primaryKey: 'id',
        receivedAt: new Date(),
        state: { n: ++n },
        seen: { ...seen, ids: seen.ids.map(String) },
      });
    const marked = async () =>
      new Map(
        (await ch.query(latestRows(`"${db}"."ac_rudder_contacts"`)))
          .filter((r) => r._acsync_deleted_at !== null)
          .map((r) => [String(r.id), String(r._acsync_deleted_at)]),
      );
    try {
      expect((await write([1, 2, 3, 4], { ids: [1, 2, 3, 4], fresh: true, complete: true })).deleted).toBe(0);
      // A scan over two batches that no longer sees contact 4.
      await write([], { ids: [1, 2], fresh: true, complete: false });
      expect((await write([], { ids: [3], fresh: false, complete: true })).deleted).toBe(1);
      const first = await marked();
      expect([...first.keys()]).toEqual(['4']);
      // The completing batch again, as a resumed scan does when a crash struck before its state landed:
      // the ids staged by the earlier batch still count, so nothing more is marked and the mark keeps its time.
      expect((await write([], { ids: [3], fresh: false, complete: true })).deleted).toBe(0);
      expect(await marked()).toEqual(first);
      // An incomplete scan marks nothing though it saw only one id.
      await write([], { ids: [1], fresh: true, complete: false });
      expect(await marked()).toEqual(first);
      // Contact 4 is back: the scan that sees it unmarks it without rewriting it.
      expect((await write([], { ids: [1, 2, 3, 4], fresh: true, complete: true })).deleted).toBe(0);
      expect(await marked()).toEqual(new Map());
      const rows = await ch.query(latestRows(`"${db}"."ac_rudder_contacts"`));
      expect(rows.map((r) => String(r.id)).sort()).toEqual(['1', '2', '3', '4']);
      // Each fresh scan dropped the earlier scans' staged ids for good (tombstones included) once the server's
      // mutations ran: only the last scan's four ids are left in the raw table.
      const pending = async () =>
        Number(
          (
            await ch.query(
              `SELECT count() AS n FROM system.mutations WHERE database = '${db}' AND table = '_acsync_seen' AND is_done = 0`,
            )
          )[0]!.n,
        );
      while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
      const raw = await ch.query(`SELECT id, _deleted FROM "${db}"."_acsync_seen" ORDER BY id`);
      expect(raw).toEqual(['1', '2', '3', '4'].map((id) => ({ id, _deleted: 0 })));
    } finally {
      await target.close();
    }
  });

  it("the dashboard's Test destination opens it; a URL password is masked for the browser", async () => {
    const file = join(tmp.path, 'acsync.yaml');
    const ok = await testDestination(file, {
      sourceName: 'Dashboard Source',
      tablePrefix: 'ac_',
      destination: {
        mode: 'new',
        name: 'ch',
        type: 'clickhouse',
        settings: { url: ch.url, database: 'dash' },
      },
    });
    expect(ok).toEqual({ ok: true, schema: 'dash', table: 'ac_rudder_contacts' });
    const refused = await testDestination(file, {
      sourceName: 'Dashboard Source',
      destination: {
        mode: 'new',
        name: 'ch',
        type: 'clickhouse',
        settings: { url: ch.url.replace('://', '://default:wrong-pass-1234@') },
      },
    });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).not.toContain('wrong-pass-1234');
    expect(displaySettings({ type: 'clickhouse', url: 'http://u:wrong-pass-1234@h:8123' }).url).not.toContain(
      'wrong-pass-1234',
    );
  });
});
