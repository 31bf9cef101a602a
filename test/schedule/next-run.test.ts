import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/core/contracts.ts';
import { cronProblem, nextRun, shortestCronGap, upcomingRuns } from '../../src/schedule/next-run.ts';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().slice(0, 16));

describe('basic schedules', () => {
  it('runs on startAt plus whole intervals', () => {
    const s: Schedule = { type: 'basic', every: '1h', startAt: '02:00' };
    expect(iso(upcomingRuns(s, at('2026-03-10T02:30:00Z'), 3))).toEqual([
      '2026-03-10T03:00',
      '2026-03-10T04:00',
      '2026-03-10T05:00',
    ]);
  });

  it('a run exactly on a slot is followed by the next slot, not the same one', () => {
    const s: Schedule = { type: 'basic', every: '15m', startAt: '00:00' };
    expect(nextRun(s, at('2026-03-10T10:15:00Z'))?.toISOString()).toBe('2026-03-10T10:30:00.000Z');
    expect(nextRun(s, at('2026-03-10T10:14:59.999Z'))?.toISOString()).toBe('2026-03-10T10:15:00.000Z');
  });

  it('3h without startAt runs at 00:00, 03:00, …', () => {
    const s: Schedule = { type: 'basic', every: '3h', startAt: '00:00' };
    expect(iso(upcomingRuns(s, at('2026-03-10T22:00:00Z'), 3))).toEqual([
      '2026-03-11T00:00',
      '2026-03-11T03:00',
      '2026-03-11T06:00',
    ]);
  });

  it('before startAt the first run of the day is startAt', () => {
    const s: Schedule = { type: 'basic', every: '6h', startAt: '05:30' };
    expect(nextRun(s, at('2026-03-10T01:00:00Z'))?.toISOString()).toBe('2026-03-10T05:30:00.000Z');
  });

  it('across midnight the day restarts at startAt (slots before it are skipped)', () => {
    const s: Schedule = { type: 'basic', every: '1h', startAt: '02:00' };
    expect(iso(upcomingRuns(s, at('2026-03-10T22:10:00Z'), 3))).toEqual([
      '2026-03-10T23:00',
      '2026-03-11T02:00',
      '2026-03-11T03:00',
    ]);
  });

  it('24h from 02:00 runs once a day at 02:00, also across month and year ends', () => {
    const s: Schedule = { type: 'basic', every: '24h', startAt: '02:00' };
    expect(iso(upcomingRuns(s, at('2026-12-31T02:00:00Z'), 2))).toEqual([
      '2027-01-01T02:00',
      '2027-01-02T02:00',
    ]);
  });

  it('12h from 13:00 runs only at 13:00 (the 01:00 slot falls before startAt)', () => {
    const s: Schedule = { type: 'basic', every: '12h', startAt: '13:00' };
    expect(iso(upcomingRuns(s, at('2026-03-10T12:00:00Z'), 3))).toEqual([
      '2026-03-10T13:00',
      '2026-03-11T13:00',
      '2026-03-12T13:00',
    ]);
  });
});

describe('cron schedules', () => {
  it('computes runs in UTC by default', () => {
    const s: Schedule = { type: 'cron', expression: '0 */6 * * *', timezone: 'UTC' };
    expect(iso(upcomingRuns(s, at('2026-03-10T05:00:00Z'), 3))).toEqual([
      '2026-03-10T06:00',
      '2026-03-10T12:00',
      '2026-03-10T18:00',
    ]);
  });

  it('honours a time zone, including its daylight-saving change', () => {
    const s: Schedule = { type: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' };
    // New York is UTC-5 in winter, UTC-4 from 2026-03-08.
    expect(iso(upcomingRuns(s, at('2026-03-06T00:00:00Z'), 3))).toEqual([
      '2026-03-06T07:30',
      '2026-03-07T07:30',
      '2026-03-08T07:00', // 02:30 does not exist that day: runs at the first valid time after the gap
    ]);
  });

  it('rejects runs closer than 15 minutes, naming the two runs', () => {
    expect(cronProblem('*/5 * * * *', 'UTC', at('2026-01-01T00:00:00Z'))).toMatch(
      /runs 5 minutes apart \(2026-01-01 00:05 and 2026-01-01 00:10 UTC\).*at least 15 minutes/,
    );
    // Close only across midnight, only on the 1st after the 31st.
    expect(cronProblem('0,55 0,23 1,31 * *', 'UTC', at('2026-01-02T00:00:00Z'))).toMatch(/5 minutes apart/);
    expect(cronProblem('*/15 * * * *', 'UTC')).toBeNull();
    expect(cronProblem('0 0 29 2 *', 'UTC')).toBeNull();
  });

  it('finds the gap of a sparse schedule (Feb 29 only)', () => {
    const gap = shortestCronGap('0,10 0 29 2 *', 'UTC', at('2026-01-01T00:00:00Z'));
    expect(gap?.minutes).toBe(10);
    expect(gap?.between[0].toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('rejects malformed expressions with the reason', () => {
    expect(cronProblem('61 * * * *', 'UTC')).toMatch(/not a valid 5-field CRON expression.*minute: 61/);
    expect(cronProblem('0 0 * * * *', 'UTC')).toMatch(/not a valid 5-field CRON expression/);
    expect(cronProblem('every hour', 'UTC')).toMatch(/not a valid/);
  });
});

describe('manual schedules', () => {
  it('never run by themselves', () => {
    expect(nextRun({ type: 'manual' }, new Date())).toBeNull();
    expect(upcomingRuns({ type: 'manual' }, new Date(), 5)).toEqual([]);
  });
});
