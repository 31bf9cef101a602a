// Writing into real destinations: a DuckDB file in a temp dir and a unique schema on the real PostgreSQL.
// Each case opens its own warehouse, writes contact-shaped records and reads the tables back.
import { afterEach, describe, expect, it } from 'vitest';
import type { WarehouseTarget, WriteBatch } from '../../src/core/contracts.ts';
import { registerSecret } from '../../src/core/secrets.ts';
import { VERSION } from '../../src/core/version.ts';
import { openWarehouse } from '../../src/warehouse/index.ts';
import { postgresAvailable } from '../support/env.ts';
import { contact, type Harness, harness, type Kind } from './harness.ts';

const kinds: Kind[] = ['duckdb'];
if (await postgresAvailable('warehouse tests on PostgreSQL')) kinds.push('postgres');

const open: Array<WarehouseTarget> = [];
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const h of harnesses.splice(0)) await h.cleanup();
});

async function setup(
  kind: Kind,
  tag: string,
  prefix = 'ac_',
  opts: Parameters<typeof openWarehouse>[2] = {},
) {
  const h = await harness(kind, tag);
  harnesses.push(h);
  const target = await openWarehouse(h.dest, { name: 'Test Source', tablePrefix: prefix }, opts);
  open.push(target);
  return { h, target };
}

function batch(
  records: WriteBatch['records'],
  state: WriteBatch['state'],
  extra: Partial<WriteBatch> = {},
): WriteBatch {
  return {
    runId: 'run-1',
    resource: 'contacts',
    records,
    primaryKey: 'id',
    receivedAt: new Date('2024-05-01T10:00:00Z'),
    state,
    ...extra,
  };
}

