import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { DateScalar } from '@crm/shared-kernel';
import { SalesPermission } from '../permissions';
import { CommissionRuleQueries } from './commission-rules.queries';
import { CommissionRule, CommissionStatement, CreateCommissionRuleInput } from './commission.types';
import { CommissionStatements } from './use-cases/commission-statements.use-case';
import { CreateCommissionRule } from './use-cases/create-commission-rule.use-case';

@Resolver(() => CommissionRule)
export class CommissionsResolver {
  constructor(
    private readonly ruleQueries: CommissionRuleQueries,
    private readonly statements: CommissionStatements,
    private readonly createRule: CreateCommissionRule,
  ) {}

  // Lists, not connections: rules are configuration (a handful per tenant); statements are a report
  // with one line per owner and currency of the period, not rows that grow with use.
  @Query(() => [CommissionRule])
  @RequirePermission(SalesPermission['deal.read'])
  commissionRules() {
    return this.ruleQueries.rules(currentUser().tenantId);
  }

  @Query(() => [CommissionStatement], { description: 'Commissions earned in [from, to] per owner and currency; a rep sees only their own' })
  @RequirePermission(SalesPermission['report.read'])
  commissions(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('ownerId', { type: () => String, nullable: true }) ownerId?: string,
  ) {
    return this.statements.execute(currentUser(), from, to, ownerId ?? undefined);
  }

  @Mutation(() => CommissionRule)
  @RequirePermission(SalesPermission['config.manage'])
  createCommissionRule(@Args('input') input: CreateCommissionRuleInput) {
    return this.createRule.execute(currentUser(), input);
  }
}
