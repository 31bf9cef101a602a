import { describe, expect, it } from 'vitest';
import { newestOf, parseApiInstant, toDate, toIso } from '../../src/extract/timestamps.ts';

describe('parseApiInstant', () => {
  it('reads ISO with the account offset, including DST switches', () => {
    expect(toIso(parseApiInstant('2018-09-12T16:53:50-05:00')!)).toBe('2018-09-12T21:53:50.000Z');
    expect(toIso(parseApiInstant('2018-12-12T16:53:50-06:00')!)).toBe('2018-12-12T22:53:50.000Z');
    expect(toIso(parseApiInstant('2021-01-01T10:00:00+0530')!)).toBe('2021-01-01T04:30:00.000Z');
  });

  it('reads Z with nanoseconds (custom objects) to the millisecond', () => {
    expect(toIso(parseApiInstant('2021-04-16T15:08:25.783751329Z')!)).toBe('2021-04-16T15:08:25.783Z');
  });

  it('reads naive wall-clock and bare dates as UTC', () => {
    expect(toIso(parseApiInstant('2021-05-12 11:30:06')!)).toBe('2021-05-12T11:30:06.000Z');
    expect(toIso(parseApiInstant('2021-05-12T11:30:06')!)).toBe('2021-05-12T11:30:06.000Z');
    expect(toIso(parseApiInstant('2021-05-12')!)).toBe('2021-05-12T00:00:00.000Z');
  });

  it('orders values in different formats by the instant they denote', () => {
    const a = parseApiInstant('2021-05-12T11:30:06-05:00')!; // 16:30:06Z
    const b = parseApiInstant('2021-05-12 16:00:00')!; // naive → UTC
    const c = parseApiInstant('2021-05-12T16:45:00.123456789Z')!;
    expect(b).toBeLessThan(a);
    expect(a).toBeLessThan(c);
  });

  it('treats zero dates, junk and non-strings as no date', () => {
    for (const v of [
      '0000-00-00 00:00:00',
      '0000-00-00',
      '',
      'yesterday',
      '2021-13-01',
      '2021-02-30 00:00:00',
      null,
      5,
      {},
    ]) {
      expect(parseApiInstant(v)).toBeNull();
    }
  });

  it('newestOf picks the latest real date among the fields and ignores zero dates', () => {
    const rec = {
      udate: '2021-01-01T00:00:00Z',
      updated_timestamp: '2021-06-01 00:00:00',
      cdate: '0000-00-00',
    };
    expect(toIso(newestOf(rec, ['udate', 'updated_timestamp'])!)).toBe('2021-06-01T00:00:00.000Z');
    expect(newestOf(rec, ['cdate', 'missing'])).toBeNull();
  });

  it('formats the date-typed filter value in UTC', () => {
    expect(toDate(Date.parse('2021-06-01T23:30:00-05:00'))).toBe('2021-06-02');
  });
});
