import 'reflect-metadata';
import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Field, GraphQLModule, GraphQLSchemaHost, Query, Resolver } from '@nestjs/graphql';
import { ApolloFederationDriver, type ApolloFederationDriverConfig } from '@nestjs/apollo';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { printSubgraphSchema } from '@apollo/subgraph';
import { defineSchemaScope, type SchemaScope } from './schema-scope';

// Two modules in one process, each declaring its types with its own scope's decorators.
const Alpha = defineSchemaScope('alpha');
const Beta = defineSchemaScope('beta');

enum AlphaKind {
  ONE = 'ONE',
}
Alpha.registerEnumType(AlphaKind, { name: 'AlphaKind' });

@Alpha.ObjectType({ description: 'only in alpha' })
class AlphaThing {
  @Field(() => AlphaKind) kind: AlphaKind;
}
const AlphaThingConnection = Alpha.Connection(AlphaThing);

@Alpha.InputType('AlphaFilter')
class AlphaFilter {
  @Field({ nullable: true }) q?: string;
}

@Beta.ObjectType('BetaThing')
class BetaThing {
  @Field() name: string;
}

@Resolver()
class AlphaResolver {
  @Query(() => AlphaThingConnection) alphas(): null {
    return null;
  }
  @Query(() => AlphaThing) alpha(): null {
    return null;
  }
}
@Resolver()
class BetaResolver {
  @Query(() => BetaThing) beta(): null {
    return null;
  }
}
@Module({ providers: [AlphaResolver] })
class AlphaModule {}
@Module({ providers: [BetaResolver] })
class BetaModule {}

async function sdlOf(feature: Type, scope: SchemaScope): Promise<string> {
  @Module({
    imports: [
      GraphQLModule.forRoot<ApolloFederationDriverConfig>({
        driver: ApolloFederationDriver,
        autoSchemaFile: { federation: 2 },
        plugins: [ApolloServerPluginInlineTraceDisabled()],
        include: [feature],
        buildSchemaOptions: { includeModules: [scope.marker], orphanedTypes: [AlphaFilter, AlphaThing, BetaThing] } as ApolloFederationDriverConfig['buildSchemaOptions'],
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

describe('defineSchemaScope: each module builds a schema of its own types only', () => {
  it('keeps alpha types in alpha and beta types in beta', async () => {
    // Every type is offered to both builds as an orphan: the scope alone decides where it goes.
    const alpha = await sdlOf(AlphaModule, Alpha);
    const beta = await sdlOf(BetaModule, Beta);
    expect(alpha).toMatch(/type AlphaThing\b/);
    expect(alpha).toMatch(/enum AlphaKind\b/);
    expect(alpha).toMatch(/type AlphaThingConnection\b/);
    expect(alpha).toMatch(/type PageInfo\b/);
    expect(alpha).toMatch(/input AlphaFilter\b/);
    expect(alpha).not.toMatch(/BetaThing/);
    expect(beta).toMatch(/type BetaThing\b/);
    expect(beta).not.toMatch(/AlphaThing|AlphaKind|PageInfo/);
  });

  it('names the marker after the module', () => {
    expect(Alpha.marker.name).toBe('alphaSchemaScope');
  });
});