describe.each(kinds)('%s', (kind) => {
  it('merges by id across runs: one row per id, updated values, blanked fields NULL, RudderStack columns', async () => {
    const { h, target } = await setup(kind, 'merge');
    // A first load into a new table: the duplicate id 1 still ends as one row, the last copy.
    const first = await target.writeBatch(
      batch([contact(1, { email: 'stale@x' }), contact(2, { score: 10 }), contact(3), contact(1)], {
        cursor: 'a',
      }),
    );
    expect(first).toEqual({ rowsWritten: 3, discards: 0 });
    expect(await h.rows(`SELECT email FROM ${h.schema}.ac_rudder_contacts WHERE id = '1'`)).toEqual([
      { email: 'person1@example.com' },
    ]);
    const second = await target.writeBatch(
      batch(
        [
          contact(1, { email: 'new1@example.com' }),
          contact(2, { phone: '', score: 'lots' }),
          contact(3, { firstName: 'Old' }),
          contact(4, { newField: 'hello' }),
          contact(3, { firstName: 'Newest' }),
        ],
        { cursor: 'b' },
        { runId: 'run-2', receivedAt: new Date('2024-05-02T10:00:00Z') },
      ),
    );
    expect(second).toEqual({ rowsWritten: 4, discards: 1 });
    const table = `${h.schema}.ac_rudder_contacts`;
    const rows = await h.rows(
      `SELECT id, email, phone, first_name, score, new_field, cdate, bounced_date, links_contact_goals, event, ` +
        `received_at, context_sources_job_run_id, context_sources_task_run_id, context_sources_version, ` +
        `context_source_type, context_destination_type, uuid_ts FROM ${table} ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual(['1', '2', '3', '4']);
    expect(rows[0].email).toBe('new1@example.com');
    expect(rows[1].phone).toBeNull();
    expect(rows[1].score).toBeNull(); // 'lots' cannot go into the int column
    expect(rows[2].first_name).toBe('Newest');
    expect(rows[3].new_field).toBe('hello');
    expect(rows[0].cdate).toBe('2018-09-12T21:53:50.000Z');
    expect(rows[0].bounced_date).toBe('0000-00-00');
    expect(rows[0].links_contact_goals).toBe('https://acct.api-us1.com/api/3/contacts/1/contactGoals');
    for (const r of rows) {
      expect(r.event).toBe('ac_rudder_contacts');
      expect(r.received_at).toBe('2024-05-02T10:00:00.000Z');
      expect(r.context_sources_job_run_id).toBe('run-2');
      expect(r.context_sources_task_run_id).toBe('run-2:contacts');
      expect(r.context_sources_version).toBe(VERSION);
      expect(r.context_source_type).toBe('active_campaign');
      expect(r.context_destination_type).toBe(kind === 'duckdb' ? 'DUCKDB' : 'POSTGRES');
      expect(r.uuid_ts).not.toBeNull();
    }
    const discards = await h.rows(
      `SELECT table_name, row_id, column_name, column_value, reason FROM ${h.schema}.rudder_discards`,
    );
    expect(discards).toEqual([
      {
        table_name: 'ac_rudder_contacts',
        row_id: '2',
        column_name: 'score',
        column_value: 'lots',
        reason: 'incompatible schema conversion from int to string',
      },
    ]);
    const types = await h.columns('ac_rudder_contacts');
    expect(types.cdate.toLowerCase()).toMatch(/timestamp with time zone/);
    expect(types.score.toLowerCase()).toBe('bigint');
    expect(types.id.toLowerCase()).toMatch(/text|varchar/);
    expect(types.scoreValues).toBeUndefined(); // [] is blank: no column
    expect(types.organization).toBeUndefined();
    expect(await target.getState('contacts')).toEqual({ cursor: 'b' });
    if (kind === 'postgres') {
      // The merge built an index on id (RudderStack's tables have none; merges would scan the table).
      const indexes = await h.rows(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = '${h.schema}' AND tablename = 'ac_rudder_contacts'`,
      );
      expect(indexes.map((i) => i.indexdef)).toEqual([expect.stringMatching(/USING btree \(id\)$/)]);
    }
  });

  it('commits a batch with its state, or neither (a failure mid-merge)', async () => {
    let failAt: string | null = null;
    const { h, target } = await setup(kind, 'atomic', 'ac_', {
      onStep: (step) => {
        if (step === failAt) throw new Error(`injected failure at ${step}`);
      },
    });
    await target.writeBatch(batch([contact(1), contact(2)], { cursor: 'a' }));
    for (const step of ['staged', 'merged', 'state']) {
      failAt = step;
      await expect(
        target.writeBatch(batch([contact(1, { email: 'changed@x' }), contact(9)], { cursor: step })),
      ).rejects.toThrow(`injected failure at ${step}`);
      const rows = await h.rows(`SELECT id, email FROM ${h.schema}.ac_rudder_contacts ORDER BY id`);
      expect(rows).toEqual([
        { id: '1', email: 'person1@example.com' },
        { id: '2', email: 'person2@example.com' },
      ]);
      expect(await target.getState('contacts')).toEqual({ cursor: 'a' });
    }
    failAt = null;
    await target.writeBatch(batch([contact(1, { email: 'changed@x', brandNew: 'x' })], { cursor: 'c' }));
    expect(
      await h.rows(`SELECT email, brand_new FROM ${h.schema}.ac_rudder_contacts WHERE id = '1'`),
    ).toEqual([{ email: 'changed@x', brand_new: 'x' }]);
  });

  it("commits a scan's batches together (a contact and its side-loaded children), or none of them", async () => {
    let merged = 0;
    let failOn = 0;
    const { h, target } = await setup(kind, 'joint', 'ac_', {
      onStep: (step) => {
        if (step === 'merged' && ++merged === failOn) throw new Error('injected failure in the second batch');
      },
    });
    const child = (id: number, contactId: number) => ({
      id: String(id),
      contact: String(contactId),
      value: 'v',
    });
    failOn = 2;
    await expect(
      target.writeBatches([
        batch([child(10, 1)], { cursor: 'x' }, { resource: 'field_values' }),
        batch([contact(1)], { cursor: 'x' }),
      ]),
    ).rejects.toThrow('injected failure in the second batch');
    // Neither the children nor the contact, nor either state.
    expect(await h.rows(`SELECT id FROM ${h.schema}.ac_rudder_contacts`).catch(() => [])).toEqual([]);
    expect(await h.rows(`SELECT id FROM ${h.schema}.ac_rudder_field_values`).catch(() => [])).toEqual([]);
    expect(await target.getState('field_values')).toBeNull();
    expect(await target.getState('contacts')).toBeNull();
    failOn = 0;
    const res = await target.writeBatches([
      batch([child(10, 1)], { cursor: 'y' }, { resource: 'field_values' }),
      batch([contact(1)], { cursor: 'y' }),
    ]);
    expect(res.map((r) => r.rowsWritten)).toEqual([1, 1]);
    expect(await target.getState('field_values')).toEqual({ cursor: 'y' });
  });

  it('marks the rows a complete scan did not see, unmarks those that come back, and nothing when incomplete', async () => {
    const { h, target } = await setup(kind, 'deletes', 'ac_');
    const seen = (ids: number[], fresh: boolean, complete: boolean) => ({
      seen: { ids: ids.map(String), fresh, complete },
    });
    const marked = async () =>
      (
        await h.rows(
          `SELECT id FROM ${h.schema}.ac_rudder_contacts WHERE _acsync_deleted_at IS NOT NULL ORDER BY id`,
        )
      ).map((r) => String(r.id));
    // A scan over two batches: ids staged with each.
    await target.writeBatch(batch([contact(1), contact(2)], { cursor: 'a' }, seen([1, 2], true, false)));
    let r = await target.writeBatch(batch([contact(3)], { cursor: 'a' }, seen([3], false, true)));
    expect(r.deleted).toBe(0);
    // Contact 2 is gone: the next complete scan (writing nothing new) marks it.
    r = await target.writeBatch(batch([], { cursor: 'b' }, seen([1, 3], true, true)));
    expect(r.deleted).toBe(1);
    expect(await marked()).toEqual(['2']);
    // An incomplete scan marks nothing, even though it saw only one id.
    await target.writeBatch(batch([], { cursor: 'c' }, seen([1], true, false)));
    expect(await marked()).toEqual(['2']);
    // Contact 2 is back: unmarked by the scan that sees it (even without rewriting it).
    r = await target.writeBatch(batch([], { cursor: 'd' }, seen([1, 2, 3], true, true)));
    expect(r.deleted).toBe(0);
    expect(await marked()).toEqual([]);
  });

  it('rolls back when the database itself rejects the merge', async () => {
    const h = await harness(kind, 'reject');
    harnesses.push(h);
    // A table (like an adopted one) with a constraint the second batch violates after the delete step.
    await h.exec(`CREATE SCHEMA IF NOT EXISTS ${h.schema}`);
    await h.exec(
      `CREATE TABLE ${h.schema}.ac_rudder_contacts (id VARCHAR, email VARCHAR CHECK (email <> 'boom@x'), received_at TIMESTAMPTZ)`,
    );
    const target = await openWarehouse(h.dest, { name: 'Test Source', tablePrefix: 'ac_' });
    open.push(target);
    await target.writeBatch(batch([contact(1)], { cursor: 'a' }));
    await expect(
      target.writeBatch(batch([contact(1, { email: 'boom@x' })], { cursor: 'b' })),
    ).rejects.toThrow();
    expect(await h.rows(`SELECT id, email FROM ${h.schema}.ac_rudder_contacts`)).toEqual([
      { id: '1', email: 'person1@example.com' },
    ]);
    expect(await target.getState('contacts')).toEqual({ cursor: 'a' });
  });

  it('keeps state per resource; resetState forgets some or all', async () => {
    const { target } = await setup(kind, 'state');
    expect(await target.getState('contacts')).toBeNull();
    await target.writeBatch(batch([contact(1)], { cursor: '2024-01-01', nested: { page: 3, done: false } }));
    await target.writeBatch(batch([], { offset: 100 }, { resource: 'deals' }));
    expect(await target.getState('contacts')).toEqual({
      cursor: '2024-01-01',
      nested: { page: 3, done: false },
    });
    expect(await target.getState('deals')).toEqual({ offset: 100 });
    await target.resetState(['deals']);
    expect(await target.getState('deals')).toBeNull();
    expect(await target.getState('contacts')).not.toBeNull();
    await target.resetState();
    expect(await target.getState('contacts')).toBeNull();
  });

  it('records run history; stale running rows are marked failed; errors are redacted', async () => {
    const { target } = await setup(kind, 'history');
    registerSecret('sk-history-secret-123');
    await target.startRun({
      runId: 'r1',
      startedAt: new Date('2024-01-01T00:00:00Z'),
      resources: ['contacts', 'deals'],
    });
    await target.finishResource('r1', 'contacts', {
      events: 5,
      rowsWritten: 4,
      status: 'success',
      finishedAt: new Date('2024-01-01T00:01:00Z'),
    });
    // r1 never finishes 'deals' (the process was killed); r2 starts.
    await target.startRun({
      runId: 'r2',
      startedAt: new Date('2024-01-02T00:00:00Z'),
      resources: ['contacts'],
    });
    await target.finishResource('r2', 'contacts', {
      events: 1,
      rowsWritten: 0,
      status: 'failed',
      error: 'HTTP 500 from https://x/api/3?api_token=sk-history-secret-123',
      finishedAt: new Date('2024-01-02T00:00:05Z'),
    });
    const history = await target.history();
    expect(history.map((r) => [r.runId, r.resource, r.status])).toEqual([
      ['r2', 'contacts', 'failed'],
      ['r1', 'contacts', 'success'],
      ['r1', 'deals', 'failed'],
    ]);
    expect(history[0]).toMatchObject({
      source: 'Test Source',
      tableName: 'ac_rudder_contacts',
      events: 1,
      rowsWritten: 0,
      startedAt: new Date('2024-01-02T00:00:00Z'),
      finishedAt: new Date('2024-01-02T00:00:05Z'),
    });
    expect(history[0].error).not.toContain('sk-history-secret-123');
    expect(history[0].error).toContain('[REDACTED]');
    expect(history[1]).toMatchObject({ events: 5, rowsWritten: 4, error: null });
    expect(history[2].error).toMatch(/ended without finishing/);
    expect(await target.history({ limit: 1 })).toHaveLength(1);
  });

  it('keeps two sources with different prefixes apart in one schema', async () => {
    const h = await harness(kind, 'twosrc');
    harnesses.push(h);
    const a = await openWarehouse(h.dest, { name: 'Source A', tablePrefix: 'a_' });
    open.push(a);
    const b = await openWarehouse(h.dest, { name: 'Source B', tablePrefix: 'b_' });
    open.push(b);
    expect(a.schema).toBe(b.schema);
    await Promise.all([
      a.writeBatch(batch([contact(1), contact(2)], { from: 'a' })),
      b.writeBatch(batch([contact(2, { email: 'b@x' })], { from: 'b' })),
    ]);
    await a.startRun({ runId: 'ra', startedAt: new Date(), resources: ['contacts'] });
    await b.startRun({ runId: 'rb', startedAt: new Date(), resources: ['contacts'] });
    expect(await h.rows(`SELECT id FROM ${h.schema}.a_rudder_contacts ORDER BY id`)).toEqual([
      { id: '1' },
      { id: '2' },
    ]);
    expect(await h.rows(`SELECT id, email FROM ${h.schema}.b_rudder_contacts`)).toEqual([
      { id: '2', email: 'b@x' },
    ]);
    expect(await a.getState('contacts')).toEqual({ from: 'a' });
    expect(await b.getState('contacts')).toEqual({ from: 'b' });
    await a.resetState();
    expect(await b.getState('contacts')).toEqual({ from: 'b' });
    expect((await a.history()).map((r) => r.runId)).toEqual(['ra']);
    expect((await b.history()).map((r) => r.runId)).toEqual(['rb']);
  });

  it('a field of many types gets a string column in a new table; an adopted table keeps its type', async () => {
    const values = [
      { id: '1', field: '3', value: '2024-01-02' },
      { id: '2', field: '4', value: 'Blue' },
      { id: '3', field: '5', value: 12 },
    ];
    const fieldValues = (extra: Partial<WriteBatch> = {}) =>
      batch(values, { cursor: 'x' }, { resource: 'field_values', stringFields: ['value'], ...extra });
    const { h, target } = await setup(kind, 'mixed');
    expect(await target.writeBatch(fieldValues())).toEqual({ rowsWritten: 3, discards: 0 });
    expect((await h.columns('ac_rudder_field_values')).value.toLowerCase()).toMatch(/^(text|varchar)$/);
    expect(await h.rows(`SELECT id, value FROM ${h.schema}.ac_rudder_field_values ORDER BY id`)).toEqual([
      { id: '1', value: '2024-01-02T00:00:00.000Z' },
      { id: '2', value: 'Blue' },
      { id: '3', value: '12' },
    ]);
    // The same batch without the rule: the first value's type (a date) wins and the others are discarded.
    const { h: h2, target: plain } = await setup(kind, 'mixedplain');
    expect((await plain.writeBatch(fieldValues({ stringFields: undefined }))).discards).toBe(2);
    expect((await h2.columns('ac_rudder_field_values')).value.toLowerCase()).toMatch(/timestamp/);
    // A table RudderStack created with a timestamp column keeps it (the destination's schema wins).
    const h3 = await harness(kind, 'mixedadopted');
    harnesses.push(h3);
    await h3.exec(`CREATE SCHEMA IF NOT EXISTS ${h3.schema}`);
    await h3.exec(
      `CREATE TABLE ${h3.schema}.ac_rudder_field_values (id TEXT, received_at TIMESTAMPTZ, value TIMESTAMPTZ)`,
    );
    const adopted = await openWarehouse(h3.dest, { name: 'Test Source', tablePrefix: 'ac_' });
    open.push(adopted);
    expect((await adopted.writeBatch(fieldValues())).discards).toBe(2);
    expect((await h3.columns('ac_rudder_field_values')).value.toLowerCase()).toMatch(/timestamp/);
  });

  it('adopts tables RudderStack created: existing types win, missing columns are added, discards shared', async () => {
    const h = await harness(kind, 'adopt');
    harnesses.push(h);
    const s = h.schema;
    await h.exec(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    // Shaped like RudderStack's Postgres tables: no primary key, cdate as text, sentcnt as bigint.
    await h.exec(
      `CREATE TABLE ${s}.ac_rudder_contacts (id TEXT, received_at TIMESTAMPTZ, event TEXT, cdate TEXT, email TEXT, ` +
        `sentcnt BIGINT, first_name TEXT, context_sources_job_run_id TEXT, uuid_ts TIMESTAMPTZ)`,
    );
    await h.exec(
      `INSERT INTO ${s}.ac_rudder_contacts VALUES ('1', '2023-01-01T00:00:00Z', 'ac_rudder_contacts', ` +
        `'2018-09-12T21:53:50.000Z', 'old1@x', 3, 'Old', 'rs-run', '2023-01-01T00:00:00Z'), ` +
        `('1', '2023-01-01T00:00:00Z', 'ac_rudder_contacts', NULL, 'dup1@x', NULL, NULL, 'rs-run', '2023-01-01T00:00:00Z'), ` +
        `('7', '2023-01-01T00:00:00Z', 'ac_rudder_contacts', NULL, 'seven@x', 1, 'Seven', 'rs-run', '2023-01-01T00:00:00Z')`,
    );
    await h.exec(
      `CREATE TABLE ${s}.rudder_discards (table_name TEXT, row_id TEXT, column_name TEXT, column_value TEXT, ` +
        `reason TEXT, received_at TIMESTAMPTZ, uuid_ts TIMESTAMPTZ)`,
    );
    await h.exec(
      `INSERT INTO ${s}.rudder_discards VALUES ('ac_rudder_deals', '5', 'value', 'x', 'old', '2023-01-01T00:00:00Z', '2023-01-01T00:00:00Z')`,
    );
    const target = await openWarehouse(h.dest, { name: 'Test Source', tablePrefix: 'ac_' });
    open.push(target);
    expect(await target.getState('contacts')).toBeNull(); // no state: the first run is a full sync
    await target.writeBatch(batch([contact(1, { sentcnt: '12' }), contact(2)], { cursor: 'x' }));
    const types = await h.columns('ac_rudder_contacts');
    expect(types.cdate.toLowerCase()).toMatch(/^(text|varchar)$/);
    expect(types.sentcnt.toLowerCase()).toBe('bigint');
    expect(types.udate.toLowerCase()).toMatch(/timestamp with time zone/); // a new column, typed by acsync
    expect(types.context_source_type).toBeDefined();
    // acsync's delete mark is added too, NULL on every row (adopted ones included).
    expect(types._acsync_deleted_at.toLowerCase()).toMatch(/timestamp with time zone/);
    expect(
      await h.rows(`SELECT id FROM ${s}.ac_rudder_contacts WHERE _acsync_deleted_at IS NOT NULL`),
    ).toEqual([]);
    const rows = await h.rows(
      `SELECT id, cdate, email, sentcnt, first_name FROM ${s}.ac_rudder_contacts ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: '1',
        cdate: '2018-09-12T21:53:50.000Z',
        email: 'person1@example.com',
        sentcnt: null,
        first_name: 'First1',
      },
      {
        id: '2',
        cdate: '2018-09-12T21:53:50.000Z',
        email: 'person2@example.com',
        sentcnt: null,
        first_name: 'First2',
      },
      { id: '7', cdate: null, email: 'seven@x', sentcnt: '1', first_name: 'Seven' },
    ]);
    const discards = await h.rows(
      `SELECT table_name, row_id, column_name, column_value FROM ${s}.rudder_discards ORDER BY table_name, row_id`,
    );
    expect(discards).toEqual([
      { table_name: 'ac_rudder_contacts', row_id: '1', column_name: 'sentcnt', column_value: '12' },
      { table_name: 'ac_rudder_contacts', row_id: '2', column_name: 'sentcnt', column_value: '0' },
      { table_name: 'ac_rudder_deals', row_id: '5', column_name: 'value', column_value: 'x' },
    ]);
    // Discards are merged on (table, row, column): a second run replaces, never duplicates.
    await target.writeBatch(batch([contact(1, { sentcnt: '13' })], { cursor: 'y' }));
    expect(
      await h.rows(
        `SELECT column_value FROM ${s}.rudder_discards WHERE row_id = '1' AND column_name = 'sentcnt'`,
      ),
    ).toEqual([{ column_value: '13' }]);
  });

  it('loads hostile values: NUL, a 5 MB string, emoji, quotes, odd keys, 1,000 fields', async () => {
    const { h, target } = await setup(kind, 'hostile');
    const big = 'x'.repeat(5 * 1024 * 1024 - 3) + 'end';
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) wide[`customField${i}`] = `value ${i}`;
    const result = await target.writeBatch(
      batch(
        [
          contact(1, {
            note: 'a\u0000b',
            big,
            emoji: '😀 naïve 名前 \u{10FFFF}',
            quotes: `it's "quoted", with\nnewline\\`,
          }),
          contact(2, { 'we"ird\'key': 'v', 名前: 'dropped', 'x.y-z': 'dotted' }),
          contact(3, wide),
        ],
        { s: 1 },
      ),
    );
    expect(result.rowsWritten).toBe(3);
    const t = `${h.schema}.ac_rudder_contacts`;
    const [one] = await h.rows(`SELECT note, big, emoji, quotes FROM ${t} WHERE id = '1'`);
    // PostgreSQL text cannot hold NUL: it becomes U+FFFD there (documented); DuckDB keeps it.
    expect(one.note).toBe(kind === 'postgres' ? 'a\uFFFDb' : 'a\u0000b');
    expect(one.big).toHaveLength(big.length);
    expect(one.big === big).toBe(true);
    expect(one.emoji).toBe('😀 naïve 名前 \u{10FFFF}');
    expect(one.quotes).toBe(`it's "quoted", with\nnewline\\`);
    const [two] = await h.rows(`SELECT we_ird_key, x_y_z FROM ${t} WHERE id = '2'`);
    expect(two).toEqual({ we_ird_key: 'v', x_y_z: 'dotted' });
    const columns = Object.keys(await h.columns('ac_rudder_contacts'));
    const wideColumns = columns.filter((c) => c.startsWith('custom_field'));
    const discards = await h.rows(
      `SELECT column_name, column_value, reason FROM ${h.schema}.rudder_discards WHERE row_id = '3' ORDER BY column_name`,
    );
    const [three] = await h.rows(`SELECT * FROM ${t} WHERE id = '3'`);
    const loaded = Object.entries(three).filter(([k, v]) => k.startsWith('custom_field') && v !== null);
    // Every field is either a column value of row 3 or a rudder_discards row: nothing is lost.
    expect(loaded.length + discards.length).toBe(1000);
    for (const [k, v] of loaded) expect(v).toBe(`value ${k.slice('custom_field'.length)}`);
    if (kind === 'duckdb') {
      expect(wideColumns).toHaveLength(1000);
      expect(discards).toEqual([]);
    } else {
      // PostgreSQL keeps what fits in one 8 kB row; the rest is in rudder_discards with the reason.
      expect(loaded.length).toBeGreaterThan(300);
      for (const d of discards) expect(d.reason).toMatch(/row size limit/);
    }
  });

  it('keeps loading new ids straight in, with absent fields NULL, and merges when an id repeats', async () => {
    const { h, target } = await setup(kind, 'fresh');
    await target.writeBatch(batch([contact(1), contact(2)], { p: 1 }));
    await target.writeBatch(batch([{ id: '3', email: 'only@x', extraField: 'e' }], { p: 2 }));
    await target.writeBatch(batch([contact(4), { id: '1', email: 'again@x' }], { p: 3 }));
    const rows = await h.rows(
      `SELECT id, email, phone, extra_field, event FROM ${h.schema}.ac_rudder_contacts ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '1', email: 'again@x', phone: null, extra_field: null, event: 'ac_rudder_contacts' },
      {
        id: '2',
        email: 'person2@example.com',
        phone: '+1 555 0102',
        extra_field: null,
        event: 'ac_rudder_contacts',
      },
      { id: '3', email: 'only@x', phone: null, extra_field: 'e', event: 'ac_rudder_contacts' },
      {
        id: '4',
        email: 'person4@example.com',
        phone: '+1 555 0104',
        extra_field: null,
        event: 'ac_rudder_contacts',
      },
    ]);
  });

  it('stores jsonPaths as JSON columns', async () => {
    const { h, target } = await setup(kind, 'json', 'ac_', { jsonPaths: ['fieldValues', 'links'] });
    await target.writeBatch(
      batch(
        [contact(1, { fieldValues: [{ field: '7', value: 'blue' }] }), contact(2, { fieldValues: 'plain' })],
        {},
      ),
    );
    const types = await h.columns('ac_rudder_contacts');
    expect(types.field_values.toLowerCase()).toBe(kind === 'duckdb' ? 'json' : 'jsonb');
    expect(types.links.toLowerCase()).toBe(kind === 'duckdb' ? 'json' : 'jsonb');
    expect(types.links_bounce_logs).toBeUndefined();
    const rows = await h.rows(
      kind === 'duckdb'
        ? `SELECT id, json_extract_string(field_values, '$[0].value') AS v FROM ${h.schema}.ac_rudder_contacts ORDER BY id`
        : `SELECT id, field_values->0->>'value' AS v FROM ${h.schema}.ac_rudder_contacts ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '1', v: 'blue' },
      { id: '2', v: null },
    ]);
  });

  it('refuses a record without a primary key with a message naming the resource and record', async () => {
    const { target } = await setup(kind, 'nopk');
    await expect(target.writeBatch(batch([contact(1), { email: 'x' }], {}))).rejects.toThrow(
      /contacts: record 2 of the batch has no usable primary key "id"/,
    );
    expect(await target.getState('contacts')).toBeNull();
  });
});
