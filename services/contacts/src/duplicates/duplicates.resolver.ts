import { Args, Info, Int, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { ContactsPermission } from '../permissions';
import { DuplicateQueries } from './duplicate.queries';
import { DEFAULT_MIN_SCORE, DuplicatePair, DuplicatePairConnection } from './duplicate.types';

@Resolver(() => DuplicatePair)
export class DuplicatesResolver {
  constructor(private readonly queries: DuplicateQueries) {}

  @Query(() => DuplicatePairConnection, {
    description: 'Pairs of active contacts that are likely the same person (similar name and company, email aliases, a phone in another format), highest score first; merge them with mergeContacts',
  })
  @RequirePermission(ContactsPermission['contact.read'])
  possibleDuplicates(
    @Args() page: PageArgs,
    @Args('minScore', { type: () => Int, nullable: true, defaultValue: DEFAULT_MIN_SCORE, description: 'Only pairs scoring at least this (1 to 100)' }) minScore: number,
    @Info() info: GraphQLResolveInfo,
  ) {
    return this.queries.possibleDuplicates(currentUser().tenantId, page, minScore ?? DEFAULT_MIN_SCORE, selectsField(info, 'totalCount'));
  }
}
