import 'reflect-metadata';
import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Args, Directive, Field, GraphQLModule, GraphQLSchemaHost, ID, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApolloFederationDriver, type ApolloFederationDriverConfig } from '@nestjs/apollo';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { printSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { contactReference, contactReferenceType, type ContactReference } from './contact-reference';

// Three subgraphs in one process (the embedded mode): contacts owns Contact, sales and support each
// add a field to it through their own stub. Every type is registered in its module.

const SalesContact = contactReferenceType(() => SalesModule);
@ObjectType({ registerIn: () => SalesModule })
class Deal {
  @Field(() => ID)
  id: string;
}
@Resolver(() => Deal)
class DealResolver {
  @Query(() => Deal)
  deal(@Args('id', { type: () => ID }) id: string): Deal {
    return { id };
  }
  @ResolveField(() => SalesContact)
  contact() {
    return contactReference('2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11');
  }
}
@Resolver(() => SalesContact)
class SalesContactResolver {
  @ResolveField(() => [Deal])
  deals(@Parent() c: ContactReference): Deal[] {
    return [{ id: `deal-of-${c.id}` }];
  }
}
@Module({ providers: [DealResolver, SalesContactResolver] })
class SalesModule {}

const SupportContact = contactReferenceType(() => SupportModule);
@ObjectType({ registerIn: () => SupportModule })
class Ticket {
  @Field(() => ID)
  id: string;
}
@Resolver(() => Ticket)
class TicketResolver {
  @Query(() => Ticket)
  ticket(@Args('id', { type: () => ID }) id: string): Ticket {
    return { id };
  }
  @ResolveField(() => SupportContact)
  contact() {
    return contactReference('2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11');
  }
}
@Resolver(() => SupportContact)
class SupportContactResolver {
  @ResolveField(() => Int)
  openTicketCount(): number {
    return 1;
  }
}
@Module({ providers: [TicketResolver, SupportContactResolver] })
class SupportModule {}

@ObjectType('Contact', { registerIn: () => ContactsModule })
@Directive('@key(fields: "id")')
class Contact {
  @Field(() => ID)
  id: string;
  @Field()
  displayName: string;
}
@Resolver(() => Contact)
class ContactResolver {
  @Query(() => Contact, { nullable: true })
  contact(@Args('id', { type: () => ID }) id: string): Contact {
    return { id, displayName: 'Ada Lovelace' };
  }
}
@Module({ providers: [ContactResolver] })
class ContactsModule {}

async function subgraphSdl(feature: Type): Promise<string> {
  @Module({
    imports: [
      GraphQLModule.forRoot<ApolloFederationDriverConfig>({
        driver: ApolloFederationDriver,
        autoSchemaFile: { federation: 2 },
        plugins: [ApolloServerPluginInlineTraceDisabled()],
        include: [feature],
        // The federation driver does not pass `include` on to type filtering; this internal option does.
        buildSchemaOptions: { includeModules: [feature] } as ApolloFederationDriverConfig['buildSchemaOptions'],
      }),
      feature,
    ],
  })
  class Root {}
  const app = await NestFactory.create(Root, { logger: false });
  try {
    await app.init();
    return printSubgraphSchema(app.get(GraphQLSchemaHost).schema);
  } finally {
    await app.close();
  }
}

const contactType = (sdl: string) => /type Contact[^{]*\{([^}]*)\}/.exec(sdl)?.[1] ?? '';

describe('contactReferenceType: several subgraphs in one process', () => {
  it('gives each subgraph its own Contact with only its fields, and the three compose', async () => {
    const sales = await subgraphSdl(SalesModule);
    const support = await subgraphSdl(SupportModule);
    const contacts = await subgraphSdl(ContactsModule);
    expect(contactType(sales)).toContain('deals: [Deal!]!');
    expect(contactType(sales)).not.toContain('openTicketCount');
    expect(contactType(support)).toContain('openTicketCount: Int!');
    expect(contactType(support)).not.toContain('deals');
    expect(contactType(contacts)).toContain('displayName: String!');
    expect(contacts).not.toMatch(/type (Deal|Ticket)\b/);
    for (const sdl of [sales, support, contacts]) expect(sdl).toMatch(/type Contact\s+@key\(fields: "id"\)/);

    const result = composeServices(
      Object.entries({ sales, support, contacts }).map(([name, sdl]) => ({ name, url: `http://${name}/graphql`, typeDefs: parse(sdl) })),
    );
    expect(result.errors ?? []).toEqual([]);
  });
});
