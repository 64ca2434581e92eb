import { DocumentFormat } from './format';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('DocumentFormat', () => {
  it('writes amounts per locale from the exact decimal string, keeping the stored decimals', () => {
    const de = new DocumentFormat('de-DE', 'Europe/Berlin');
    const fr = new DocumentFormat('fr-FR', 'Europe/Paris');
    const us = new DocumentFormat('en-US', 'America/New_York');
    expect(de.amount('1234.50', 'EUR')).toBe(`1.234,50${NBSP}€`);
    expect(fr.amount('1234.50', 'EUR')).toBe(`1${NNBSP}234,50${NBSP}€`);
    expect(us.amount('1234.50', 'EUR')).toBe('€1,234.50');
    expect(us.amount('-0.05', 'USD')).toBe('-$0.05');
    expect(de.amount('1000', 'JPY')).toBe(`1.000${NBSP}¥`);
    // Beyond a double's precision: printed as stored, not rounded through a float.
    expect(us.amount('123456789012345678.99', 'USD')).toBe('$123,456,789,012,345,678.99');
    expect(de.number('2.5000')).toBe('2,5000');
    expect(fr.number('12345')).toBe(`12${NNBSP}345`);
    expect(de.percent('19')).toBe(`19${NBSP}%`);
    expect(fr.percent('12.5')).toBe(`12,5${NBSP}%`);
    expect(us.percent('7')).toBe('7%');
  });

  it('writes an instant as the date it is in the issuer’s time zone, a date-only value as that date', () => {
    const lateEvening = new Date('2024-03-05T23:30:00Z');
    expect(new DocumentFormat('de-DE', 'Europe/Berlin').date(lateEvening)).toBe('6. März 2024');
    expect(new DocumentFormat('fr-FR', 'Europe/Paris').date(lateEvening)).toBe('6 mars 2024');
    expect(new DocumentFormat('en-US', 'America/Los_Angeles').date(lateEvening)).toBe('March 5, 2024');
    expect(new DocumentFormat('de-DE', 'Europe/Berlin').isoDate(lateEvening)).toBe('2024-03-06');
    expect(new DocumentFormat('en-US', 'America/Los_Angeles').isoDate(lateEvening)).toBe('2024-03-05');
    // A calendar date is no instant: the same day whatever the time zone.
    expect(new DocumentFormat('en-US', 'Pacific/Honolulu').date('2024-04-04')).toBe('April 4, 2024');
    expect(new DocumentFormat('fr-FR', 'Asia/Tokyo').date('2024-04-04')).toBe('4 avril 2024');
  });
});
