import { ArgsType, Directive, Field, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { DEFAULT_FIRST, MAX_FIRST, type ConnectionValue, type KeysetArgs, type PageInfoValue } from '../pagination';

/**
 * GraphQL types of the one pagination shape (see `keysetPage` in pagination.ts): `Connection(Deal,
 * SalesSchemaScope)` declares `DealEdge { cursor node }` and `DealConnection { edges pageInfo totalCount }`
 * in the module's schema scope, with one `PageInfo` per scope (shareable: every subgraph declares it).
 */
const pageInfos = new Map<Function, Type<PageInfoValue>>();

export function PageInfoType(scope: Function): Type<PageInfoValue> {
  let t = pageInfos.get(scope);
  if (!t) {
    @ObjectType('PageInfo', { registerIn: scope, description: 'Forward pagination: pass endCursor as `after` while hasNextPage' })
    @Directive('@shareable')
    class PageInfo implements PageInfoValue {
      @Field() hasNextPage: boolean;
      @Field(() => String, { nullable: true }) endCursor: string | null;
    }
    t = PageInfo;
    pageInfos.set(scope, t);
  }
  return t;
}

export function Connection<N>(node: Type<N>, scope: Function, options: { name?: string; description?: string; countDescription?: string } = {}): Type<ConnectionValue<N>> {
  const name = options.name ?? node.name;
  const pageInfo = PageInfoType(scope);

  @ObjectType(`${name}Edge`, { registerIn: scope })
  class Edge {
    @Field() cursor: string;
    @Field(() => node) node: N;
  }

  @ObjectType(`${name}Connection`, { registerIn: scope, description: options.description })
  class ConnectionType implements ConnectionValue<N> {
    @Field(() => [Edge]) edges: Edge[];
    @Field(() => pageInfo) pageInfo: PageInfoValue;
    @Field(() => Int, { description: options.countDescription ?? 'All matches (every page); counted only when selected' }) totalCount: number | null;
  }
  return ConnectionType;
}

/** `first` and `after` of every connection field: `@Args() page: PageArgs`. */
@ArgsType()
export class PageArgs implements KeysetArgs {
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_FIRST, description: `Page size: at most ${MAX_FIRST}` }) first?: number | null;
  @Field(() => String, { nullable: true, description: 'pageInfo.endCursor of the previous page' }) after?: string | null;
}
