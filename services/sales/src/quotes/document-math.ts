import { badUserInput } from '@crm/platform';
import { PPM, QTY_SCALE, pow10, roundDiv } from '@crm/shared-kernel';

/**
 * Line and total arithmetic of quotes and orders, in minor units (BigInt), rounded HALF UP per line:
 *
 *   amount   = quantity × unit price                        (rounded to the minor unit)
 *   discount = amount × discount% (or a fixed amount ≤ amount)
 *   prices exclusive of tax:  net = amount − discount;  tax = net × rate;            gross = net + tax
 *   prices inclusive of tax:  gross = amount − discount; net = gross / (1 + rate);   tax = gross − net
 *
 * Totals are sums of the rounded lines (so lines always add up to the totals); the tax summary
 * groups lines by rate. Whether prices include tax is a property of the whole document (as on an
 * invoice); each line has its own rate, so rates can be mixed.
 */
export interface LineInput {
  /** Quantity in ten-thousandths (2.5 → 25000n). */
  quantity: bigint;
  /** Unit price in minor units. */
  unitPrice: bigint;
  /** Discount as parts per million (10% → 100000n), or a fixed amount in minor units; not both. */
  discountPpm?: bigint | null;
  discountAmount?: bigint | null;
  /** Tax rate, parts per million (19% → 190000n). */
  taxPpm: bigint;
}

export interface LineAmounts {
  amount: bigint;
  discount: bigint;
  net: bigint;
  tax: bigint;
  gross: bigint;
}

export interface TaxSummary {
  ratePpm: bigint;
  net: bigint;
  tax: bigint;
}

export interface DocumentTotals {
  subtotal: bigint;
  discountTotal: bigint;
  taxTotal: bigint;
  total: bigint;
  taxes: TaxSummary[];
}

export function computeLine(l: LineInput, pricesIncludeTax: boolean, field = 'line'): LineAmounts {
  const amount = roundDiv(l.quantity * l.unitPrice, pow10(QTY_SCALE));
  if (l.discountPpm != null && l.discountAmount != null) throw badUserInput(`${field}: give discountPercent or discountAmount, not both`, { field });
  let discount = 0n;
  if (l.discountPpm != null) discount = roundDiv(amount * l.discountPpm, PPM);
  if (l.discountAmount != null) {
    if (l.discountAmount > amount) throw badUserInput(`${field}.discountAmount: larger than the line amount`, { field: `${field}.discountAmount` });
    discount = l.discountAmount;
  }
  const after = amount - discount;
  if (pricesIncludeTax) {
    const net = roundDiv(after * PPM, PPM + l.taxPpm);
    return { amount, discount, net, tax: after - net, gross: after };
  }
  const tax = roundDiv(after * l.taxPpm, PPM);
  return { amount, discount, net: after, tax, gross: after + tax };
}

export function computeTotals(lines: (Omit<LineAmounts, 'amount'> & { taxPpm: bigint })[]): DocumentTotals {
  const byRate = new Map<bigint, TaxSummary>();
  let subtotal = 0n;
  let discountTotal = 0n;
  let taxTotal = 0n;
  let total = 0n;
  for (const l of lines) {
    subtotal += l.net;
    discountTotal += l.discount;
    taxTotal += l.tax;
    total += l.gross;
    const t = byRate.get(l.taxPpm) ?? { ratePpm: l.taxPpm, net: 0n, tax: 0n };
    t.net += l.net;
    t.tax += l.tax;
    byRate.set(l.taxPpm, t);
  }
  const taxes = [...byRate.values()].sort((a, b) => (a.ratePpm < b.ratePpm ? -1 : a.ratePpm > b.ratePpm ? 1 : 0));
  return { subtotal, discountTotal, taxTotal, total, taxes };
}
