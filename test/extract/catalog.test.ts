import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { CATALOG, customObjectResource, listResources, resolveResources } from '../../src/extract/catalog.ts';
import { planScans } from '../../src/extract/scan.ts';

describe('resource catalog', () => {
  it('has at least 60 resources with unique snake_case names and the ones the issue names', () => {
    const names = listResources().map((d) => d.name);
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const n of [
      'contacts',
      'contact_tags',
      'deal_stages',
      'field_values',
      'field_options',
      'field_rels',
      'ecom_order_products',
      'campaign_links',
      'notes',
      'custom_object_schemas',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('uses the server-side filters that exist and keyset paging for contacts only', () => {
    const byName = new Map(CATALOG.map((d) => [d.name, d]));
    expect(byName.get('contacts')).toMatchObject({
      paging: 'keyset-id',
      incremental: { kind: 'server', param: 'filters[updated_after]', format: 'date' },
    });
    expect(byName.get('deals')?.incremental).toMatchObject({
      kind: 'server',
      param: 'filters[updated_after]',
    });
    expect(byName.get('activities')?.incremental).toMatchObject({ kind: 'server', param: 'after' });
    expect(CATALOG.filter((d) => d.paging === 'keyset-id').map((d) => d.name)).toEqual(['contacts']);
    expect(
      CATALOG.filter((d) => d.incremental.kind === 'server')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['activities', 'contacts', 'deals']);
    // Flat collections, not one request per parent.
    expect(byName.get('ecom_order_products')?.path).toBe('ecomOrderProducts');
    expect(byName.get('campaign_links')?.path).toBe('links');
  });

  it('rides field options and rels on the /fields scan', () => {
    const defs = ['fields', 'field_options', 'field_rels', 'tags'].map(
      (n) => CATALOG.find((d) => d.name === n)!,
    );
    const plans = planScans(defs);
    expect(plans.map((p) => [p.source.name, p.members.map((m) => m.name)])).toEqual([
      ['fields', ['fields', 'field_options', 'field_rels']],
      ['tags', ['tags']],
    ]);
    // Selected alone, a side-loaded resource still pages through its parent's endpoint.
    const alone = planScans([CATALOG.find((d) => d.name === 'field_rels')!]);
    expect(alone[0].source.name).toBe('fields');
  });

  it('names custom object resources after the schema slug', () => {
    const d = customObjectResource({ id: '6449c3f3-b68d', slug: 'my-object' });
    expect(d.name).toBe('custom_object_my_object');
    expect(d.path).toBe('customObjects/records/6449c3f3-b68d');
    expect(d.arrayKey).toBe('records');
  });

  it('resolves selections and lists the valid names for unknown ones', () => {
    expect(resolveResources('all')).toEqual(listResources().map((d) => d.name));
    expect(resolveResources(['deals', 'contacts', 'deals'])).toEqual(['deals', 'contacts']);
    expect(resolveResources(['custom_object_my_object'])).toEqual(['custom_object_my_object']);
    let err: unknown;
    try {
      resolveResources(['contacts', 'contactz', 'tasks']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('"contactz", "tasks"');
    expect(msg).toContain('contact_tags');
    expect(msg).toContain('custom_object_<schema slug>');
    expect((err as ConfigError).exitCode).toBe(2);
  });
});
