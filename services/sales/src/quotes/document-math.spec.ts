import { toMinor, parsePercent, parseQuantity, formatMinor } from '@crm/shared-kernel';
import { computeLine, computeTotals } from './document-math';

const line = (qty: string, price: string, rate: string, currency = 'EUR', discount?: { percent?: string; amount?: string }) => ({
  quantity: parseQuantity(qty, 'q'),
  unitPrice: toMinor(price, currency, 'p'),
  taxPpm: parsePercent(rate, 'r'),
  discountPpm: discount?.percent ? parsePercent(discount.percent, 'd') : null,
  discountAmount: discount?.amount ? toMinor(discount.amount, currency, 'd') : null,
});
const eur = (v: bigint) => formatMinor(v, 'EUR');
const show = (a: { amount: bigint; discount: bigint; net: bigint; tax: bigint; gross: bigint }, c = 'EUR') =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, formatMinor(v, c)]));

// Every expected value below was computed by hand (pen and paper), not by the code under test.
describe('quote/order arithmetic', () => {
  it('exclusive tax: tax = net × rate, rounded half up per line', () => {
    // 3 × 19.99 = 59.97; 19% of 59.97 = 11.3943 → 11.39; gross 71.36
    expect(show(computeLine(line('3', '19.99', '19'), false))).toEqual({ amount: '59.97', discount: '0.00', net: '59.97', tax: '11.39', gross: '71.36' });
    // 1 × 0.05 at 10%: tax 0.005 → half up → 0.01
    expect(show(computeLine(line('1', '0.05', '10'), false))).toEqual({ amount: '0.05', discount: '0.00', net: '0.05', tax: '0.01', gross: '0.06' });
    // 2.5 h × 80.00 = 200.00, 10% discount = 20.00, net 180.00, 7% = 12.60, gross 192.60
    expect(show(computeLine(line('2.5', '80.00', '7', 'EUR', { percent: '10' }), false))).toEqual({ amount: '200.00', discount: '20.00', net: '180.00', tax: '12.60', gross: '192.60' });
  });

  it('inclusive tax: net = gross / (1 + rate), tax = gross − net', () => {
    // 119.00 incl. 19% → net 100.00, tax 19.00
    expect(show(computeLine(line('1', '119.00', '19'), true))).toEqual({ amount: '119.00', discount: '0.00', net: '100.00', tax: '19.00', gross: '119.00' });
    // 10.00 incl. 7% → 10 / 1.07 = 9.345794… → 9.35; tax 0.65
    expect(show(computeLine(line('1', '10.00', '7'), true))).toEqual({ amount: '10.00', discount: '0.00', net: '9.35', tax: '0.65', gross: '10.00' });
    // 3 × 9.99 = 29.97 incl. 21% → 29.97 / 1.21 = 24.7685… → 24.77; tax 5.20
    expect(show(computeLine(line('3', '9.99', '21'), true))).toEqual({ amount: '29.97', discount: '0.00', net: '24.77', tax: '5.20', gross: '29.97' });
    // fixed discount 5.00 off 50.00 incl. 19% → gross 45.00, net 45 / 1.19 = 37.8151… → 37.82, tax 7.18
    expect(show(computeLine(line('1', '50.00', '19', 'EUR', { amount: '5.00' }), true))).toEqual({ amount: '50.00', discount: '5.00', net: '37.82', tax: '7.18', gross: '45.00' });
  });

  it('mixed rates: totals are sums of the rounded lines, tax summary per rate', () => {
    const lines = [line('3', '19.99', '19'), line('1', '0.05', '10'), line('2', '4.99', '7'), line('1', '100.00', '0'), line('1', '10.00', '19')];
    const computed = lines.map((l) => ({ ...computeLine(l, false), taxPpm: l.taxPpm }));
    // lines: 59.97+11.39 | 0.05+0.01 | 9.98 + 0.6986→0.70 | 100.00+0 | 10.00+1.90
    const t = computeTotals(computed);
    expect([t.subtotal, t.discountTotal, t.taxTotal, t.total].map(eur)).toEqual(['180.00', '0.00', '14.00', '194.00']);
    expect(t.taxes.map((x) => [x.ratePpm, eur(x.net), eur(x.tax)])).toEqual([
      [0n, '100.00', '0.00'],
      [70000n, '9.98', '0.70'],
      [100000n, '0.05', '0.01'],
      [190000n, '69.97', '13.29'],
    ]);
  });

  it('JPY has no minor unit and KWD has three', () => {
    // 3 × ¥333 = ¥999, 10% incl.: 999 / 1.1 = 908.18… → 908, tax 91
    expect(show(computeLine(line('3', '333', '10', 'JPY'), true), 'JPY')).toEqual({ amount: '999', discount: '0', net: '908', tax: '91', gross: '999' });
    // 1.5 × 2.345 KWD = 3.5175 → 3.518; 5% = 0.1759 → 0.176; gross 3.694
    expect(show(computeLine(line('1.5', '2.345', '5', 'KWD'), false), 'KWD')).toEqual({ amount: '3.518', discount: '0.000', net: '3.518', tax: '0.176', gross: '3.694' });
  });

  it('refuses a fixed discount larger than the line and both discount kinds at once', () => {
    expect(() => computeLine(line('1', '5.00', '19', 'EUR', { amount: '6.00' }), false, 'input.lines.0')).toThrow(/input\.lines\.0\.discountAmount: larger than the line amount/);
    expect(() => computeLine(line('1', '5.00', '19', 'EUR', { amount: '1.00', percent: '5' }), false, 'input.lines.0')).toThrow(/not both/);
  });
});
