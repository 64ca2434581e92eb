import { attributionSchema, toAttribution, currencyOf, formatMinor, toMinor } from '@crm/shared-kernel';
import { invalidField } from '@crm/platform';
import type { MoneyInput } from '../common/graphql';
import type { DealSource } from './deal.types';

/** Attribution of a deal: every key optional text; all blank → null (no source). */
export const zDealSource = attributionSchema
  .nullish()
  .transform((s): DealSource | null => (s && Object.values(toAttribution(s)).some((v) => v !== null) ? toAttribution(s) : null));

/** A deal amount as stored (decimal text in the currency's minor units) with its currency. */
export function dealAmount(input: MoneyInput | null | undefined, field: string): { amount: string; currency: string } {
  if (!input) throw invalidField(field, 'required');
  const currency = currencyOf(input.currency, `${field}.currency`);
  return { amount: formatMinor(toMinor(input.amount, currency, `${field}.amount`), currency), currency };
}
