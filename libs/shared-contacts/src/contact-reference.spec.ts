import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Args, Field, GraphQLModule, GraphQLSchemaHost, ID, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApolloFederationDriver, type ApolloFederationDriverConfig } from '@nestjs/apollo';
import { printSubgraphSchema } from '@apollo/subgraph';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { composeServices } from '@apollo/composition';
import { graphql, parse } from 'graphql';
import { ContactReference, contactReference } from './contact-reference';

// A module subgraph as a service would write it: its own type pointing at Contact, and a field it adds to Contact.
@ObjectType()
class Deal {
  @Field(() => ID)
  id: string;
  contactId: string;
}

@Resolver(() => Deal)
class DealResolver {
  @Query(() => Deal)
  deal(@Args('id', { type: () => ID }) id: string): Deal {
    return { id, contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11' };
  }

  @ResolveField(() => ContactReference)
  contact(@Parent() d: Deal) {
    return contactReference(d.contactId);
  }
}

@Resolver(() => ContactReference)
class ContactDealsResolver {
  @ResolveField(() => Int)
  openDealCount(@Parent() c: ContactReference): number {
    return c.id.length;
  }
}

@Module({
  imports: [GraphQLModule.forRoot<ApolloFederationDriverConfig>({ driver: ApolloFederationDriver, autoSchemaFile: { federation: 2 }, plugins: [ApolloServerPluginInlineTraceDisabled()] })],
  providers: [DealResolver, ContactDealsResolver],
})
class SalesLikeSubgraph {}

// What the contacts subgraph (the owner) declares.
const contactsSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Contact @key(fields: "id") { id: ID! displayName: String! }
  type Query { contact(id: ID!): Contact }
`;

describe('ContactReference (federated Contact seen from another subgraph)', () => {
  let app: INestApplication;
  let sdl: string;

  beforeAll(async () => {
    app = await NestFactory.create(SalesLikeSubgraph, { logger: false });
    await app.init();
    sdl = printSubgraphSchema(app.get(GraphQLSchemaHost).schema);
  });
  afterAll(() => app.close());

  it('is the Contact entity keyed by id, resolvable, with only the fields this subgraph adds', () => {
    expect(sdl).toMatch(/type Contact\s+@key\(fields: "id"\)\s*\{/);
    expect(sdl).not.toContain('resolvable: false');
    expect(sdl).toContain('openDealCount: Int!');
    expect(sdl).not.toContain('displayName');
  });

  it('composes with the contacts subgraph that owns Contact', () => {
    const result = composeServices([
      { name: 'contacts', url: 'http://contacts/graphql', typeDefs: parse(contactsSdl) },
      { name: 'sales', url: 'http://sales/graphql', typeDefs: parse(sdl) },
    ]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.schema?.toAPISchema().toGraphQLJSSchema().getType('Contact')?.toString()).toBe('Contact');
  });

  it('resolves an entity representation from the gateway without a @ResolveReference', async () => {
    const { schema } = app.get(GraphQLSchemaHost);
    const res = await graphql({
      schema,
      source: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id openDealCount } } }`,
      variableValues: { r: [{ __typename: 'Contact', id: 'abc' }] },
      contextValue: {},
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ _entities: [{ id: 'abc', openDealCount: 3 }] });
    const deal = await graphql({ schema, source: `{ deal(id: "d1") { contact { id } } }`, contextValue: {} });
    expect(deal.data).toEqual({ deal: { contact: { id: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11' } } });
  });
});
