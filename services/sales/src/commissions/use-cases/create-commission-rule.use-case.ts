import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { currencyOf, formatMinor, formatPercent, optionalIdField, optionalTextField, parsePercent, textField, toMinor } from '@crm/shared-kernel';
import { ProductRepository } from '../../products/product.repository';
import { validateTiers } from '../commission-math';
import { CommissionRepository } from '../commission.repository';
import { toCommissionRule } from '../commission.rules';
import { CommissionBasis, CommissionKind, type CommissionRule, type CreateCommissionRuleInput } from '../commission.types';
import { emitCommissionRuleCreated } from '../commissions.events';

const createCommissionRuleSchema = z.object({
  name: textField(200),
  ownerId: optionalTextField(200),
  productId: optionalIdField('product id'),
  appliesTo: z.enum(CommissionBasis),
  kind: z.enum(CommissionKind),
  currency: z.string().nullish(),
  rate: z.string().nullish(),
  fixedAmount: z.object({ amount: z.string(), currency: z.string() }).nullish(),
  tiers: z.array(z.object({ from: z.string(), rate: z.string() })).nullish(),
});
type RuleInput = z.output<typeof createCommissionRuleSchema>;

/** The rule's numbers as stored: a rate, graduated tiers, or a fixed amount, and the currency they need. */
interface RuleTerms {
  currency: string | null;
  rate: string | null;
  fixedAmount: string | null;
  tiers: { from: string; rate: string }[];
}

function ruleTerms(input: RuleInput): RuleTerms {
  if (input.productId && input.appliesTo !== CommissionBasis.ORDERS) throw invalidField('input.productId', 'product rules apply to ORDERS (deals have no products)');
  const currency = input.currency ? currencyOf(input.currency, 'input.currency') : null;
  if (input.kind === CommissionKind.PERCENTAGE) {
    if (input.fixedAmount) throw invalidField('input.fixedAmount', 'only for FIXED rules');
    if (input.tiers?.length) {
      if (!currency) throw invalidField('input.currency', 'tiers need the currency their amounts are in');
      const parsed = input.tiers.map((t, i) => ({ from: toMinor(t.from, currency, `input.tiers.${i}.from`), ratePpm: parsePercent(t.rate, `input.tiers.${i}.rate`) }));
      validateTiers(parsed, 'input.tiers');
      if (input.rate != null) throw invalidField('input.rate', 'give rate or tiers, not both');
      return { currency, rate: null, fixedAmount: null, tiers: parsed.map((t) => ({ from: formatMinor(t.from, currency), rate: formatPercent(t.ratePpm) })) };
    }
    if (input.rate == null) throw invalidField('input.rate', 'required for a PERCENTAGE rule without tiers');
    return { currency, rate: formatPercent(parsePercent(input.rate, 'input.rate')), fixedAmount: null, tiers: [] };
  }
  if (!input.fixedAmount) throw invalidField('input.fixedAmount', 'required for a FIXED rule');
  if (input.rate != null || input.tiers?.length) throw invalidField('input.rate', 'FIXED rules have no rate or tiers');
  const c = currencyOf(input.fixedAmount.currency, 'input.fixedAmount.currency');
  if (currency && currency !== c) throw invalidField('input.currency', `${currency} differs from input.fixedAmount.currency ${c}`);
  return { currency: c, rate: null, fixedAmount: formatMinor(toMinor(input.fixedAmount.amount, c, 'input.fixedAmount.amount'), c), tiers: [] };
}

@Injectable()
export class CreateCommissionRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly rules: CommissionRepository,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, raw: CreateCommissionRuleInput): Promise<CommissionRule> {
    const input = parseInput(createCommissionRuleSchema, raw, 'input');
    const terms = ruleTerms(input);
    return this.uow.run(ctx.tenantId, async (tx) => {
      if (input.productId && !(await this.products.exists(tx, input.productId))) throw invalidField('input.productId', `product ${input.productId} does not exist`);
      const rule = toCommissionRule(
        await this.rules.insertRule(tx, {
          id: randomUUID(), name: input.name, ownerId: input.ownerId, productId: input.productId, appliesTo: input.appliesTo, kind: input.kind, ...terms, createdBy: ctx.userId,
        }),
      );
      await emitCommissionRuleCreated(tx, ctx, rule);
      return rule;
    });
  }
}
