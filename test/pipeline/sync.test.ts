// runSync end to end on the hard emulator (scrambled orders, ties dealt anew on every request, future dates,
// an account time zone, records without ids, junk 200s), with both settings of whether a child write moves
// the contact's udate: a full sync, then writes (inserts, updates, deletes, a future date) and churn during
// an incremental sync, then a quiet incremental sync must leave every live record in the warehouse once,
// with its current values (deleted ones stay, as they did with RudderStack).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig, RunResult, SourceConfig } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { findResource } from '../../src/extract/catalog.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { openWarehouse } from '../../src/warehouse/index.ts';
import { tempDir } from '../support/env.ts';
import { collectionFor, compareResource, describeMismatch } from './exact.ts';
import { qualified, query, sourceFor, tableIds, withQuery } from './support.ts';

// `npm test` syncs a 600-contact account per setting; `npm run test:stress` (test/stress/extract-exact.test.ts)
// the 20,000 contacts.
const FULL = process.env.ACSYNC_STRESS === 'full';
const CONTACTS = FULL ? 20_000 : 600;
const TIMEOUT = FULL ? 3_600_000 : 240_000;

for (const touch of [false, true]) {
  describe(`runSync against the hard emulator (childWritesTouchContact ${touch ? 'on' : 'off'})`, () => {
    let emulator: RunningEmulator;
    let dir: { path: string; cleanup: () => void };
    let dest: DestinationConfig;
    let source: SourceConfig;

    const emulatorIds = (name: string): Set<string> => {
      const pk = findResource(name)?.primaryKey ?? 'id';
      return new Set([...emulator.records(collectionFor(emulator, name))].map((r) => String(r[pk])));
    };

    async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
      const res = await fetch(`${emulator.url}/api/3/${path}`, {
        method,
        headers: { 'Api-Token': emulator.apiKey, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    }

    /** Resources that failed, and tables that differ from the account now (when `exact`). */
    async function problemsOf(r: RunResult, exact: boolean): Promise<string[]> {
      const problems = r.resources
        .filter((s) => s.status === 'failed')
        .map((s) => `${s.name} failed: ${s.error}`);
      if (exact)
        await withQuery(dest, async (q) => {
          for (const s of r.resources) {
            if (s.status !== 'success') continue;
            const d = describeMismatch(await compareResource(q, emulator, dest, source, s.name));
            if (d) problems.push(d);
          }
        });
      return problems;
    }

    /** Every resource ends success or skipped (only what the account does not serve is skipped); exact. */
    async function expectRun(r: RunResult, exact: boolean) {
      const problems = await problemsOf(r, exact);
      expect(problems, problems.join('\n')).toEqual([]);
      expect(r.status).toBe('success');
      expect(r.exitCode).toBe(0);
    }

    beforeAll(async () => {
      emulator = await startEmulator({
        port: 0,
        contacts: CONTACTS,
        rateLimit: 0,
        seed: 11,
        childWritesTouchContact: touch,
      });
      dir = tempDir('pipeline-sync');
      dest = { type: 'duckdb', name: 'warehouse', path: `${dir.path}/w.duckdb` };
      source = sourceFor(emulator);
    });

    afterAll(async () => {
      await emulator?.close();
      dir?.cleanup();
    });

    let first: RunResult;

    it(
      'a full sync: every live record once, with its values; events counted; history per resource',
      async () => {
        const progress: string[] = [];
        first = await runSync({
          source,
          destination: dest,
          logger: silentLogger(),
          onProgress: (e) => progress.push(e.kind),
        });
        await expectRun(first, true);
        // Two keys, one column: an activity's own reference_type wins over reference.type (RudderStack's rule).
        const activity = [...emulator.records('activities')].find(
          (a) => a.reference_type !== (a.reference as { type?: unknown } | null)?.type,
        )!;
        const [row] = await query(
          dest,
          `SELECT reference_type AS t FROM ${qualified(dest, source, 'activities')} WHERE CAST(id AS VARCHAR) = '${String(activity.id)}'`,
        );
        expect(row?.t).toBe(activity.reference_type);
        // The account holds future dates in cursor fields (reminders, activities): the cursors met them.
        const now = Date.now();
        const ahead = (c: string, f: string) =>
          [...emulator.records(c)].filter((r) => Date.parse(String(r[f] ?? '')) > now).length;
        expect(ahead('contactAutomations', 'remdate') + ahead('activities', 'tstamp')).toBeGreaterThan(0);
        const names = first.resources.map((s) => s.name);
        expect(names.length).toBeGreaterThanOrEqual(60);
        expect(names.some((n) => n.startsWith('custom_object_') && n !== 'custom_object_schemas')).toBe(true);
        for (const s of first.resources) {
          if (s.status !== 'success') continue;
          // Every record the API returned is an event (re-reads included); each live one was written.
          expect(s.events, s.name).toBeGreaterThanOrEqual(emulatorIds(s.name).size);
        }
        expect(first.events).toBe(first.resources.reduce((a, s) => a + s.events, 0));
        expect(progress).toContain('resource-start');
        expect(progress).toContain('page');
        expect(progress).toContain('resource-end');
        // History: one row per resource of this run, with its events and status.
        const target = await openWarehouse(dest, { name: source.name, tablePrefix: source.tablePrefix });
        const history = (await target.history()).filter((h) => h.runId === first.runId);
        await target.close();
        expect(history.map((h) => h.resource).sort()).toEqual([...names].sort());
        expect(history.find((h) => h.resource === 'contacts')).toMatchObject({
          status: 'success',
          events: first.resources.find((s) => s.name === 'contacts')!.events,
        });
      },
      TIMEOUT,
    );

    it(
      'writes, then churn during an incremental sync, then a quiet incremental sync: exact again',
      async () => {
        const contacts = [...emulator.records('contacts')];
        const changed = String(contacts[5].id);
        const deleted = String(contacts[9].id);
        await api('PUT', `contacts/${changed}`, { contact: { firstName: 'Renamed' } });
        const created = await api('POST', 'contacts', {
          contact: { email: 'new.person@example.com', firstName: 'New' },
        });
        const newId = String((created.contact as { id: unknown }).id);
        await api('DELETE', `contacts/${deleted}`);
        const deals = [...emulator.records('deals')].filter((d) => d.contact);
        await api('PUT', `deals/${String(deals[0].id)}`, { deal: { title: 'Bigger deal' } });
        await api('DELETE', `deals/${String(deals[1].id)}`);
        const tag = await api('POST', 'tags', {
          tag: { tag: 'vip', tagType: 'contact', description: 'added' },
        });
        const tagId = String((tag.tag as { id: unknown }).id);
        await api('POST', 'contactTags', { contactTag: { contact: changed, tag: tagId } });
        const lists = [...emulator.records('lists')];
        await api('POST', 'contactLists', {
          contactList: { list: String(lists[0].id), contact: changed, status: 1 },
        });
        // Field values of many types, one a date years ahead: the column stays a string, nothing discarded.
        const fvs = [...emulator.records('fieldValues')];
        await api('PUT', `fieldValues/${String(fvs[3].id)}`, { fieldValue: { value: 'changed value' } });
        await api('PUT', `fieldValues/${String(fvs[4].id)}`, { fieldValue: { value: '2031-05-06' } });
        await api('PUT', `fieldValues/${String(fvs[5].id)}`, { fieldValue: { value: '42' } });

        // The check sees the writes before a sync brings them (it can fail).
        await withQuery(dest, async (q) => {
          const m = await compareResource(q, emulator, dest, source, 'contacts');
          expect(m.missing).toContain(newId);
          expect(m.stale.some((x) => x.startsWith(`${changed}: first_name`))).toBe(true);
        });

        // Churn: every list request inserts or deletes records while the collections are paged.
        emulator.setChurn(0.3);
        const second = await runSync({ source, destination: dest, logger: silentLogger() });
        emulator.setChurn(0);
        const churned = emulator.realismCounts();
        const third = await runSync({ source, destination: dest, logger: silentLogger() });
        const problems = [
          ...(await problemsOf(second, false)).map((p) => `churned run: ${p}`),
          ...(await problemsOf(third, true)),
        ];
        expect(problems, problems.join('\n')).toEqual([]);
        expect([second.status, third.status]).toEqual(['success', 'success']);
        expect(churned.churnInserted).toBeGreaterThan(0);
        expect(churned.churnDeleted).toBeGreaterThan(0);
        // No reconcileEveryHours: every run is a reconcile, which reads contacts whole (their ids find
        // deletes) but writes only what changed.
        expect(third.tier?.name).toBe('reconcile');
        expect(third.resources.find((s) => s.name === 'contacts')!.rowsWritten).toBeLessThan(
          contacts.length / 2,
        );

        const one = async (resource: string, id: string, column: string) =>
          (
            await query(
              dest,
              `SELECT CAST(${column} AS VARCHAR) AS v FROM ${qualified(dest, source, resource)} WHERE CAST(id AS VARCHAR) = '${id}'`,
            )
          )[0]?.v;
        expect(await one('contacts', changed, 'first_name')).toBe('Renamed');
        expect(await one('contacts', newId, 'email')).toBe('new.person@example.com');
        expect(await one('contacts', deleted, 'email')).toBe(contacts[9].email);
        // Kept, and marked deleted; the others not.
        expect(await one('contacts', deleted, '_acsync_deleted_at')).not.toBeNull();
        expect(await one('contacts', changed, '_acsync_deleted_at')).toBeNull();
        expect(await one('deals', String(deals[0].id), 'title')).toBe('Bigger deal');
        expect(await one('tags', tagId, 'tag')).toBe('vip');
        expect(await one('field_values', String(fvs[3].id), 'value')).toBe('changed value');
        expect(await one('field_values', String(fvs[5].id), 'value')).toBe('42');
        await withQuery(dest, async (q) => {
          const types = await q(
            "SELECT table_name, data_type FROM information_schema.columns WHERE column_name IN ('value', 'field_value') " +
              "AND table_name IN ('ac_rudder_field_values', 'ac_rudder_deal_custom_field_data', 'ac_rudder_account_custom_field_data')",
          );
          expect(types.map((t) => String(t.data_type))).toEqual(['VARCHAR', 'VARCHAR', 'VARCHAR']);
          const ids = await tableIds(q, dest, source, 'contact_tags');
          expect([...ids.values()].every((n) => n === 1)).toBe(true);
        });
      },
      TIMEOUT,
    );

    it.runIf(!touch)(
      'a selection syncs only the named resources; unknown names reject with the valid ones',
      async () => {
        const r = await runSync({
          source,
          destination: dest,
          resources: ['tags', 'field_rels'],
          logger: silentLogger(),
        });
        expect(r.resources.map((s) => s.name).sort()).toEqual(['field_rels', 'tags']);
        expect(r.status).toBe('success');
        await expect(
          runSync({ source, destination: dest, resources: ['tags', 'nope'], logger: silentLogger() }),
        ).rejects.toThrow(/unknown resource "nope".*valid names: .*contacts/);
      },
    );

    it.runIf(!touch)('full refresh ignores the cursors and rewrites every record', async () => {
      const r = await runSync({
        source,
        destination: dest,
        resources: ['contacts', 'tags'],
        fullRefresh: true,
        logger: silentLogger(),
      });
      const c = r.resources.find((s) => s.name === 'contacts')!;
      expect(c.rowsWritten).toBe(emulatorIds('contacts').size);
    });
  });
}
