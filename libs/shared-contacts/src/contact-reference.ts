import { Directive, Field, ID, ObjectType } from '@nestjs/graphql';

/**
 * The federated `Contact` entity as every subgraph except contacts sees it (Federation 2, code-first).
 *
 * The contacts subgraph owns `Contact` and declares all its fields plus `@ResolveReference`. Other
 * subgraphs (sales, support, …) put this class in their schema instead — never both in one schema,
 * both are named `Contact`:
 *
 * - To point at a contact, a field returns `contactReference(id)`; the gateway fetches the other
 *   fields from contacts.
 * - To add fields to Contact, write `@Resolver(() => ContactReference)` with `@ResolveField`s. Those
 *   fields are this subgraph's to resolve, so the key stays resolvable (the Federation 2 default;
 *   `@key(fields: "id", resolvable: false)` suits only a subgraph that references Contact and adds no
 *   fields). No `@ResolveReference` is needed: @apollo/subgraph hands back the `{ __typename, id }`
 *   representation, and the `@ResolveField`s need only the id. Batch them with DataLoader
 *   (`ContactReplica.getMany`) so a list of 100 contacts costs one query.
 * - `id` is the key field, so it is shareable with contacts without `@shareable`.
 */
@ObjectType('Contact')
@Directive('@key(fields: "id")')
export class ContactReference {
  @Field(() => ID)
  id: string;
}

/** What a field returning `Contact` resolves to in a subgraph that does not own contacts. */
export function contactReference(id: string): ContactReference & { __typename: 'Contact' } {
  return { __typename: 'Contact', id };
}
