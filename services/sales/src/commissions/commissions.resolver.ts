import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { DateScalar } from '../common/graphql';
import { CommissionRule, CommissionStatement, CreateCommissionRuleInput } from './commission.types';
import { CommissionsService } from './commissions.service';

@Resolver(() => CommissionRule)
export class CommissionsResolver {
  constructor(private readonly service: CommissionsService) {}

  // Lists, not connections: rules are configuration (a handful per tenant); statements are a report
  // with one line per owner and currency of the period, not rows that grow with use.
  @Query(() => [CommissionRule])
  @RequirePermission(SalesPermission['deal.read'])
  commissionRules() {
    return this.service.rules(currentUser().tenantId);
  }

  @Query(() => [CommissionStatement], { description: 'Commissions earned in [from, to] per owner and currency; a rep sees only their own' })
  @RequirePermission(SalesPermission['report.read'])
  commissions(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('ownerId', { type: () => String, nullable: true }) ownerId?: string,
  ) {
    return this.service.statements(currentUser(), from, to, ownerId ?? undefined);
  }

  @Mutation(() => CommissionRule)
  @RequirePermission(SalesPermission['config.manage'])
  createCommissionRule(@Args('input') input: CreateCommissionRuleInput) {
    return this.service.createRule(currentUser(), input);
  }
}
