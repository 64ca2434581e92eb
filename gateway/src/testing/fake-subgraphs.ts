/**
 * Tiny real subgraphs for the gateway's tests: @apollo/subgraph schemas on express, which accept
 * requests only with a valid x-crm-context header (as the real services do) and record what they saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import express from 'express';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import { INTERNAL_CONTEXT_HEADER, verifyInternalContext, type InternalContext } from '@crm/auth';

export const CONTACTS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  contact(id: ID!): Contact
  whoami: Whoami!
  boom: String
  slow(ms: Int!): String
}

type Whoami {
  tenantId: String!
  userId: String!
  roles: [String!]!
}

type Contact @key(fields: "id") {
  id: ID!
  name: String!
  tenantId: String!
  friend: Contact
}
`;

export const SALES_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  topDeal: Deal
}

type Contact @key(fields: "id") {
  id: ID!
  deals: [Deal!]!
  seenByTenant: String!
}

type Deal {
  id: ID!
  amount: String!
  currency: String!
}
`;

/** Conflicts with CONTACTS_SDL: Contact.name is Int here, String there. */
export const CONFLICTING_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Contact @key(fields: "id") {
  id: ID!
  name: Int!
}
`;

export interface SeenRequest {
  context: InternalContext;
  /** The signed context as sent (x-crm-context). */
  token: string;
  traceparent?: string;
  requestId?: string;
  query: string;
}

export interface FakeSubgraph {
  name: string;
  url: string;
  sdl: string;
  seen: SeenRequest[];
  rejected: string[];
  /** What its /health/ready answers (default true: 200). */
  ready: boolean;
  close(): Promise<void>;
}

type Ctx = { ctx: InternalContext };
const tenantOf = (c: Ctx) => ('service' in c.ctx ? '(service)' : c.ctx.tenantId);

function contactsSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    {
      typeDefs: parse(CONTACTS_SDL),
    resolvers: {
      Query: {
        contact: (_: unknown, { id }: { id: string }, c: Ctx) => ({ id, name: `Contact ${id}`, tenantId: tenantOf(c) }),
        whoami: (_: unknown, __: unknown, c: Ctx) => {
          if ('service' in c.ctx) throw new Error('no user');
          return c.ctx;
        },
        slow: async (_: unknown, { ms }: { ms: number }) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return `slept ${ms} ms`;
        },
        boom: () => {
          throw new Error('connection to db-internal-7.prod failed: password authentication failed');
        },
      },
      Contact: {
        __resolveReference: (ref: { id: string }, c: Ctx) => ({ id: ref.id, name: `Contact ${ref.id}`, tenantId: tenantOf(c) }),
        friend: (parent: { id: string }, _: unknown, c: Ctx) => ({ id: `${parent.id}f`, name: `Friend of ${parent.id}`, tenantId: tenantOf(c) }),
      },
    } as GraphQLResolverMap<Ctx>,
    },
  ]);
}

function salesSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    {
      typeDefs: parse(SALES_SDL),
    resolvers: {
      Query: {
        topDeal: () => ({ id: 'top', amount: '99.00', currency: 'EUR' }),
      },
      Contact: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        deals: (parent: { id: string }) => [{ id: `${parent.id}-d1`, amount: '1250.00', currency: 'EUR' }],
        seenByTenant: (_: unknown, __: unknown, c: Ctx) => tenantOf(c),
      },
    } as GraphQLResolverMap<Ctx>,
    },
  ]);
}

export async function startFakeSubgraph(name: 'contacts' | 'sales', internalSecret: string): Promise<FakeSubgraph> {
  const schema = name === 'contacts' ? contactsSchema() : salesSchema();
  const seen: SeenRequest[] = [];
  const rejected: string[] = [];
  const app = express();
  app.get('/health/ready', (_req, res) => {
    if (fake.ready) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'error' });
  });
  app.post('/graphql', express.json(), async (req, res) => {
    let context: InternalContext;
    try {
      context = verifyInternalContext(req.header(INTERNAL_CONTEXT_HEADER), internalSecret);
    } catch (err) {
      rejected.push((err as Error).message);
      res.status(401).json({ errors: [{ message: (err as Error).message, extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    const query = String(req.body?.query ?? '');
    if ('service' in context && !/^\s*query[^{]*\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/.test(query.replace(/\n/g, ' '))) {
      rejected.push(`service context used for: ${query}`);
      res.status(403).json({ errors: [{ message: 'service context is only for _service', extensions: { code: 'FORBIDDEN' } }] });
      return;
    }
    seen.push({ context, token: req.header(INTERNAL_CONTEXT_HEADER)!, traceparent: req.header('traceparent'), requestId: req.header('x-request-id'), query });
    const result = await graphql({
      schema,
      source: query,
      variableValues: req.body?.variables,
      operationName: req.body?.operationName,
      contextValue: { ctx: context },
    });
    res.json(result);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeSubgraph = {
    name,
    ready: true,
    url: `http://127.0.0.1:${port}/graphql`,
    sdl: name === 'contacts' ? CONTACTS_SDL : SALES_SDL,
    seen,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
