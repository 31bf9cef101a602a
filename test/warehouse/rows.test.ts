// Flattening, typing and coercion, without a database: conventions §5, §7 and the §12 worked example.
import { describe, expect, it } from 'vitest';
import {
  fitRows,
  flattenBatch,
  planColumns,
  RUDDER_COLUMN_SET,
  type RudderValues,
} from '../../src/warehouse/batch.ts';
import { DIALECTS, type RudderType } from '../../src/warehouse/dialects.ts';
import { Flattener } from '../../src/warehouse/flatten.ts';
import { COERCE, parseRudderTimestamp } from '../../src/warehouse/types.ts';

const pg = DIALECTS.postgres;
const flattener = () => new Flattener(pg, { reserved: RUDDER_COLUMN_SET });

const rudder: RudderValues = {
  receivedAt: '2024-05-01T00:00:00.000Z',
  event: 'ac_rudder_contacts',
  jobId: 'src',
  jobRunId: 'run-1',
  taskRunId: 'run-1:contacts',
  version: '0.1.0',
  sourceId: 'src',
  sourceType: 'active_campaign',
  destinationId: 'wh',
  destinationType: 'POSTGRES',
  uuidTs: '2024-05-01T00:00:01.000Z',
};

function cellsOf(record: Record<string, unknown>, jsonPaths?: string[]) {
  const f = new Flattener(pg, { reserved: RUDDER_COLUMN_SET, jsonPaths });
  const c = f.flatten(record);
  return Object.fromEntries(c.names.map((n, i) => [n, [c.values[i], c.types[i]]]));
}

describe('timestamps (§7.1)', () => {
  it.each([
    ['2019-09-26', '2019-09-26T00:00:00.000Z'],
    ['2009-05-19 14:39:22', '2009-05-19T14:39:22.000Z'],
    ['2019-09-26T06:30:12.984Z', '2019-09-26T06:30:12.984Z'],
    ['2020-02-11 04:56:55.175116', '2020-02-11T04:56:55.175Z'],
    ['2020-02-11T10:26:55+0530', '2020-02-11T04:56:55.000Z'],
    ['2020-02-11T10:26:55+05:30', '2020-02-11T04:56:55.000Z'],
    ['2024-01-02T03:04:05-05:00', '2024-01-02T08:04:05.000Z'],
  ])('%s is a datetime, %s', (input, iso) => {
    expect(parseRudderTimestamp(input)).toBe(iso);
  });

  it.each(['05/25/2020', '20240101', '1700000000', '2024-13-01', '0000-00-00 00:00:00', '2024-02-30', 'abc'])(
    '%s stays a string',
    (input) => {
      expect(parseRudderTimestamp(input)).toBeNull();
    },
  );
});

describe('flattening (§5)', () => {
  it('flattens four key levels and keeps deeper objects as JSON text', () => {
    const cells = cellsOf({ deep: { l1: { l2: { l3: { l4: 'v4' }, l2s: 's' } } } });
    expect(cells).toEqual({
      deep_l1_l2_l3: ['{"l4":"v4"}', 'jsonText'],
      deep_l1_l2_l2_s: ['s', 'string'],
    });
  });

  it('skips blank values and names that normalise to nothing; arrays become JSON text', () => {
    const cells = cellsOf({ a: null, b: '', c: [], d: ['x', 'y'], 名前: 'x', e: {} });
    expect(cells).toEqual({ d: ['["x","y"]', 'jsonText'] });
  });

  it('keeps AC numeric strings as strings and infers JS numbers and booleans', () => {
    expect(cellsOf({ a: '123', b: 7, c: 1.5, d: false })).toEqual({
      a: ['123', 'string'],
      b: [7, 'int'],
      c: [1.5, 'float'],
      d: [false, 'boolean'],
    });
  });

  it('stores jsonPaths whole as json', () => {
    expect(cellsOf({ fieldValues: [{ field: '1' }], links: { a: 'x' } }, ['fieldValues', 'links'])).toEqual({
      field_values: ['[{"field":"1"}]', 'json'],
      links: ['{"a":"x"}', 'json'],
    });
  });

  it('drops record fields that collide with RudderStack columns', () => {
    expect(cellsOf({ id: 1, received_at: 'x', event: 'y', uuid_ts: 'z', keep: 'k' })).toEqual({
      keep: ['k', 'string'],
    });
  });
});

