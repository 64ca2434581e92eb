import { z } from 'zod';
import { invalidField } from '@crm/platform';
import type { MoneyInput } from '../common/graphql';
import { currencyOf, formatMinor, toMinor } from '../common/money';
import { zOptText } from '../common/validate';
import type { DealSource } from './deal.types';

/** Attribution of a deal: every key optional text; all blank → null (no source). */
export const zDealSource = z
  .object({
    leadSource: zOptText(200), source: zOptText(200), medium: zOptText(200), campaign: zOptText(200),
    term: zOptText(200), content: zOptText(200), keyword: zOptText(200),
  })
  .nullish()
  .transform((s): DealSource | null => (s && Object.values(s).some((v) => v !== null) ? s : null));

/** A deal amount as stored (decimal text in the currency's minor units) with its currency. */
export function dealAmount(input: MoneyInput | null | undefined, field: string): { amount: string; currency: string } {
  if (!input) throw invalidField(field, 'required');
  const currency = currencyOf(input.currency, `${field}.currency`);
  return { amount: formatMinor(toMinor(input.amount, currency, `${field}.amount`), currency), currency };
}
