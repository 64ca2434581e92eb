import { z } from 'zod';
import { MINOR_UNITS, optionalTextField, parseDateOnly, parseDecimal, textField } from '@crm/shared-kernel';
import type { SpendRowInput } from './attribution.repository';

const dim = optionalTextField(200).transform((v) => v ?? '');

/** A cost: a decimal string ≥ 0 with at most the minor units of a supported ISO 4217 currency. */
const cost = z
  .object({ amount: z.string(), currency: z.string() })
  .transform((c) => ({ amount: c.amount.trim(), currency: c.currency.trim().toUpperCase() }))
  .superRefine((c, ctx) => {
    const units = MINOR_UNITS[c.currency];
    if (units === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: `"${c.currency.slice(0, 10)}" is not a supported ISO 4217 currency code (e.g. EUR, USD, JPY)` });
    const d = parseDecimal(c.amount);
    if (!d) ctx.addIssue({ code: 'custom', path: ['amount'], message: `"${c.amount.slice(0, 40)}" is not a decimal amount (write e.g. "1234.50")` });
    else if (d.value < 0n) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'must not be negative' });
    else if (units !== undefined && d.scale > units) ctx.addIssue({ code: 'custom', path: ['amount'], message: `has ${d.scale} decimal places but ${c.currency} has ${units}` });
  });

const count = z.number().int('must be a whole number').min(0, 'must not be negative').max(2_000_000_000, 'too large').nullish().transform((v) => v ?? null);

/** One spend row, from GraphQL or a CSV line. */
export const adSpendRow = z.object({
  day: z.string().refine(
    (s) => {
      try {
        parseDateOnly(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a calendar date YYYY-MM-DD' },
  ),
  source: textField(200),
  medium: dim,
  campaign: dim,
  keyword: dim,
  cost,
  clicks: count,
  impressions: count,
});

export const toSpendRow = (v: z.output<typeof adSpendRow>): SpendRowInput => ({
  day: v.day,
  source: v.source,
  medium: v.medium,
  campaign: v.campaign,
  keyword: v.keyword,
  cost: v.cost.amount,
  currency: v.cost.currency,
  clicks: v.clicks,
  impressions: v.impressions,
});

/** The upsert key of a row: two rows of one batch with the same key would be one row twice. */
export const spendKey = (r: SpendRowInput) => JSON.stringify([r.day, r.source, r.medium, r.campaign, r.keyword]);