describe('two keys, one column (§5.1, §6.6: the Go transformer walks keys sorted, the last write wins)', () => {
  // The documented activity (reference §activities): its own reference_type and reference.type.
  const activity = {
    tstamp: '2019-01-03T12:16:19-06:00',
    reference_type: 'SubscriberEmail',
    reference_id: '13',
    reference: { type: 'contact-email', id: '13' },
    id: '865',
  };

  it('the record’s own reference_type wins over reference.type, in either key order', () => {
    const f = flattener();
    expect(cellsOf(activity).reference_type).toEqual(['SubscriberEmail', 'string']);
    const { reference, ...rest } = activity;
    const nestedLast = { reference, ...rest };
    expect(Object.keys(nestedLast)[0]).toBe('reference');
    const c = f.flatten(nestedLast);
    expect(c.values[c.names.indexOf('reference_type')]).toBe('SubscriberEmail');
    expect(c.names.filter((n) => n === 'reference_type')).toHaveLength(1);
    // Same flattener, next record (the collision is known now): still the own key.
    const again = f.flatten({ ...activity, reference_type: 'Other' });
    expect(again.values[again.names.indexOf('reference_type')]).toBe('Other');
  });

  it('the greater raw path wins, compared key by key (A_b sorts before a, so a.b wins)', () => {
    expect(cellsOf({ a: { b: 'nested' }, A_b: 'own' }).a_b).toEqual(['nested', 'string']);
    expect(cellsOf({ A_b: 'own', a: { b: 'nested' } }).a_b).toEqual(['nested', 'string']);
    expect(cellsOf({ a_b: 'own', a: { b: 'nested' } }).a_b).toEqual(['own', 'string']);
  });

  it('a batch writes the winner, typed by the winner, whatever record met the collision first', () => {
    const batch = flattenBatch(
      flattener(),
      [
        { id: '1', reference: { type: 5 }, reference_type: 'SubscriberEmail' },
        { id: '2', reference_type: 'Deal', reference: { type: 'deal' } },
        { id: '3', reference: { type: 'only-nested' } },
      ],
      'id',
      'activities',
    );
    const at = batch.columns.indexOf('reference_type');
    expect(batch.firstTypes[at]).toBe('string');
    expect(batch.rows.map((r) => r.values[at])).toEqual(['SubscriberEmail', 'Deal', 'only-nested']);
  });
});

describe('columns of many types by design (catalog mixedTypeFields)', () => {
  const values = [
    { id: '1', value: '2024-01-02' },
    { id: '2', value: 'Blue' },
    { id: '3', value: 12 },
  ];

  it('a new column is a string whatever the first value is, so no value is discarded', () => {
    const batch = flattenBatch(flattener(), values, 'id', 'field_values');
    expect(planColumns(batch, null, 1600).add).toContainEqual(['value', 'datetime']);
    const plan = planColumns(batch, null, 1600, new Set(['value']));
    expect(plan.add).toContainEqual(['value', 'string']);
    const fitted = fitRows(batch, new Map(plan.add), plan.overflow, rudder, 't');
    const at = fitted.columns.findIndex((c) => c.name === 'value');
    expect(fitted.rows.map((r) => r[at])).toEqual(['2024-01-02T00:00:00.000Z', 'Blue', '12']);
    expect(fitted.discards).toEqual([]);
  });

  it('an adopted table keeps its type (RudderStack honours the existing schema)', () => {
    const batch = flattenBatch(flattener(), values, 'id', 'field_values');
    const existing = new Map<string, RudderType>([
      ['id', 'string'],
      ['value', 'datetime'],
    ]);
    const plan = planColumns(batch, existing, 1600, new Set(['value']));
    expect(plan.add.find(([n]) => n === 'value')).toBeUndefined();
    const fitted = fitRows(batch, new Map([...existing, ...plan.add]), plan.overflow, rudder, 't');
    expect(fitted.discards.map((d) => d.rowId)).toEqual(['2', '3']);
  });
});

describe('coercion matrix (§7.3)', () => {
  const cases: Array<[RudderType, unknown, unknown]> = [
    ['string', 1, '1'],
    ['string', true, 'true'],
    ['string', 1.5, '1.5'],
    ['float', 3, 3],
    ['int', 1.7, 1],
    ['int', '12', undefined],
    ['int', 'abc', undefined],
    ['datetime', 'not a date', undefined],
    ['datetime', 5, undefined],
    ['boolean', 'true', undefined],
    ['float', 'abc', undefined],
    ['json', 5, '5'],
    ['json', 'x', '"x"'],
  ];
  it.each(cases)('%s column receiving %j → %j (undefined = discarded)', (columnType, value, expected) => {
    const batch = flattenBatch(flattener(), [{ id: '1', v: value }], 'id', 'r');
    const schema = new Map<string, RudderType>([
      ['id', 'string'],
      ['v', columnType],
    ]);
    const fitted = fitRows(batch, schema, new Set(), rudder, 't');
    const at = fitted.columns.findIndex((c) => c.name === 'v');
    if (expected === undefined) {
      expect(fitted.rows[0][at]).toBeNull();
      expect(fitted.discards).toEqual([
        {
          tableName: 't',
          rowId: '1',
          columnName: 'v',
          columnValue: String(value),
          reason: expect.stringMatching(new RegExp(`^incompatible schema conversion from ${columnType} to `)),
        },
      ]);
    } else {
      expect(fitted.rows[0][at]).toEqual(expected);
      expect(fitted.discards).toEqual([]);
    }
  });

  it('has no silent entries: every rudder type coerces its own type unchanged', () => {
    for (const t of ['int', 'float', 'string', 'datetime', 'boolean', 'json'] as const)
      expect(COERCE[t][t]?.('x' as never)).toBe('x');
  });
});

