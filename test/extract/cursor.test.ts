// The cursor module on its own: pure functions, no API.
import { describe, expect, it } from 'vitest';
import { findResource } from '../../src/extract/catalog.ts';
import {
  CLOCK_SKEW_MS,
  lookbackMs,
  observe,
  openCursor,
  requestParams,
  shouldWrite,
  stateAfterPage,
  updateTime,
  ZONE_SPAN_MS,
} from '../../src/extract/cursor.ts';
import type { ResourceState } from '../../src/extract/state.ts';

const H = 3_600_000;
const startedAt = Date.parse('2026-06-01T12:00:00Z');
const opts = { startedAt, lookbackHours: 24, fullRefresh: false, resume: false };
const automations = findResource('contact_automations')!;
const deals = findResource('deals')!;
const activities = findResource('activities')!;
const brandings = findResource('brandings')!;
const state = (cursor: string | null): ResourceState => ({ v: 1, cursor });

describe('cursor', () => {
  it('starts from the stored cursor minus the look-back; nothing stored means everything', () => {
    expect(openCursor(automations, state(null), opts).since).toBeNull();
    const c = openCursor(automations, state('2026-05-31T00:00:00.000Z'), opts);
    expect(c.since).toBe(Date.parse('2026-05-31T00:00:00Z') - 24 * H);
    expect(
      openCursor(automations, state('2026-05-31T00:00:00.000Z'), { ...opts, fullRefresh: true }).since,
    ).toBeNull();
  });

  it('never looks back less than the widest time-zone offset (naive timestamps are account-local)', () => {
    expect(lookbackMs(1)).toBe(ZONE_SPAN_MS);
    expect(lookbackMs(0)).toBe(14 * H);
    expect(lookbackMs(48)).toBe(48 * H);
    const c = openCursor(automations, state('2026-05-31T00:00:00.000Z'), { ...opts, lookbackHours: 1 });
    expect(c.since).toBe(Date.parse('2026-05-31T00:00:00Z') - 14 * H);
  });

  it('pulls a stored future cursor back to the run start before applying the look-back', () => {
    const c = openCursor(automations, state('2031-01-01T00:00:00.000Z'), opts);
    expect(c.since).toBe(startedAt - CLOCK_SKEW_MS - 24 * H);
  });

  it('clamps the cursor a completed scan stores to the run start minus the skew allowance', () => {
    let c = openCursor(automations, state(null), opts);
    for (const t of ['2026-05-30T10:00:00Z', '2030-01-01T00:00:00Z', '2026-05-31T10:00:00Z'])
      c = observe(c, Date.parse(t));
    expect(c.maxSeen).toBe(Date.parse('2030-01-01T00:00:00Z'));
    const done = stateAfterPage(automations, c, state(null), { done: true, position: null });
    expect(done.cursor).toBe(new Date(startedAt - CLOCK_SKEW_MS).toISOString());
    // A past newest time is kept as it is.
    let past = openCursor(automations, state(null), opts);
    past = observe(past, Date.parse('2026-05-30T10:00:00Z'));
    expect(stateAfterPage(automations, past, state(null), { done: true, position: null }).cursor).toBe(
      '2026-05-30T10:00:00.000Z',
    );
  });

  it('keeps the old cursor mid-scan (with the resume point) and after an incomplete scan', () => {
    let c = openCursor(automations, state('2026-05-01T00:00:00.000Z'), opts);
    c = observe(c, Date.parse('2026-05-31T00:00:00Z'));
    const mid = stateAfterPage(automations, c, state('2026-05-01T00:00:00.000Z'), {
      done: false,
      position: { offset: 99, lastKey: '7' },
    });
    expect(mid.cursor).toBe('2026-05-01T00:00:00.000Z');
    expect(mid.scan?.position).toEqual({ offset: 99, lastKey: '7' });
    expect(mid.scan?.maxSeen).toBe('2026-05-31T00:00:00.000Z');
    const resumed = openCursor(automations, mid, { ...opts, resume: true });
    expect(resumed.maxSeen).toBe(Date.parse('2026-05-31T00:00:00Z'));
    expect(resumed.since).toBe(c.since);
    const failed = stateAfterPage(automations, c, state('2026-05-01T00:00:00.000Z'), {
      done: true,
      position: null,
      incomplete: 'read 90 of 100',
    });
    expect(failed).toEqual({ v: 1, cursor: '2026-05-01T00:00:00.000Z' });
  });

  it('writes what is at or after since, and records without an update time', () => {
    const c = openCursor(automations, state('2026-05-31T00:00:00.000Z'), opts);
    const t = updateTime(automations, { lastdate: '2026-05-29T23:00:00-05:00', remdate: null, adddate: 'x' });
    expect(t).toBe(Date.parse('2026-05-30T04:00:00Z'));
    expect(shouldWrite(automations, c, t)).toBe(true);
    expect(shouldWrite(automations, c, c.since! - 1)).toBe(false);
    expect(shouldWrite(automations, c, null)).toBe(true);
    expect(shouldWrite(brandings, c, c.since! - 1)).toBe(true);
  });

  it('asks the server for a date a whole zone span earlier, and for the exact instant on datetimes', () => {
    const since = Date.parse('2026-05-31T05:00:00Z') + 24 * H;
    const c = { since, maxSeen: null, ceiling: startedAt };
    // 05:00Z on 1 June is still 31 May at UTC−12: the date filter must say 31 May.
    expect(requestParams(deals, c)).toEqual({ 'filters[updated_after]': '2026-05-31' });
    expect(requestParams(activities, c)).toEqual({ after: '2026-06-01T05:00:00.000Z' });
    expect(requestParams(deals, { ...c, since: null })).toEqual({});
    expect(requestParams(automations, c)).toEqual({});
  });
});
