// RudderStack's naming rules pinned on the worked examples of the conventions (§3.1, §3.2, §6).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../src/warehouse/dialects.ts';
import { tableName, validateTablePrefix } from '../../src/warehouse/index.ts';
import { columnName, tableNameForEvent, toSafeNamespace, transformName } from '../../src/warehouse/naming.ts';
import { RESERVED_KEYWORDS } from '../../src/warehouse/reserved-keywords.ts';
import { haveSharedReference, SHARED_REFERENCE } from '../support/env.ts';

const pg = DIALECTS.postgres;

describe('transformColumnName (default variant)', () => {
  it.each([
    ['firstName', 'first_name'],
    ['FirstName', 'first_name'],
    ['first_name', 'first_name'],
    ['HTTPResponseCode', 'http_response_code'],
    ['userID', 'user_id'],
    ['iOS', 'i_os'],
    ['fieldV3', 'field_v3'],
    ['CamelCase123Key', 'camel_case123_key'],
    ['omega v2', 'omega_v2'],
    ['walk500Miles', 'walk500_miles'],
    ['isISO8601', 'is_iso8601'],
    ['9mega', '_9mega'],
    ['1CComega', '_1cc_omega'],
    ['12ft', '_12ft'],
    ['9mega________-________90', '_9mega_90'],
    ['address.line1', 'address_line1'],
    ['path to $1,00,000', 'path_to_1_00_000'],
    ['ome$ga', 'ome_ga'],
    ['ome_ ga', 'ome_ga'],
    ['x__y', 'x_y'],
    ['Cízǔ', 'c_z'],
    ['ÄpfelÖl', 'pfel_l'],
    ['été', 't'],
    ['emoji😀x', 'emoji_x'],
    ['名前', ''],
    ['_timestamp', '_timestamp'],
    ['__timestamp_new', '__timestamp_new'],
  ])('%s → %s', (input, expected) => {
    expect(transformName(pg, input)).toBe(expected);
  });
});

describe('safeColumnName', () => {
  it('escapes reserved words per warehouse', () => {
    expect(columnName(pg, 'order')).toBe('_order');
    expect(columnName(pg, 'user')).toBe('_user');
    expect(columnName(DIALECTS.bigquery, 'user')).toBe('user');
    expect(columnName(DIALECTS.snowflake, 'user')).toBe('USER');
    expect(columnName(DIALECTS.snowflake, 'order')).toBe('_ORDER');
    expect(columnName(DIALECTS.bigquery, 'table')).toBe('table');
    expect(columnName(pg, 'table')).toBe('_table');
    for (const word of ['id', 'event', 'name', 'status', 'type', 'cdate', 'udate', 'timestamp'])
      expect(columnName(pg, word)).toBe(word);
  });

  it('cuts names to 63 characters on PostgreSQL and 127 elsewhere', () => {
    const long = 'a'.repeat(64);
    expect(columnName(pg, long)).toBe('a'.repeat(63));
    expect(columnName(DIALECTS.duckdb, long)).toBe('a'.repeat(63));
    const veryLong = 'b'.repeat(141);
    expect(columnName(pg, veryLong)).toHaveLength(63);
    expect(columnName(DIALECTS.snowflake, veryLong)).toHaveLength(127);
    expect(columnName(DIALECTS.redshift, veryLong)).toHaveLength(127);
  });

  it('drops names that normalise to nothing', () => {
    expect(columnName(pg, '名前')).toBe('');
    expect(columnName(pg, '!!!')).toBe('');
  });
});

describe('table names', () => {
  it.each([
    ['ac_contacts', 'ac_contacts'],
    ['ac_contactTags', 'ac_contact_tags'],
    ['myPrefix_contacts', 'my_prefix_contacts'],
    ['ac-contacts', 'ac_contacts'],
    ['ac__contacts', 'ac_contacts'],
    ['ACcontacts', 'a_ccontacts'],
    ['2fa_logs', '_2fa_logs'],
    ['users', '_users'],
    ['Tracks', '_tracks'],
    ['select', '_select'],
  ])('event %s → table %s', (event, table) => {
    expect(tableNameForEvent(pg, event)).toBe(table);
  });

  it('uppercases on Snowflake', () => {
    expect(tableNameForEvent(DIALECTS.snowflake, 'ac contacts')).toBe('AC_CONTACTS');
  });

  it('adds rudder_ after the prefix, with no separator of its own', () => {
    expect(tableName('postgres', 'test_', 'contacts')).toBe('test_rudder_contacts');
    expect(tableName('postgres', 'test', 'contacts')).toBe('testrudder_contacts');
    expect(tableName('duckdb', 'myPrefix_', 'contacts')).toBe('my_prefix_rudder_contacts');
    expect(tableName('duckdb', 'ac_', 'contact_tags')).toBe('ac_rudder_contact_tags');
    expect(tableName('postgres', 'ac_', 'custom_object_orders2')).toBe('ac_rudder_custom_object_orders2');
    expect(tableName('postgres', '', 'deal_stages')).toBe('rudder_deal_stages');
  });
});

describe('schema names (ToSafeNamespace)', () => {
  it.each([
    ['omega v2 ', 'omega_v_2'],
    ['9mega', '_9_mega'],
    ['Cízǔ', 'c_z'],
    ['___', 'stringempty'],
    ['group', '_group'],
    ['k3_namespace', 'k_3_namespace'],
    ['My Source', 'my_source'],
  ])('%j → %s', (name, schema) => {
    expect(toSafeNamespace(pg, name)).toBe(schema);
  });
});

describe('validateTablePrefix', () => {
  it('accepts letters, digits and underscores starting with a letter, up to 30 characters', () => {
    expect(validateTablePrefix('ac_')).toBeNull();
    expect(validateTablePrefix('myPrefix_')).toBeNull();
    expect(validateTablePrefix('')).toBeNull();
    expect(validateTablePrefix('a'.repeat(30))).toBeNull();
  });
  it('says what is wrong', () => {
    expect(validateTablePrefix('1ac_')).toMatch(/start with a letter/);
    expect(validateTablePrefix('ac-')).toMatch(/letters, digits and underscores/);
    expect(validateTablePrefix('_ac')).toMatch(/start with a letter/);
    expect(validateTablePrefix('a'.repeat(31))).toMatch(/31 characters.*30/);
  });
});

describe.runIf(haveSharedReference('reserved-keyword comparison'))('reserved keywords', () => {
  it('match RudderStack’s lists in the reference, warehouse by warehouse', () => {
    const reference = JSON.parse(
      readFileSync(join(SHARED_REFERENCE, 'rudderstack-reserved-keywords.json'), 'utf8'),
    ) as Record<string, string[] | Record<string, unknown>>;
    for (const [key, words] of Object.entries(RESERVED_KEYWORDS)) {
      const listed = reference[key];
      const upstream = (Array.isArray(listed) ? listed : Object.keys(listed)).filter((w) => w === w.trim());
      expect([...words].sort(), key).toEqual([...new Set(upstream)].sort());
    }
  });
});
