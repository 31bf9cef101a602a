// The SQL family's statement builders, without a database: what each dialect row makes of the shared
// statements, and that a row's hooks are the only place dialect SQL comes from.
import { describe, expect, it } from 'vitest';
import { fitRows, flattenBatch, RUDDER_COLUMN_SET, type RudderValues } from '../../src/warehouse/batch.ts';
import { DIALECTS, type RudderType } from '../../src/warehouse/dialects.ts';
import { Flattener } from '../../src/warehouse/flatten.ts';
import { RUDDER_COLUMNS } from '../../src/warehouse/rudder-columns.ts';
import { RUNS_SPEC } from '../../src/warehouse/run-log.ts';
import type { SqlDestinationDialect } from '../../src/warehouse/sql/dialect.ts';
import {
  addColumns,
  createTable,
  deleteRecords,
  insertRecords,
  keyIndexName,
  selectRecords,
  updateRecords,
} from '../../src/warehouse/sql/statements.ts';
import { STATE_SPEC } from '../../src/warehouse/state.ts';

const pg = DIALECTS.postgres as SqlDestinationDialect;
const duck = DIALECTS.duckdb as SqlDestinationDialect;
const T = '"s"."t"';

describe('bookkeeping statements', () => {
  it('select: equality filters, order and limit, each value a parameter in the dialect style', () => {
    const st = selectRecords(
      pg,
      T,
      RUNS_SPEC,
      { source: 'src', table_prefix: 'ac_' },
      {
        orderBy: [
          ['started_at', 'desc'],
          ['resource', 'asc'],
        ],
        limit: 30.7,
      },
    );
    expect(st.text).toBe(
      'SELECT "run_id", "source", "table_prefix", "resource", "table_name", "events", "rows_written", ' +
        '"started_at", "finished_at", "status", "error", "tier", "requests", "deleted" FROM "s"."t" WHERE "source" = $1 AND "table_prefix" = $2 ' +
        'ORDER BY "started_at" DESC, "resource" ASC LIMIT 30',
    );
    expect(st.params).toEqual(['src', 'ac_']);
  });

  it('insert: one multi-row statement, datetimes as ISO text cast to the dialect type, absent values NULL', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const st = insertRecords(duck, T, STATE_SPEC, [
      { table_prefix: 'ac_', resource: 'contacts', state: '{}', updated_at: at },
      { table_prefix: 'ac_', resource: 'deals', state: '{"c":1}', updated_at: at },
    ]);
    expect(st.text).toBe(
      'INSERT INTO "s"."t" ("table_prefix", "resource", "state", "updated_at") VALUES ' +
        '($1, $2, $3, CAST($4 AS TIMESTAMPTZ)), ($5, $6, $7, CAST($8 AS TIMESTAMPTZ))',
    );
    expect(st.params).toEqual([
      'ac_',
      'contacts',
      '{}',
      '2024-05-01T10:00:00.000Z',
      'ac_',
      'deals',
      '{"c":1}',
      '2024-05-01T10:00:00.000Z',
    ]);
    const nulls = insertRecords(pg, T, RUNS_SPEC, [{ run_id: 'r', resource: 'x' }]);
    expect(nulls.params).toEqual([
      'r',
      null,
      null,
      'x',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(nulls.text).toContain('CAST($8 AS timestamptz), CAST($9 AS timestamptz)');
  });

  it('delete by several keys, and update with its filter after its values', () => {
    const del = deleteRecords(pg, T, STATE_SPEC, [
      { table_prefix: 'ac_', resource: 'a' },
      { table_prefix: 'ac_', resource: 'b' },
    ]);
    expect(del.text).toBe(
      'DELETE FROM "s"."t" WHERE ("table_prefix" = $1 AND "resource" = $2) OR ("table_prefix" = $3 AND "resource" = $4)',
    );
    const up = updateRecords(
      pg,
      T,
      RUNS_SPEC,
      { run_id: 'r', status: 'running' },
      {
        status: 'failed',
        finished_at: new Date(0),
        error: null,
      },
    );
    expect(up.text).toBe(
      'UPDATE "s"."t" SET "status" = $1, "finished_at" = CAST($2 AS timestamptz), "error" = $3 ' +
        'WHERE "run_id" = $4 AND "status" = $5',
    );
    expect(up.params).toEqual(['failed', '1970-01-01T00:00:00.000Z', null, 'r', 'running']);
  });

  it('refuses a column the table does not have', () => {
    expect(() => selectRecords(pg, T, STATE_SPEC, { nope: 1 })).toThrow(/_acsync_state has no column nope/);
  });
});

describe('table statements', () => {
  it("creates acsync's own tables with NOT NULL and a primary key, resource tables with neither", () => {
    expect(
      createTable(pg, T, STATE_SPEC.columns, { ifNotExists: true, key: STATE_SPEC.key, primaryKey: true }),
    ).toBe(
      'CREATE TABLE IF NOT EXISTS "s"."t" ("table_prefix" text NOT NULL, "resource" text NOT NULL, ' +
        '"state" text NOT NULL, "updated_at" timestamptz NOT NULL, PRIMARY KEY ("table_prefix", "resource"))',
    );
    expect(
      createTable(
        duck,
        T,
        [
          { name: 'id', type: 'int' },
          { name: 'email', type: 'string' },
        ],
        { key: ['id'] },
      ),
    ).toBe('CREATE TABLE "s"."t" ("id" BIGINT, "email" VARCHAR)');
  });

  it('adds columns in one ALTER where the dialect can, one each where it cannot', () => {
    const add: Array<[string, RudderType]> = [
      ['a', 'int'],
      ['b', 'json'],
    ];
    expect(addColumns(pg, T, add)).toEqual([
      'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "a" bigint, ADD COLUMN IF NOT EXISTS "b" jsonb',
    ]);
    expect(addColumns(duck, T, add)).toEqual([
      'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "a" BIGINT',
      'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "b" JSON',
    ]);
    expect(addColumns(pg, T, [])).toEqual([]);
  });

  it('deletes staged keys the way each dialect plans well', () => {
    expect(pg.sql.deleteStaged(T, 'stage', ['id'])).toBe(
      'DELETE FROM "s"."t" WHERE "id" = ANY(ARRAY(SELECT "id" FROM "stage"))',
    );
    expect(pg.sql.deleteStaged(T, 'stage', ['a', 'b'])).toBe(
      'DELETE FROM "s"."t" AS t USING "stage" AS s WHERE t."a" = s."a" AND t."b" = s."b"',
    );
    expect(duck.sql.deleteStaged(T, 'stage', ['id'])).toBe(pg.sql.deleteStaged(T, 'stage', ['id']));
    expect(duck.sql.keyIndex).toBeNull();
  });

  it('names the key index stably, unique per table even past the name length', () => {
    const long = 'x'.repeat(60);
    expect(keyIndexName('ac_rudder_contacts', ['id'])).toMatch(/^ac_rudder_contacts_[0-9a-f]{8}_id_idx$/);
    expect(keyIndexName('ac_rudder_contacts', ['id'])).toBe(keyIndexName('ac_rudder_contacts', ['id']));
    expect(keyIndexName(`${long}a`, ['id'])).not.toBe(keyIndexName(`${long}b`, ['id']));
    expect(pg.sql.keyIndex?.(T, 'i', ['id'])).toBe('CREATE INDEX IF NOT EXISTS "i" ON "s"."t" ("id")');
  });

  it("lets a row replace any dialect-specific piece: placeholders, datetimes, column types, the table's engine", () => {
    // A row shaped like a ClickHouse one would be: the shared builders take everything from it.
    const ch: SqlDestinationDialect = {
      ...duck,
      types: { ...duck.types, int: 'Int64', string: 'String', datetime: 'DateTime' },
      sql: {
        ...duck.sql,
        param: (n) => `{p${n}}`,
        datetimeParam: (p) => `parseDateTimeBestEffort(${p})`,
        columnType: (c) => (c.inKey || !c.nullable ? ch.types[c.type] : `Nullable(${ch.types[c.type]})`),
        tableOptions: (key) => `ENGINE = ReplacingMergeTree ORDER BY (${key.join(', ')})`,
        addColumn: 'ADD COLUMN',
      },
    };
    expect(
      createTable(
        ch,
        T,
        [
          { name: 'id', type: 'int' },
          { name: 'received_at', type: 'datetime', nullable: false },
          { name: 'email', type: 'string' },
        ],
        { key: ['received_at', 'id'] },
      ),
    ).toBe(
      'CREATE TABLE "s"."t" ("id" Int64, "received_at" DateTime, "email" Nullable(String)) ' +
        'ENGINE = ReplacingMergeTree ORDER BY (received_at, id)',
    );
    expect(addColumns(ch, T, [['n', 'int']])).toEqual(['ALTER TABLE "s"."t" ADD COLUMN "n" Nullable(Int64)']);
    const st = updateRecords(ch, T, STATE_SPEC, { resource: 'r' }, { updated_at: new Date(0) });
    expect(st.text).toBe(
      'UPDATE "s"."t" SET "updated_at" = parseDateTimeBestEffort({p1}) WHERE "resource" = {p2}',
    );
  });
});

describe('dialect rows', () => {
  const rudder: RudderValues = {
    receivedAt: '2024-05-01T00:00:00.000Z',
    event: 'e',
    jobId: 'j',
    jobRunId: 'r',
    taskRunId: 't',
    version: 'v',
    sourceId: 's',
    sourceType: 'st',
    destinationId: 'd',
    destinationType: 'dt',
    uuidTs: '2024-05-01T00:00:00.000Z',
  };

  it("PostgreSQL's row size rule discards the cells that would overflow a heap tuple; DuckDB has none", () => {
    const record: Record<string, unknown> = { id: '1' };
    for (let i = 0; i < 1000; i++) record[`field_${i}`] = `value number ${i} of many`;
    const batch = flattenBatch(new Flattener(pg, { reserved: RUDDER_COLUMN_SET }), [record], 'id', 'x');
    const schema = new Map<string, RudderType>([
      ['id', 'string'],
      ...batch.columns.map((c): [string, RudderType] => [c, 'string']),
    ]);
    const limited = fitRows(batch, schema, new Set(), rudder, 't', pg.rowLimit);
    expect(limited.discards.length).toBeGreaterThan(500);
    expect(limited.discards.length).toBeLessThan(1000);
    expect(new Set(limited.discards.map((d) => d.reason))).toEqual(
      new Set(['the row exceeds the row size limit of the warehouse (too many fields for one row)']),
    );
    // The estimate: short text 1 byte of header, long text a TOAST pointer, fixed-width types padded.
    expect(pg.rowLimit?.cellBytes('string', 'abc')).toBe(4);
    expect(pg.rowLimit?.cellBytes('string', 'x'.repeat(3000))).toBe(21);
    expect(pg.rowLimit?.cellBytes('int', 5)).toBe(15);
    expect(duck.rowLimit).toBeNull();
    expect(fitRows(batch, schema, new Set(), rudder, 't', duck.rowLimit).discards).toEqual([]);
  });

  it("keeps RudderStack's column list once: reserved names and new tables' leading columns agree", () => {
    expect(RUDDER_COLUMNS).toEqual([...RUDDER_COLUMN_SET]);
    expect(RUDDER_COLUMNS[0]).toBe('id');
    expect(RUDDER_COLUMNS).toContain('context_sources_job_run_id');
    // RudderStack's 12, and acsync's delete mark (issue 10).
    expect(RUDDER_COLUMNS).toHaveLength(13);
    expect(RUDDER_COLUMNS.at(-1)).toBe('_acsync_deleted_at');
  });
});
