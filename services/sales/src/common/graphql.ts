import { isUuid } from '@crm/platform';
import { contactReferenceType } from '@crm/shared-contacts';
import { companyReferenceType, moneyTypes, type CompanyReference, type Money as MoneyValue } from '@crm/shared-kernel';
import { SalesSchemaScope } from '../schema-scope';

/** `Contact` as the sales subgraph sees it: the key, plus the fields sales adds (deals, orders, lifetimeValue). */
export const SalesContact = contactReferenceType(SalesSchemaScope);
export type SalesContact = InstanceType<typeof SalesContact>;

/** `Company` (owned by contacts) referenced by key; sales adds no fields to it. */
export const CompanyRef = companyReferenceType(SalesSchemaScope);
export type CompanyRef = CompanyReference;

/** Money and MoneyInput of the sales schema (@crm/shared-kernel registers them per scope). */
export const { Money, MoneyInput } = moneyTypes(SalesSchemaScope);
export type Money = MoneyValue;
export type MoneyInput = MoneyValue;

/** Lower-case canonical UUID, or undefined. */
export function uuidOrUndefined(s: string | null | undefined): string | undefined {
  return typeof s === 'string' && isUuid(s) ? s.toLowerCase() : undefined;
}
