import { badUserInput } from '@crm/platform';

/**
 * Exact money arithmetic. Amounts are decimal strings in the API and `numeric` in Postgres; here they
 * are BigInt counts of the currency's minor unit (cents for EUR, yen for JPY, fils for KWD). No float
 * ever touches an amount.
 *
 * Rounding: HALF UP (half away from zero) — 0.005 EUR → 0.01 — applied once per line and per
 * computed figure (tax, net of an inclusive price, discount, commission); totals are sums of rounded
 * lines, so a document's lines always add up to its totals.
 */

/** ISO 4217 minor units of the currencies we accept (the exponent; JPY 0, EUR 2, KWD 3). */
export const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2, ARS: 2, AUD: 2, BGN: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, COP: 2, CZK: 2, DKK: 2, EGP: 2, EUR: 2, GBP: 2,
  HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KES: 2, KRW: 0, KWD: 3, LYD: 3, MAD: 2, MXN: 2, MYR: 2,
  NGN: 2, NOK: 2, NZD: 2, OMR: 3, PEN: 2, PHP: 2, PKR: 2, PLN: 2, QAR: 2, RON: 2, RSD: 2, RUB: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2,
  TND: 3, TRY: 2, TWD: 2, UAH: 2, UGX: 0, USD: 2, UYU: 2, VND: 0, XAF: 0, XOF: 0, ZAR: 2,
});

const DECIMAL = /^(-)?(\d{1,18})(?:\.(\d{1,12}))?$/;

export function minorUnits(currency: string, field = 'currency'): number {
  const units = MINOR_UNITS[currency];
  if (units === undefined) throw badUserInput(`${field}: "${String(currency).slice(0, 10)}" is not a supported ISO 4217 currency code (e.g. EUR, USD, JPY)`, { field });
  return units;
}

/** "12.340" → { value: 12340n, scale: 3 }; undefined when not a plain decimal string. */
export function parseDecimal(s: string): { value: bigint; scale: number } | undefined {
  const m = DECIMAL.exec(s.trim());
  if (!m) return undefined;
  const frac = m[3] ?? '';
  const value = BigInt(m[2] + frac);
  return { value: m[1] ? -value : value, scale: frac.length };
}

/** 10^n as a BigInt. */
export const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** n / d rounded half away from zero (d > 0). */
export function roundDiv(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new Error('roundDiv: divisor must be positive');
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

export interface MoneyParseOptions {
  /** Default false: amounts are never negative (refunds are separate documents). */
  allowNegative?: boolean;
}

/**
 * Decimal string → minor units, refusing more decimals than the currency has ("10.001 EUR", "5.5 JPY")
 * and negative amounts. `field` names the input in the error (e.g. `input.amount.amount`).
 */
export function toMinor(amount: string, currency: string, field: string, o: MoneyParseOptions = {}): bigint {
  const units = minorUnits(currency, field.replace(/\.amount$/, '.currency'));
  const d = typeof amount === 'string' ? parseDecimal(amount) : undefined;
  if (!d) throw badUserInput(`${field}: "${String(amount).slice(0, 40)}" is not a decimal amount (write e.g. "1234.50", no thousands separators)`, { field });
  if (d.scale > units) {
    throw badUserInput(`${field}: ${amount} has ${d.scale} decimal places but ${currency} has ${units}`, { field });
  }
  if (d.value < 0n && !o.allowNegative) throw badUserInput(`${field}: must not be negative`, { field });
  return d.value * pow10(units - d.scale);
}

/** A stored `numeric` (any scale up to the currency's) → minor units. Throws if it has more precision (a bug, not user input). */
export function fromDb(value: string | number, currency: string): bigint {
  const units = MINOR_UNITS[currency] ?? 2;
  const d = parseDecimal(String(value));
  if (!d) throw new Error(`not a numeric: ${value}`);
  if (d.scale <= units) return d.value * pow10(units - d.scale);
  const excess = pow10(d.scale - units);
  if (d.value % excess !== 0n) throw new Error(`${value} has more precision than ${currency} allows`);
  return d.value / excess;
}

/** Minor units → decimal string with exactly the currency's decimals ("1234.50", "1235" for JPY). */
export function formatMinor(minor: bigint, currency: string): string {
  const units = MINOR_UNITS[currency] ?? 2;
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(units + 1, '0');
  const int = units ? digits.slice(0, -units) : digits;
  const frac = units ? `.${digits.slice(-units)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}

export interface Money {
  amount: string;
  currency: string;
}

export const money = (minor: bigint, currency: string): Money => ({ amount: formatMinor(minor, currency), currency });

/** Parses a currency code (upper-cases it) or throws naming the field. */
export function currencyOf(code: string, field: string): string {
  const c = String(code ?? '').trim().toUpperCase();
  minorUnits(c, field);
  return c;
}

/** A percentage with at most 4 decimals ("19", "7.5", "12.3456"), as parts per million of the whole (19% → 190000n). */
export const PPM = 1_000_000n;
export function parsePercent(s: string, field: string, max = 100): bigint {
  const d = typeof s === 'string' ? parseDecimal(s) : undefined;
  if (!d || d.scale > 4) throw badUserInput(`${field}: "${String(s).slice(0, 20)}" is not a percentage with at most 4 decimals (e.g. "19" or "7.5")`, { field });
  if (d.value < 0n) throw badUserInput(`${field}: must not be negative`, { field });
  const ppm = d.value * pow10(4 - d.scale);
  if (ppm > BigInt(max) * 10_000n) throw badUserInput(`${field}: must be at most ${max}`, { field });
  return ppm;
}

/** ppm → percent string without trailing zeros (190000n → "19", 75000n → "7.5"). */
export function formatPercent(ppm: bigint): string {
  const s = formatFixed(ppm, 4);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Quantity: positive decimal with at most 4 decimals, as ten-thousandths (2.5 → 25000n). */
export const QTY_SCALE = 4;
export function parseQuantity(s: string, field: string): bigint {
  const d = typeof s === 'string' ? parseDecimal(s) : undefined;
  if (!d || d.scale > QTY_SCALE) throw badUserInput(`${field}: "${String(s).slice(0, 20)}" is not a quantity with at most ${QTY_SCALE} decimals`, { field });
  if (d.value < 0n) throw badUserInput(`${field}: must not be negative`, { field });
  if (d.value === 0n) throw badUserInput(`${field}: must be greater than 0`, { field });
  if (d.value > 1_000_000_000n * pow10(d.scale)) throw badUserInput(`${field}: must be at most 1000000000`, { field });
  return d.value * pow10(QTY_SCALE - d.scale);
}

export function formatQuantity(scaled: bigint): string {
  return formatPercent(scaled); // same 4-decimal, trailing-zero-free rendering
}

/** A scaled integer as a fixed-point string with `scale` decimals. */
export function formatFixed(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
}
