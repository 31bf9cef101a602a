// `acsync resources` through the real binary: every catalog row with its path and sync mode.
import { describe, expect, it } from 'vitest';
import { listResources } from '../../src/extract/catalog.ts';
import { runCli } from '../support/env.ts';

describe('acsync resources', () => {
  it('--json lists every resource with its path, paging and sync mode', async () => {
    const r = await runCli(['resources', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout.trim()) as {
      name: string;
      path: string;
      mode: string;
      paging: string;
    }[];
    expect(rows.length).toBe(listResources().length + 1);
    const byName = new Map(rows.map((x) => [x.name, x]));
    expect(byName.get('contacts')).toMatchObject({ path: '/api/3/contacts', paging: 'keyset-id' });
    expect(byName.get('contacts')?.mode).toMatch(/server filter filters\[updated_after\]/);
    expect(byName.get('field_options')?.mode).toMatch(/side-loaded by \/fields/);
    expect(byName.get('custom_object_<slug>')?.path).toBe('/api/3/customObjects/records/{schemaId}');
  });

  it('prints a table a person can read', async () => {
    const r = await runCli(['resources']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RESOURCE\s+API PATH\s+SYNC MODE$/);
    expect(r.stdout).toMatch(/^deals\s+\/api\/3\/deals\s+incremental: server filter/m);
    expect(r.stdout).toMatch(/^addresses\s+\/api\/3\/addresses\s+full$/m);
    expect(lines.at(-1)).toBe(`${listResources().length} resources + one per custom object schema`);
  });
});