describe('first type wins', () => {
  it('types a new column by its first value in the batch; later values are coerced or discarded', () => {
    const batch = flattenBatch(
      flattener(),
      [
        { id: '1', n: 5 },
        { id: '2', n: 'five' },
        { id: '3', n: 2.9 },
      ],
      'id',
      'r',
    );
    const plan = planColumns(batch, null, 1600);
    expect(plan.add).toContainEqual(['n', 'int']);
    const fitted = fitRows(batch, new Map(plan.add), plan.overflow, rudder, 't');
    const at = fitted.columns.findIndex((c) => c.name === 'n');
    expect(fitted.rows.map((r) => r[at])).toEqual([5, null, 2]);
    expect(fitted.discards.map((d) => [d.rowId, d.columnValue])).toEqual([['2', 'five']]);
  });

  it('keeps the last occurrence of an id within a batch', () => {
    const batch = flattenBatch(
      flattener(),
      [
        { id: '1', v: 'old' },
        { id: '2', v: 'b' },
        { id: '1', v: 'new' },
      ],
      'id',
      'r',
    );
    expect(batch.rows.map((r) => [r.id, r.values[0]])).toEqual([
      ['1', 'new'],
      ['2', 'b'],
    ]);
  });

  it('rejects a record without a primary key, naming the resource', () => {
    expect(() => flattenBatch(flattener(), [{ id: '1' }, { name: 'x' }], 'id', 'contacts')).toThrow(
      /contacts: record 2 .*primary key "id"/,
    );
  });

  it('sends values beyond the column limit to discards instead of failing the load', () => {
    const record: Record<string, unknown> = { id: '1' };
    for (let i = 0; i < 20; i++) record[`f${i}`] = `v${i}`;
    const batch = flattenBatch(flattener(), [record], 'id', 'r');
    const plan = planColumns(batch, null, 22);
    expect(plan.add).toHaveLength(22);
    // 1 id + 12 columns of RudderStack's and acsync's (never the ones left out) + 9 of the 20 fields.
    expect(plan.overflow.size).toBe(11);
    const fitted = fitRows(batch, new Map(plan.add), plan.overflow, rudder, 't');
    expect(fitted.discards).toHaveLength(11);
    expect(fitted.discards[0].reason).toMatch(/column limit/);
  });
});

describe('the §12 worked example', () => {
  it('produces RudderStack’s columns, types and values', () => {
    const record = {
      id: 123,
      cdate: '2024-01-02T03:04:05-05:00',
      email: 'a@b.c',
      firstName: 'Al',
      score: 1.5,
      isActive: true,
      tags: ['x', 'y'],
      links: { bounceLogs: 'https://x', contactGoals: 'https://y' },
      fieldValues: [{ field: '1', value: 'v' }],
      deep: { l1: { l2: { l3: { l4: 'v4' }, l2s: 's' } } },
      timestamp: 'user-ts',
      event: 'user-event',
      order: 5,
      nullField: null,
      emptyStr: '',
    };
    const batch = flattenBatch(flattener(), [record], 'id', 'contacts');
    const plan = planColumns(batch, null, pg.maxColumns);
    const types = Object.fromEntries(plan.add);
    expect(types).toEqual({
      id: 'int',
      event: 'string',
      received_at: 'datetime',
      cdate: 'datetime',
      email: 'string',
      first_name: 'string',
      score: 'float',
      is_active: 'boolean',
      tags: 'string',
      links_bounce_logs: 'string',
      links_contact_goals: 'string',
      field_values: 'string',
      deep_l1_l2_l3: 'string',
      deep_l1_l2_l2_s: 'string',
      timestamp: 'string',
      _order: 'int',
      context_sources_job_id: 'string',
      context_sources_job_run_id: 'string',
      context_sources_task_run_id: 'string',
      context_sources_version: 'string',
      context_source_id: 'string',
      context_source_type: 'string',
      context_destination_id: 'string',
      context_destination_type: 'string',
      uuid_ts: 'datetime',
      _acsync_deleted_at: 'datetime',
    });
    const fitted = fitRows(batch, new Map(plan.add), plan.overflow, rudder, 'ac_rudder_contacts');
    const row = Object.fromEntries(fitted.columns.map((c, i) => [c.name, fitted.rows[0][i]]));
    expect(row).toMatchObject({
      id: 123,
      event: 'ac_rudder_contacts',
      cdate: '2024-01-02T08:04:05.000Z',
      tags: '["x","y"]',
      field_values: '[{"field":"1","value":"v"}]',
      deep_l1_l2_l3: '{"l4":"v4"}',
      deep_l1_l2_l2_s: 's',
      timestamp: 'user-ts',
      _order: 5,
      _acsync_deleted_at: null,
    });
    expect(row).not.toHaveProperty('null_field');
    expect(row).not.toHaveProperty('empty_str');
  });
});
