import { occurrenceDue } from './recurrence';

const at = (iso: string) => new Date(iso);
const series = (r: 'daily' | 'weekly' | 'monthly', start: string, n: number) => Array.from({ length: n }, (_, i) => occurrenceDue(r, at(start), i).toISOString().slice(0, 16));

describe('recurring task due times', () => {
  it('monthly keeps the day of month, clamped to short months, without drifting', () => {
    expect(series('monthly', '2027-01-31T09:30:00Z', 5)).toEqual(['2027-01-31T09:30', '2027-02-28T09:30', '2027-03-31T09:30', '2027-04-30T09:30', '2027-05-31T09:30']);
    // A leap year's February has a 29th.
    expect(series('monthly', '2028-01-30T08:00:00Z', 3)).toEqual(['2028-01-30T08:00', '2028-02-29T08:00', '2028-03-30T08:00']);
    // Across the year end.
    expect(series('monthly', '2026-11-30T12:00:00Z', 4)).toEqual(['2026-11-30T12:00', '2026-12-30T12:00', '2027-01-30T12:00', '2027-02-28T12:00']);
  });

  it('daily and weekly cross month and year ends and leap days', () => {
    expect(series('daily', '2028-02-28T23:15:00Z', 3)).toEqual(['2028-02-28T23:15', '2028-02-29T23:15', '2028-03-01T23:15']);
    expect(series('daily', '2026-12-31T10:00:00Z', 2)).toEqual(['2026-12-31T10:00', '2027-01-01T10:00']);
    expect(series('weekly', '2027-02-25T07:00:00Z', 3)).toEqual(['2027-02-25T07:00', '2027-03-04T07:00', '2027-03-11T07:00']);
  });

  it('keeps the wall-clock time of the assignee’s time zone across daylight-saving changes', () => {
    const zoned = (r: 'daily' | 'weekly' | 'monthly', start: string, n: number, tz: string) => Array.from({ length: n }, (_, i) => occurrenceDue(r, at(start), i, tz).toISOString().slice(0, 16));
    // 09:00 in Berlin: 08:00Z in winter, 07:00Z from 29 March 2026 (CEST), 08:00Z again from 25 October.
    expect(zoned('daily', '2026-03-28T08:00:00Z', 3, 'Europe/Berlin')).toEqual(['2026-03-28T08:00', '2026-03-29T07:00', '2026-03-30T07:00']);
    expect(zoned('weekly', '2026-10-20T07:00:00Z', 2, 'Europe/Berlin')).toEqual(['2026-10-20T07:00', '2026-10-27T08:00']);
    // 18:00 in New York on the 31st: clamped to 30 April, an hour earlier in UTC once DST started.
    expect(zoned('monthly', '2027-01-31T23:00:00Z', 4, 'America/New_York')).toEqual(['2027-01-31T23:00', '2027-02-28T23:00', '2027-03-31T22:00', '2027-04-30T22:00']);
    // The day of month is the zone's: 01:00 on 31 January in Tokyo (30 January in UTC) clamps to 28 February there.
    expect(zoned('monthly', '2027-01-30T16:00:00Z', 3, 'Asia/Tokyo')).toEqual(['2027-01-30T16:00', '2027-02-27T16:00', '2027-03-30T16:00']);
    // A time the change skips moves forward by the gap (02:30 on 29 March 2026 does not exist in Berlin).
    expect(zoned('daily', '2026-03-28T01:30:00Z', 2, 'Europe/Berlin')).toEqual(['2026-03-28T01:30', '2026-03-29T01:30']);
  });
});
