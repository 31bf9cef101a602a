// The account's clock: any IANA zone with its DST switches (US Central, the half-hour southern-DST
// default Australia/Adelaide, UTC), and the formats the API uses.
import { describe, expect, it } from 'vitest';
import { isoNanos, naiveUtc, Zone } from '../../src/emulator/clock.ts';

const at = (iso: string) => Date.parse(iso);
const chicago = new Zone('America/Chicago');
const adelaide = new Zone('Australia/Adelaide');

describe('account clock', () => {
  it('switches between -06:00 and -05:00 at 2 a.m. local on the US dates', () => {
    expect(chicago.isoLocal(at('2025-03-09T07:59:59Z'))).toBe('2025-03-09T01:59:59-06:00');
    expect(chicago.isoLocal(at('2025-03-09T08:00:00Z'))).toBe('2025-03-09T03:00:00-05:00');
    expect(chicago.isoLocal(at('2025-11-02T06:59:59Z'))).toBe('2025-11-02T01:59:59-05:00');
    expect(chicago.isoLocal(at('2025-11-02T07:00:00Z'))).toBe('2025-11-02T01:00:00-06:00');
    expect(chicago.isoLocal(at('2024-03-10T08:00:00Z'))).toBe('2024-03-10T03:00:00-05:00');
  });

  it('follows a half-hour southern-hemisphere zone: +10:30 in summer, +09:30 in winter', () => {
    // DST ends on the first Sunday of April at 3 a.m. local daylight time (16:30 UTC the day before).
    expect(adelaide.isoLocal(at('2025-04-05T16:29:59Z'))).toBe('2025-04-06T02:59:59+10:30');
    expect(adelaide.isoLocal(at('2025-04-05T16:30:00Z'))).toBe('2025-04-06T02:00:00+09:30');
    // DST starts on the first Sunday of October at 2 a.m. local standard time.
    expect(adelaide.isoLocal(at('2025-10-04T16:29:59Z'))).toBe('2025-10-05T01:59:59+09:30');
    expect(adelaide.isoLocal(at('2025-10-04T16:30:00Z'))).toBe('2025-10-05T03:00:00+10:30');
    expect(new Zone('UTC').isoLocal(at('2025-07-04T17:30:05Z'))).toBe('2025-07-04T17:30:05+00:00');
  });

  it('formats naive local, naive UTC and nanosecond Z times', () => {
    const t = at('2025-07-04T17:30:05Z');
    expect(chicago.naiveLocal(t)).toBe('2025-07-04 12:30:05');
    expect(adelaide.naiveLocal(t)).toBe('2025-07-05 03:00:05');
    expect(naiveUtc(t)).toBe('2025-07-04 17:30:05');
    expect(isoNanos(t, 3)).toMatch(/^2025-07-04T17:30:05\.\d{9}Z$/);
    expect(chicago.localDate(at('2025-01-15T03:00:00Z'))).toBe('2025-01-14');
    expect(adelaide.localDate(at('2025-01-15T14:00:00Z'))).toBe('2025-01-16');
  });

  it('finds local midnight, also on switch days', () => {
    for (const zone of [chicago, adelaide]) {
      for (const day of [
        '2025-03-09',
        '2025-04-06',
        '2025-10-05',
        '2025-11-02',
        '2025-07-01',
        '2025-12-31',
      ]) {
        const m = zone.localMidnight(day)!;
        expect(zone.localDate(m), `${zone.name} ${day}`).toBe(day);
        expect(zone.localDate(m - 1000)).not.toBe(day);
        expect(zone.naiveLocal(m).slice(11)).toBe('00:00:00');
      }
    }
    expect(chicago.localMidnight('yesterday')).toBeUndefined();
  });

  it('reads filter values as ISO, naive local or date', () => {
    expect(chicago.parseInstant('2025-07-04T12:30:05-05:00')).toBe(at('2025-07-04T17:30:05Z'));
    expect(chicago.parseInstant('2025-07-04 12:30:05')).toBe(at('2025-07-04T17:30:05Z'));
    expect(chicago.parseInstant('2025-01-04 12:30')).toBe(at('2025-01-04T18:30:00Z'));
    expect(chicago.parseInstant('2025-07-04')).toBe(at('2025-07-04T05:00:00Z'));
    expect(adelaide.parseInstant('2025-07-04 12:30:05')).toBe(at('2025-07-04T03:00:05Z'));
    expect(adelaide.parseInstant('2025-01-04')).toBe(at('2025-01-03T13:30:00Z'));
    expect(chicago.parseInstant('soon')).toBeUndefined();
  });

  it('refuses a zone Intl does not know', () => {
    expect(() => new Zone('Mars/Olympus_Mons')).toThrow(
      /timezone: "Mars\/Olympus_Mons" is not an IANA time zone/,
    );
  });
});
