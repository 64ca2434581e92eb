import { Args, ID, Int, Mutation, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { MarketingPermission } from '../permissions';
import { ScoringQueries } from './scoring.queries';
import { LeadScore, ScoringRule, ScoringRuleInput, ScoringSettings, ScoringSettingsInput } from './scoring.types';
import { CreateScoringRule, DeleteScoringRule, UpdateScoringRule, UpdateScoringSettings } from './use-cases/scoring-rules.use-cases';

@Resolver(() => ScoringRule)
export class ScoringResolver {
  constructor(
    private readonly queries: ScoringQueries,
    private readonly createRule: CreateScoringRule,
    private readonly updateRule: UpdateScoringRule,
    private readonly deleteRule: DeleteScoringRule,
    private readonly updateSettings: UpdateScoringSettings,
  ) {}

  @Query(() => [ScoringRule], { description: 'The tenant’s scoring rules, oldest first (a configuration list: plain, not paginated)' })
  @RequirePermission(MarketingPermission['scoring.read'])
  scoringRules() {
    return this.queries.rules(currentUser().tenantId);
  }

  @Query(() => ScoringSettings)
  @RequirePermission(MarketingPermission['scoring.read'])
  scoringSettings() {
    return this.queries.settings(currentUser().tenantId);
  }

  @Query(() => LeadScore, { description: 'A contact’s lead score with its breakdown (0 and empty for a contact without points)' })
  @RequirePermission(MarketingPermission['scoring.read'])
  leadScore(@Args('contactId', { type: () => ID }) contactId: string) {
    return this.queries.leadScore(currentUser().tenantId, contactId);
  }

  @Mutation(() => ScoringRule, { description: 'BAD_USER_INPUT naming each bad field (an unknown field, a missing value, 0 points)' })
  @RequirePermission(MarketingPermission['scoring.write'])
  createScoringRule(@Args('input') input: ScoringRuleInput) {
    return this.createRule.execute(currentUser(), input);
  }

  @Mutation(() => ScoringRule)
  @RequirePermission(MarketingPermission['scoring.write'])
  updateScoringRule(@Args('id', { type: () => ID }) id: string, @Args('input') input: ScoringRuleInput) {
    return this.updateRule.execute(currentUser(), id, input);
  }

  @Mutation(() => ID, { description: 'Deletes the rule and the points it gave; returns its id' })
  @RequirePermission(MarketingPermission['scoring.write'])
  deleteScoringRule(@Args('id', { type: () => ID }) id: string) {
    return this.deleteRule.execute(currentUser(), id);
  }

  @Mutation(() => ScoringSettings)
  @RequirePermission(MarketingPermission['scoring.write'])
  updateScoringSettings(@Args('input') input: ScoringSettingsInput) {
    return this.updateSettings.execute(currentUser(), input);
  }
}

@Resolver(() => ScoringSettings)
export class ScoringSettingsResolver {
  constructor(private readonly queries: ScoringQueries) {}

  @ResolveField(() => Int, { description: 'Contacts whose score is still being recomputed in the background after a rule change (0: every score follows the current rules)' })
  pendingRescores() {
    return this.queries.pendingRescores(currentUser().tenantId);
  }
}
