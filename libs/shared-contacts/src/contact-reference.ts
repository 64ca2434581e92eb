import type { Type } from '@nestjs/common';
import { Directive, Field, ID, ObjectType, type ObjectTypeOptions } from '@nestjs/graphql';

/**
 * The federated `Contact` entity as every subgraph except contacts sees it (Federation 2, code-first).
 *
 * The contacts subgraph owns `Contact`: it declares all its fields and `@ResolveReference`. Another
 * subgraph (sales, support, …) uses this stub, which declares only the key:
 *
 * - To point at a contact, a field returns `contactReference(id)`; the gateway fetches the other
 *   fields from contacts.
 * - To add fields to Contact, write `@Resolver(() => ContactReference)` with `@ResolveField`s. Those
 *   fields are this subgraph's to resolve, so the key stays resolvable (the Federation 2 default;
 *   `@key(fields: "id", resolvable: false)` suits only a subgraph that references Contact and adds no
 *   fields). No `@ResolveReference` is needed: @apollo/subgraph hands the `{ __typename, id }`
 *   representation to the `@ResolveField`s, which need only the id. Batch them with DataLoader
 *   (`ContactReplica.getMany`) so a list of 100 contacts costs one query.
 * - `id` is a key field, so it is shareable with contacts without `@shareable`.
 *
 * One process, several subgraphs (the embedded mode): @nestjs/graphql keeps code-first metadata in a
 * process-wide store, so a type referenced by any loaded type lands in every schema built in the
 * process, and `@ResolveField`s on a shared class land on every subgraph's Contact. There, give each
 * subgraph its own class — `contactReferenceType(() => SalesModule)` — and build each schema with
 * only its modules' types (every type `registerIn` its module, and `buildSchemaOptions.includeModules`,
 * because the federation driver ignores `include` for type filtering in @nestjs/graphql 14).
 */
@ObjectType('Contact')
@Directive('@key(fields: "id")')
export class ContactReference {
  @Field(() => ID)
  id: string;
}

/** A subgraph's own `Contact` stub, registered in its module (see ContactReference for when to use it). */
export function contactReferenceType(registerIn: NonNullable<ObjectTypeOptions['registerIn']>): Type<ContactReference> {
  @ObjectType('Contact', { registerIn })
  @Directive('@key(fields: "id")')
  class Contact {
    @Field(() => ID)
    id: string;
  }
  return Contact;
}

/** What a field returning `Contact` resolves to in a subgraph that does not own contacts. */
export function contactReference(id: string): ContactReference & { __typename: 'Contact' } {
  return { __typename: 'Contact', id };
}
