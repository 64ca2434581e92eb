import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, requireRole } from '@crm/platform';
import { DateScalar } from '../common/graphql';
import { MANAGER_ROLES } from '../common/roles';
import { CommissionRule, CommissionStatement, CreateCommissionRuleInput } from './commission.types';
import { CommissionsService } from './commissions.service';

@Resolver(() => CommissionRule)
export class CommissionsResolver {
  constructor(private readonly service: CommissionsService) {}

  @Query(() => [CommissionRule])
  commissionRules() {
    return this.service.rules(currentUser().tenantId);
  }

  @Query(() => [CommissionStatement], { description: 'Commissions earned in [from, to] per owner and currency; a rep sees only their own' })
  commissions(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('ownerId', { type: () => String, nullable: true }) ownerId?: string,
  ) {
    return this.service.statements(currentUser(), from, to, ownerId ?? undefined);
  }

  @Mutation(() => CommissionRule, { description: 'admin or sales-manager' })
  createCommissionRule(@Args('input') input: CreateCommissionRuleInput) {
    return this.service.createRule(requireRole(...MANAGER_ROLES), input);
  }
}
