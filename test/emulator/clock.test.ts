// The account's clock: US Central with its DST switches, and the formats the API uses.
import { describe, expect, it } from 'vitest';
import {
  isoLocal,
  isoNanos,
  localDate,
  localMidnight,
  naiveLocal,
  naiveUtc,
  parseInstant,
} from '../../src/emulator/clock.ts';

const at = (iso: string) => Date.parse(iso);

describe('account clock', () => {
  it('switches between -06:00 and -05:00 at 2 a.m. local on the US dates', () => {
    expect(isoLocal(at('2025-03-09T07:59:59Z'))).toBe('2025-03-09T01:59:59-06:00');
    expect(isoLocal(at('2025-03-09T08:00:00Z'))).toBe('2025-03-09T03:00:00-05:00');
    expect(isoLocal(at('2025-11-02T06:59:59Z'))).toBe('2025-11-02T01:59:59-05:00');
    expect(isoLocal(at('2025-11-02T07:00:00Z'))).toBe('2025-11-02T01:00:00-06:00');
    expect(isoLocal(at('2024-03-10T08:00:00Z'))).toBe('2024-03-10T03:00:00-05:00');
  });

  it('formats naive local, naive UTC and nanosecond Z times', () => {
    const t = at('2025-07-04T17:30:05Z');
    expect(naiveLocal(t)).toBe('2025-07-04 12:30:05');
    expect(naiveUtc(t)).toBe('2025-07-04 17:30:05');
    expect(isoNanos(t, 3)).toMatch(/^2025-07-04T17:30:05\.\d{9}Z$/);
    expect(localDate(at('2025-01-15T03:00:00Z'))).toBe('2025-01-14');
  });

  it('finds local midnight, also on switch days', () => {
    for (const day of ['2025-03-09', '2025-03-10', '2025-11-02', '2025-11-03', '2025-07-01', '2025-12-31']) {
      const m = localMidnight(day)!;
      expect(localDate(m)).toBe(day);
      expect(localDate(m - 1000)).not.toBe(day);
      expect(naiveLocal(m).slice(11)).toBe('00:00:00');
    }
    expect(localMidnight('yesterday')).toBeUndefined();
  });

  it('reads filter values as ISO, naive local or date', () => {
    expect(parseInstant('2025-07-04T12:30:05-05:00')).toBe(at('2025-07-04T17:30:05Z'));
    expect(parseInstant('2025-07-04 12:30:05')).toBe(at('2025-07-04T17:30:05Z'));
    expect(parseInstant('2025-01-04 12:30')).toBe(at('2025-01-04T18:30:00Z'));
    expect(parseInstant('2025-07-04')).toBe(at('2025-07-04T05:00:00Z'));
    expect(parseInstant('soon')).toBeUndefined();
  });
});
