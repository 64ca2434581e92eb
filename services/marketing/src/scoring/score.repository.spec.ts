import { decayed } from './score.repository';

const DAY = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe('decayed (behaviour points halve every full half-life, truncated toward zero)', () => {
  it.each([
    [10, 0, 10],
    [10, 29.99, 10],
    [10, 30, 5],
    [10, 59, 5],
    [10, 60, 2],
    [10, 90, 1],
    [10, 120, 0],
    [-10, 30, -5],
    [-10, 60, -2],
    [10, -5, 10],
  ])('%i points after %f days (half-life 30) → %i', (points, days, expected) => {
    expect(decayed(points, t0, at(days), 30)).toBe(expected);
  });
});
