import { GraphQLError } from 'graphql';
import { formatMinor, formatPercent, fromDb, parsePercent, parseQuantity, roundDiv, toMinor } from './money';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { code: (e as GraphQLError).extensions?.code, message: (e as Error).message };
  }
  return undefined;
};

describe('money', () => {
  it('parses decimal strings into minor units per ISO 4217 exponent', () => {
    expect(toMinor('1234.5', 'EUR', 'a')).toBe(123450n);
    expect(toMinor('1234.50', 'EUR', 'a')).toBe(123450n);
    expect(toMinor('0.01', 'USD', 'a')).toBe(1n);
    expect(toMinor('1500', 'JPY', 'a')).toBe(1500n);
    expect(toMinor('1.234', 'KWD', 'a')).toBe(1234n);
    expect(toMinor('12', 'BHD', 'a')).toBe(12000n);
    // Far beyond float precision, still exact.
    expect(toMinor('900719925474099.99', 'EUR', 'a')).toBe(90071992547409999n);
  });

  it('rejects wrong precision, negatives, garbage and unknown currencies naming the field', () => {
    expect(codeOf(() => toMinor('10.001', 'EUR', 'input.amount.amount'))).toEqual({ code: 'BAD_USER_INPUT', message: 'input.amount.amount: 10.001 has 3 decimal places but EUR has 2' });
    expect(codeOf(() => toMinor('5.5', 'JPY', 'input.amount.amount'))?.message).toMatch(/JPY has 0/);
    expect(codeOf(() => toMinor('1.2345', 'KWD', 'x'))?.message).toMatch(/KWD has 3/);
    expect(codeOf(() => toMinor('-1.00', 'EUR', 'input.amount.amount'))?.message).toBe('input.amount.amount: must not be negative');
    expect(codeOf(() => toMinor('1,000.00', 'EUR', 'f'))?.message).toMatch(/^f: .*not a decimal amount/);
    expect(codeOf(() => toMinor('1e3', 'EUR', 'f'))?.code).toBe('BAD_USER_INPUT');
    expect(codeOf(() => toMinor('1.00', 'XXX', 'input.amount.amount'))?.message).toMatch(/^input\.amount\.currency: "XXX" is not a supported ISO 4217/);
  });

  it('formats minor units with exactly the currency decimals', () => {
    expect(formatMinor(123450n, 'EUR')).toBe('1234.50');
    expect(formatMinor(5n, 'EUR')).toBe('0.05');
    expect(formatMinor(-5n, 'USD')).toBe('-0.05');
    expect(formatMinor(1500n, 'JPY')).toBe('1500');
    expect(formatMinor(1234n, 'KWD')).toBe('1.234');
    expect(fromDb('1234.5', 'EUR')).toBe(123450n);
    expect(fromDb('1234.500000', 'EUR')).toBe(123450n);
    expect(() => fromDb('1.001', 'EUR')).toThrow(/precision/);
  });

  it('rounds half away from zero', () => {
    expect(roundDiv(5n, 10n)).toBe(1n);
    expect(roundDiv(4n, 10n)).toBe(0n);
    expect(roundDiv(15n, 10n)).toBe(2n);
    expect(roundDiv(25n, 10n)).toBe(3n); // half-up, not half-even
    expect(roundDiv(-5n, 10n)).toBe(-1n);
    expect(roundDiv(-4n, 10n)).toBe(0n);
  });

  it('parses percentages and quantities', () => {
    expect(parsePercent('19', 'r')).toBe(190000n);
    expect(parsePercent('7.5', 'r')).toBe(75000n);
    expect(parsePercent('0', 'r')).toBe(0n);
    expect(formatPercent(190000n)).toBe('19');
    expect(formatPercent(75000n)).toBe('7.5');
    expect(formatPercent(123456n)).toBe('12.3456');
    expect(codeOf(() => parsePercent('101', 'input.lines.0.taxRate'))?.message).toBe('input.lines.0.taxRate: must be at most 100');
    expect(codeOf(() => parsePercent('1.23456', 'r'))?.code).toBe('BAD_USER_INPUT');
    expect(parseQuantity('2.5', 'q')).toBe(25000n);
    expect(codeOf(() => parseQuantity('-1', 'input.lines.0.quantity'))?.message).toBe('input.lines.0.quantity: must not be negative');
    expect(codeOf(() => parseQuantity('0', 'q'))?.message).toMatch(/greater than 0/);
  });
});
