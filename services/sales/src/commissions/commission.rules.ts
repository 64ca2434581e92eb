import { formatPercent, fromDb, money, parsePercent } from '@crm/shared-kernel';
import type { Tier } from './commission-math';
import type { CommissionRuleRow } from './commission.repository';
import type { CommissionKind, CommissionRule } from './commission.types';

/** A rule as the calculation needs it: exact numbers. */
export interface ActiveRule {
  id: string;
  ownerId: string | null;
  productId: string | null;
  kind: CommissionKind;
  currency: string | null;
  ratePpm: bigint | null;
  fixed: bigint | null;
  tiers: Tier[];
}

export function toActiveRule(r: CommissionRuleRow): ActiveRule {
  const currency = r.fixed_currency;
  return {
    id: r.id,
    ownerId: r.owner_id,
    productId: r.product_id,
    kind: r.kind,
    currency,
    ratePpm: r.rate == null ? null : parsePercent(r.rate, 'rate'),
    fixed: r.fixed_amount == null ? null : fromDb(r.fixed_amount, currency!),
    tiers: r.tiers.map((t) => ({ from: fromDb(t.from, currency!), ratePpm: parsePercent(t.rate, 'rate') })),
  };
}

export function toCommissionRule(r: CommissionRuleRow): CommissionRule {
  const currency = r.fixed_currency;
  return {
    id: r.id, name: r.name, ownerId: r.owner_id, productId: r.product_id, appliesTo: r.applies_to, kind: r.kind, currency,
    rate: r.rate == null ? null : formatPercent(parsePercent(r.rate, 'rate')),
    fixedAmount: r.fixed_amount == null ? null : money(fromDb(r.fixed_amount, currency!), currency!),
    tiers: r.tiers, active: r.active,
  };
}
