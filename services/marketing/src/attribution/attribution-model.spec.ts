import { creditedTouches, DAY_MS, paybackDate, splitMinor } from './attribution-model';

const at = (iso: string) => new Date(iso);
const touches = [
  { at: at('2026-03-01T12:00:00Z'), id: 'a' },
  { at: at('2026-03-05T12:00:00Z'), id: 'b' },
  { at: at('2026-03-09T12:00:00Z'), id: 'c' },
  { at: at('2026-03-20T12:00:00Z'), id: 'after' },
];

describe('attribution arithmetic', () => {
  it('credits the touches at or before the conversion and inside the window, per model', () => {
    const conv = at('2026-03-10T12:00:00Z');
    expect(creditedTouches(touches, conv, 90, 'first_touch').map((t) => t.id)).toEqual(['a']);
    expect(creditedTouches(touches, conv, 90, 'last_touch').map((t) => t.id)).toEqual(['c']);
    expect(creditedTouches(touches, conv, 90, 'linear').map((t) => t.id)).toEqual(['a', 'b', 'c']);
    // 5 days back from 03-10 12:00 is 03-05 12:00 exactly: b is in, a is out.
    expect(creditedTouches(touches, conv, 5, 'linear').map((t) => t.id)).toEqual(['b', 'c']);
    expect(creditedTouches(touches, new Date(conv.getTime() + 12 * DAY_MS), 1, 'first_touch')).toEqual([]);
  });

  it('splits an amount into shares that add up to it, the extra cents to the earliest', () => {
    expect(splitMinor(10000n, 3)).toEqual([3334n, 3333n, 3333n]);
    expect(splitMinor(100002n, 4)).toEqual([25001n, 25001n, 25000n, 25000n]);
    expect(splitMinor(500n, 1)).toEqual([500n]);
  });

  it('payback is the first day cumulative revenue reaches cumulative cost', () => {
    const cost = new Map([['2026-03-01', 20000n], ['2026-03-11', 50000n]]);
    expect(paybackDate(cost, new Map([['2026-03-10', 20000n]]))).toBe('2026-03-10');
    expect(paybackDate(cost, new Map([['2026-03-10', 19999n], ['2026-03-12', 50001n]]))).toBe('2026-03-12');
    expect(paybackDate(cost, new Map([['2026-03-10', 19999n]]))).toBeNull();
    expect(paybackDate(new Map(), new Map([['2026-03-10', 1n]]))).toBeNull();
  });
});
