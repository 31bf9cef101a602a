// The tier rules and the include= checks, as pure functions.
import { describe, expect, it } from 'vitest';
import { findResource } from '../../src/extract/catalog.ts';
import { planScans } from '../../src/extract/scan.ts';
import { checkInclude, includeParam, totalsAgree } from '../../src/extract/sideload.ts';
import { chooseTier, inFastTier, nextTierState, readTierState } from '../../src/extract/tiers.ts';

const def = (n: string) => findResource(n)!;
const now = new Date('2026-12-01T12:00:00Z');

describe('chooseTier', () => {
  const state = (reconciledAt: string | null) => ({ reconciledAt, sizes: {} });
  it('reconciles when none completed, when due, when asked, or with reconcileEveryHours 0', () => {
    const pick = (s: string | null, hours: number, requested: 'auto' | 'fast' | 'reconcile' = 'auto') =>
      chooseTier({ requested, reconcileEveryHours: hours, state: state(s), now }).tier;
    expect(pick(null, 24)).toBe('reconcile');
    expect(pick('2026-11-30T11:59:59Z', 24)).toBe('reconcile');
    expect(pick('2026-11-30T12:00:01Z', 24)).toBe('fast');
    expect(pick('2026-12-01T11:00:00Z', 0)).toBe('reconcile');
    expect(pick('2026-12-01T11:00:00Z', 24, 'reconcile')).toBe('reconcile');
    expect(pick(null, 24, 'fast')).toBe('fast');
  });
});

describe('inFastTier', () => {
  const st = readTierState({ v: 1, reconciledAt: null, sizes: { tags: 150, notes: 201, fields: 30 } });
  it('date-filtered resources and side-loaded children always; others by their last full read', () => {
    expect(inFastTier(def('contacts'), st, false)).toBe(true);
    expect(inFastTier(def('activities'), st, false)).toBe(true);
    expect(inFastTier(def('field_values'), st, false)).toBe(true);
    // A child read directly (include= incomplete) is judged by its size; unknown size: read it.
    expect(inFastTier(def('field_values'), st, true)).toBe(true);
    expect(inFastTier(def('field_values'), { ...st, sizes: { field_values: 5000 } }, true)).toBe(false);
    expect(inFastTier(def('tags'), st, false)).toBe(true);
    expect(inFastTier(def('notes'), st, false)).toBe(false);
    // Side-loads of /fields follow the fields' size.
    expect(inFastTier(def('field_options'), st, false)).toBe(true);
  });
  it('records sizes, and the reconcile time only when all of it succeeded', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const ok = nextTierState(st, {
      tier: 'reconcile',
      startedAt: at,
      allSucceeded: true,
      fullReads: [{ name: 'notes', events: 10 }],
    });
    expect(ok).toEqual({ reconciledAt: at.toISOString(), sizes: { tags: 150, notes: 10, fields: 30 } });
    expect(
      nextTierState(st, { tier: 'reconcile', startedAt: at, allSucceeded: false, fullReads: [] })
        .reconciledAt,
    ).toBeNull();
    expect(
      nextTierState(st, { tier: 'fast', startedAt: at, allSucceeded: true, fullReads: [] }).reconciledAt,
    ).toBeNull();
  });
});

describe('side-loads', () => {
  it('children of contacts ride on the contacts scan unless contacts is not selected or the child is direct', () => {
    const names = (ps: ReturnType<typeof planScans>) =>
      ps.map((p) => `${p.source.name}:${p.members.map((m) => m.name).join('+')}`);
    const sel = ['contacts', 'field_values', 'contact_tags', 'tags'].map(def);
    expect(names(planScans(sel))).toEqual(['contacts:contacts+field_values+contact_tags', 'tags:tags']);
    expect(names(planScans(sel, { direct: new Set(['contact_tags']) }))).toEqual([
      'contacts:contacts+field_values',
      'contact_tags:contact_tags',
      'tags:tags',
    ]);
    expect(names(planScans(sel, { sideload: false }))).toHaveLength(4);
    expect(names(planScans([def('field_values')]))).toEqual(['field_values:field_values']);
    expect(includeParam([def('contacts'), def('field_values'), def('contact_lists')])).toBe(
      'fieldValues,contactLists',
    );
  });
  it('a listed id without its row is missing; totals agree within 1% plus what churn explains', () => {
    const contacts = [{ id: '1', fieldValues: ['10', '11'] }, { id: '2', fieldValues: ['12'] }, { id: '3' }];
    const full = { fieldValues: [{ id: '10' }, { id: '11' }, { id: '12' }] };
    expect(checkInclude(def('field_values'), contacts, full)).toEqual({ listed: 3, missing: 0 });
    const cut = { fieldValues: [{ id: '10' }, { id: '12' }] };
    expect(checkInclude(def('field_values'), contacts, cut)).toEqual({ listed: 3, missing: 1 });
    expect(totalsAgree(990, 1000, 0, 3)).toBe(true);
    expect(totalsAgree(900, 1000, 0, 3)).toBe(false);
    expect(totalsAgree(900, 1000, 20, 3)).toBe(true);
  });
});
