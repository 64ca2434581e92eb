import { CommissionRuleCreatedV1 } from '@crm/events';
import type { RequestContext, Tx } from '@crm/platform';
import type { CommissionRule } from './commission.types';

export function emitCommissionRuleCreated(tx: Tx, ctx: RequestContext, rule: CommissionRule): Promise<void> {
  return tx.emit(CommissionRuleCreatedV1, rule.id, {
    ruleId: rule.id, name: rule.name, ownerId: rule.ownerId, productId: rule.productId, appliesTo: rule.appliesTo, kind: rule.kind, rate: rule.rate,
    fixedAmount: rule.fixedAmount, currency: rule.currency, tiers: rule.tiers, createdBy: ctx.userId,
  });
}
