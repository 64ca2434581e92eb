import { formatMinor, parsePercent, toMinor } from '@crm/shared-kernel';
import { fixedCommission, percentageCommission, pickRule, tieredScaled, validateTiers } from './commission-math';

const eur = (s: string) => toMinor(s, 'EUR', 'x');
const pct = (s: string) => parsePercent(s, 'x');
const show = (v: bigint) => formatMinor(v, 'EUR');

describe('commission arithmetic (hand-computed expectations)', () => {
  it('percentage: amount × rate, half up', () => {
    expect(show(percentageCommission(eur('1234.56'), pct('10')))).toBe('123.46'); // 123.456
    expect(show(percentageCommission(eur('1000.00'), pct('2.5')))).toBe('25.00');
    expect(show(percentageCommission(eur('0.10'), pct('5')))).toBe('0.01'); // 0.005 → 0.01
  });

  it('graduated tiers on the cumulative basis of the period', () => {
    const tiers = [
      { from: 0n, ratePpm: pct('5') },
      { from: eur('10000.00'), ratePpm: pct('8') },
      { from: eur('50000.00'), ratePpm: pct('10') },
    ];
    // first deal 8000: all in tier 1 → 400.00
    expect(show(percentageCommission(eur('8000.00'), 0n, tiers, 0n))).toBe('400.00');
    // second deal 5000 with 8000 before: 2000 × 5% + 3000 × 8% = 100 + 240 = 340.00
    expect(show(percentageCommission(eur('5000.00'), 0n, tiers, eur('8000.00')))).toBe('340.00');
    // third deal 40000 with 13000 before: 37000 × 8% + 3000 × 10% = 2960 + 300 = 3260.00
    expect(show(percentageCommission(eur('40000.00'), 0n, tiers, eur('13000.00')))).toBe('3260.00');
    // the three increments add up to the commission of the whole 53000: 500 + 3200 + 300 = 4000.00
    expect(tieredScaled(eur('53000.00'), tiers) / 1_000_000n).toBe(eur('4000.00'));
  });

  it('fixed per deal, or per unit for product rules', () => {
    expect(show(fixedCommission(eur('50.00')))).toBe('50.00');
    expect(show(fixedCommission(eur('2.50'), 30000n))).toBe('7.50'); // 3 units × 2.50
    expect(show(fixedCommission(eur('0.15'), 5000n))).toBe('0.08'); // 0.5 × 0.15 = 0.075 → 0.08
  });

  it('validates tiers', () => {
    expect(() => validateTiers([{ from: 1n, ratePpm: 1n }], 'input.tiers')).toThrow(/input\.tiers\.0\.from: the first tier must start at 0/);
    expect(() => validateTiers([{ from: 0n, ratePpm: 1n }, { from: 0n, ratePpm: 2n }], 'input.tiers')).toThrow(/input\.tiers\.1\.from/);
  });

  it('picks the most specific rule', () => {
    const rules = [
      { id: 'any', ownerId: null, productId: null },
      { id: 'owner', ownerId: 'u1', productId: null },
      { id: 'product', ownerId: null, productId: 'p1' },
      { id: 'both', ownerId: 'u1', productId: 'p1' },
    ];
    expect(pickRule(rules, 'u1', 'p1')?.id).toBe('both');
    expect(pickRule(rules, 'u2', 'p1')?.id).toBe('product');
    expect(pickRule(rules, 'u1', null)?.id).toBe('owner');
    expect(pickRule(rules, 'u2', 'p9')?.id).toBe('any');
    expect(pickRule(rules.slice(1), 'u2', null)).toBeUndefined();
  });
});
