import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { tenantLoader } from '../common/loaders';
import { MarketingContact } from '../contacts/contact.graphql';
import { ScoringQueries } from './scoring.queries';

/** `Contact.leadScore`, added to the federated contact; batched (one query per `_entities` call). */
@Resolver(() => MarketingContact)
export class ContactLeadScoreResolver {
  constructor(private readonly queries: ScoringQueries) {}

  @ResolveField(() => Int, { description: 'The contact’s lead score in marketing (0 when it has none)' })
  leadScore(@Parent() c: MarketingContact) {
    return tenantLoader<string, number>('contact-lead-score', (t, ids) => this.queries.scoresOf(t, ids)).load(c.id);
  }
}
