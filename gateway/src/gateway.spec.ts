import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, signUserToken } from '@crm/auth';
import { startGateway, type RunningGateway, type StartGatewayOptions } from './gateway';
import { CONFLICTING_SDL, startFakeSubgraph, type FakeSubgraph } from './testing/fake-subgraphs';

jest.setTimeout(30_000);

const JWT_SECRET = 'test-jwt-secret-0123456789abcdef';
const INTERNAL_SECRET = 'test-internal-secret-0123456789';
const silent = pino({ level: 'silent' });

const token = (tenantId = 'tenant-acme', roles = ['sales']) => signUserToken({ tenantId, userId: 'user-1', roles }, JWT_SECRET);

interface GqlResponse {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

async function gql(url: string, query: string, opts: { token?: string | null; headers?: Record<string, string>; variables?: unknown } = {}): Promise<GqlResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const t = opts.token === undefined ? token() : opts.token;
  if (t) headers.authorization = `Bearer ${t}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] };
}

function baseOptions(subgraphs: FakeSubgraph[], overrides: Partial<StartGatewayOptions> = {}): StartGatewayOptions {
  return {
    port: 0,
    host: '127.0.0.1',
    subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl })),
    auth: { jwtSecret: JWT_SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE },
    internalSecret: INTERNAL_SECRET,
    production: false,
    graphiql: true,
    devToken: 'dev-token-for-graphiql',
    limits: { maxDepth: 12, maxAliases: 15, maxCost: 5000 },
    supergraphMode: 'static',
    logger: silent,
    ...overrides,
  };
}

let contacts: FakeSubgraph;
let sales: FakeSubgraph;

beforeAll(async () => {
  contacts = await startFakeSubgraph('contacts', INTERNAL_SECRET);
  sales = await startFakeSubgraph('sales', INTERNAL_SECRET);
});
afterAll(async () => {
  await contacts?.close();
  await sales?.close();
});

describe('gateway with subgraph deduplication off', () => {
  it('sends every identical query', async () => {
    const gw = await startGateway(baseOptions([contacts, sales], { dedupeSubgraphQueries: false }));
    try {
      const before = contacts.seen.filter((r) => r.query.includes('slow')).length;
      await Promise.all(Array.from({ length: 3 }, () => gql(gw.url, '{ slow(ms: 200) }')));
      expect(contacts.seen.filter((r) => r.query.includes('slow')).length - before).toBe(3);
    } finally {
      await gw.stop();
    }
  });
});

describe('gateway (development mode, static supergraph)', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(baseOptions([contacts, sales]));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('joins a contact across both subgraphs', async () => {
    const res = await gql(gw.url, '{ contact(id: "c1") { id name deals { id amount currency } } }');
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ contact: { id: 'c1', name: 'Contact c1', deals: [{ id: 'c1-d1', amount: '1250.00', currency: 'EUR' }] } });
  });

  it('forwards the verified tenant, user and roles to every subgraph', async () => {
    const res = await gql(gw.url, 'query Who { whoami { tenantId userId roles } contact(id: "c2") { tenantId seenByTenant } }', {
      token: token('tenant-globex', ['admin', 'sales']),
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      whoami: { tenantId: 'tenant-globex', userId: 'user-1', roles: ['admin', 'sales'] },
      contact: { tenantId: 'tenant-globex', seenByTenant: 'tenant-globex' },
    });
    const last = sales.seen[sales.seen.length - 1];
    expect(last.context).toEqual({ tenantId: 'tenant-globex', userId: 'user-1', roles: ['admin', 'sales'] });
  });

  it("signs one context per caller and reuses it across that caller's requests (subgraphs verify it once); another caller gets its own", async () => {
    const ask = async (t: string) => {
      await gql(gw.url, '{ contact(id: "c1") { id deals { id } } }', { token: t });
      return sales.seen[sales.seen.length - 1];
    };
    const caller = token('tenant-reuse', ['sales']);
    const first = await ask(caller);
    // A context signed per request would differ after a second (its iat and exp are in seconds).
    await new Promise((r) => setTimeout(r, 1100));
    const again = await ask(caller);
    expect(again.token).toBe(first.token);
    expect(again.context).toEqual({ tenantId: 'tenant-reuse', userId: 'user-1', roles: ['sales'] });
    const other = await ask(token('tenant-reuse-2', ['sales']));
    expect(other.token).not.toBe(first.token);
    expect(other.context).toEqual({ tenantId: 'tenant-reuse-2', userId: 'user-1', roles: ['sales'] });
  });

  it('deduplicates identical subgraph queries in flight for the same caller, never across callers', async () => {
    const slowQueries = () => contacts.seen.filter((r) => r.query.includes('slow')).length;
    const before = slowQueries();
    const same = await Promise.all(Array.from({ length: 5 }, () => gql(gw.url, '{ slow(ms: 300) }')));
    expect(same.map((r) => r.body.data)).toEqual(Array.from({ length: 5 }, () => ({ slow: 'slept 300 ms' })));
    expect(slowQueries() - before).toBe(1);
    // Another tenant, or other roles: not the same caller, so its own fetch.
    await Promise.all([gql(gw.url, '{ slow(ms: 300) }'), gql(gw.url, '{ slow(ms: 300) }', { token: token('tenant-other') }), gql(gw.url, '{ slow(ms: 300) }', { token: token('tenant-acme', ['admin']) })]);
    expect(slowQueries() - before).toBe(4);
  });

  it('propagates the caller trace id with its own span, and the request id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await gql(gw.url, '{ contact(id: "c3") { id deals { id } } }', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-abc-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    for (const sg of [contacts, sales]) {
      const last = sg.seen[sg.seen.length - 1];
      expect(last.requestId).toBe('req-abc-123');
      expect(last.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(last.traceparent).not.toContain('00f067aa0ba902b7');
    }
  });

  it('starts a trace when the client sent none', async () => {
    const before = contacts.seen.length;
    const res = await gql(gw.url, '{ contact(id: "c4") { id } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const seen = contacts.seen.slice(before);
    expect(seen[0].traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen[0].requestId).toBe(res.headers.get('x-request-id'));
  });

  describe('authentication', () => {
    const expectUnauthenticated = (res: GqlResponse, message: RegExp) => {
      expect(res.status).toBe(401);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.errors![0].message).toMatch(message);
    };

    it('rejects an anonymous request', async () => {
      const res = await gql(gw.url, '{ contact(id: "c1") { id } }', { token: null });
      expectUnauthenticated(res, /missing bearer token/);
    });

    it('rejects a token for another audience', async () => {
      const t = signUserToken({ tenantId: 't', userId: 'u', roles: [] }, JWT_SECRET, { audience: 'someone-else' });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: t }), /audience/);
    });

    it('rejects a token from another issuer', async () => {
      const t = signUserToken({ tenantId: 't', userId: 'u', roles: [] }, JWT_SECRET, { issuer: 'evil' });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: t }), /issuer/);
    });

    it('rejects an expired token', async () => {
      const t = jwt.sign({ tid: 't', exp: Math.floor(Date.now() / 1000) - 120 }, JWT_SECRET, {
        subject: 'u',
        issuer: DEFAULT_JWT_ISSUER,
        audience: DEFAULT_JWT_AUDIENCE,
      });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: t }), /token expired/);
    });

    it('rejects a token signed with another key', async () => {
      const t = signUserToken({ tenantId: 't', userId: 'u', roles: [] }, 'another-secret-0123456789abcdef');
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: t }), /signature/);
    });

    it('rejects a token without a tenant', async () => {
      const t = jwt.sign({ roles: [] }, JWT_SECRET, { subject: 'u', issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE, expiresIn: 60 });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: t }), /tenant \(tid claim\)/);
    });

    it('rejects a token without expiry, and alg none', async () => {
      const noExp = jwt.sign({ tid: 't' }, JWT_SECRET, { subject: 'u', issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: noExp }), /expiry/);
      const none = jwt.sign({ tid: 't', sub: 'u', iss: DEFAULT_JWT_ISSUER, aud: DEFAULT_JWT_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' });
      expectUnauthenticated(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: none }), /algorithm "none" is not accepted/);
    });

    it('rejects a malformed Authorization header', async () => {
      const res = await gql(gw.url, '{ contact(id: "c1") { id } }', { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expectUnauthenticated(res, /Bearer <token>/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });
  });

  describe('limits', () => {
    it('rejects a query deeper than maxDepth', async () => {
      let selection = '{ id }';
      for (let i = 0; i < 13; i++) selection = `{ id friend ${selection} }`;
      const before = contacts.seen.length;
      const res = await gql(gw.url, `{ contact(id: "c1") ${selection} }`);
      expect(res.status).toBe(400);
      expect(res.body.errors![0].extensions?.code).toBe('QUERY_TOO_DEEP');
      expect(res.body.errors![0].message).toMatch(/depth limit of 12 exceeded/);
      expect(contacts.seen.length).toBe(before);
    });

    it('accepts a query at the depth limit', async () => {
      let selection = '{ id }';
      for (let i = 0; i < 10; i++) selection = `{ id friend ${selection} }`;
      const res = await gql(gw.url, `{ contact(id: "c1") ${selection} }`);
      expect(res.body.errors).toBeUndefined();
    });

    it('rejects an alias flood', async () => {
      const fields = Array.from({ length: 40 }, (_, i) => `a${i}: contact(id: "${i}") { id }`).join(' ');
      const res = await gql(gw.url, `{ ${fields} }`);
      expect(res.status).toBe(400);
      expect(res.body.errors![0].extensions?.code).toBe('TOO_MANY_ALIASES');
      expect(res.body.errors![0].message).toMatch(/Aliases limit of 15 exceeded/);
    });

    it('rejects a token flood', async () => {
      const fields = Array.from({ length: 2100 }, () => 'id').join(' ');
      const res = await gql(gw.url, `{ contact(id: "c1") { ${fields} } }`);
      expect(res.status).toBe(400);
      expect(res.body.errors![0].message).toMatch(/Token limit of 2000 exceeded/);
      expect(res.body.errors![0].extensions?.code).toBe("TOO_MANY_TOKENS");
    });
  });

  it('allows introspection in development and shows stack traces of unexpected errors', async () => {
    const res = await gql(gw.url, '{ __schema { queryType { name } } }');
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    // GraphiQL's full introspection query passes the depth/cost/token limits.
    const full = await gql(gw.url, getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true }));
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data.__schema.types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['Contact', 'Deal']));
    const boom = await gql(gw.url, '{ boom }');
    expect(boom.body.errors![0].message).toMatch(/password authentication failed/);
  });

  it('serves health on its port and metrics only on the internal metrics listener', async () => {
    const base = new URL(gw.url).origin;
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      subgraphs: [
        { name: 'contacts', status: 'up' },
        { name: 'sales', status: 'up' },
      ],
    });

    await gql(gw.url, 'query ContactName { contact(id: "c1") { name } }');
    await gql(gw.url, 'query ContactName { contact(id: "c1") { name } }', { token: null });
    // Not on the public GraphQL port (issue 6 §8): that port answers 404.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect(new URL(gw.metricsUrl).port).not.toBe(new URL(gw.url).port);
    const metrics = await fetch(gw.metricsUrl);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/crm_gateway_graphql_request_duration_seconds_count\{operation_name="ContactName",operation_type="query",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/crm_gateway_graphql_errors_total\{operation_name="[^"]+",code="UNAUTHENTICATED"\} [1-9]/);
    expect(text).toMatch(/crm_gateway_graphql_errors_total\{operation_name="\(anonymous\)",code="QUERY_TOO_DEEP"\} [1-9]/);
    expect(text).toMatch(/crm_gateway_graphql_errors_total\{operation_name="ContactName",code="UNAUTHENTICATED"\} [1-9]/);
    expect(text).toMatch(/crm_gateway_subgraph_request_duration_seconds_count\{subgraph="sales",outcome="ok"\} [1-9]/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves GraphiQL from local assets with the dev token prefilled', async () => {
    const base = new URL(gw.url).origin;
    const page = await fetch(`${base}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('Bearer dev-token-for-graphiql');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(5);
    for (const u of urls) {
      expect(u.startsWith('/graphiql/assets/')).toBe(true);
      const asset = await fetch(`${base}${u}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(u.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await fetch(`${base}/graphiql/assets/constructor`)).status).toBe(404);

    const redirect = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/graphiql');
  });

  it('never forwarded a context the subgraphs could not verify', () => {
    expect(contacts.rejected).toEqual([]);
    expect(sales.rejected).toEqual([]);
    expect(contacts.seen.length).toBeGreaterThan(0);
  });

  it('answers unknown paths and bad JSON with readable errors', async () => {
    const base = new URL(gw.url).origin;
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const bad = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as GqlResponse['body']).errors![0].message).toMatch(/not valid JSON/);
  });
});

describe('gateway (production mode)', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(baseOptions([contacts, sales], { production: true, graphiql: true }));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('disables introspection', async () => {
    const res = await gql(gw.url, '{ __schema { queryType { name } } }');
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors![0].message).toMatch(/introspection is not allowed/i);
    expect(res.body.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('masks unexpected errors and sends no stack trace', async () => {
    const res = await gql(gw.url, '{ boom }');
    expect(res.body.errors).toHaveLength(1);
    const [error] = res.body.errors!;
    expect(error.message).toBe('Internal server error');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(res.body)).not.toMatch(/password|stacktrace|at .*\.ts/);
  });

  it('keeps client errors readable', async () => {
    const res = await gql(gw.url, '{ contact(id: "c1") { nope } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(res.body.errors![0].message).toMatch(/Cannot query field "nope"/);
    const anon = await gql(gw.url, '{ contact(id: "c1") { id } }', { token: null });
    expect(anon.body.errors![0]).toEqual({ message: expect.stringMatching(/missing bearer token/), extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('serves no GraphiQL', async () => {
    const base = new URL(gw.url).origin;
    expect((await fetch(`${base}/graphiql`)).status).toBe(404);
  });
});

describe('rate limits', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(baseOptions([contacts, sales], { rateLimits: { perUser: 100, perIp: 1000, windowMs: 60_000 } }));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers 150 back-to-back requests of one user: 100 pass, then 429 with Retry-After and RateLimit headers; another user is unaffected', async () => {
    const alice = signUserToken({ tenantId: 'tenant-rl', userId: 'alice', roles: [] }, JWT_SECRET);
    const results: GqlResponse[] = [];
    for (let i = 0; i < 150; i++) results.push(await gql(gw.url, '{ contact(id: "c1") { id } }', { token: alice }));
    const statuses = results.map((r) => r.status);
    expect(statuses.slice(0, 100)).toEqual(Array(100).fill(200));
    expect(statuses.slice(100)).toEqual(Array(50).fill(429));

    const ok = results[0];
    expect(ok.headers.get('ratelimit')).toMatch(/"user"; r=99; t=\d+/);
    expect(ok.headers.get('ratelimit-policy')).toMatch(/"user"; q=100; w=60/);
    expect(ok.headers.get('ratelimit-policy')).toMatch(/"ip"; q=1000; w=60/);

    const refused = results[149];
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toMatch(/"user"; r=0; t=\d+/);
    expect(refused.body.errors).toEqual([
      {
        message: expect.stringMatching(/^Rate limit exceeded: more than 100 requests in 60 s \(user\); retry after \d+ s$/),
        extensions: { code: 'TOO_MANY_REQUESTS', policy: 'user', retryAfter: Number(refused.headers.get('retry-after')) },
      },
    ]);

    // Same IP, same tenant, another user: unaffected. Same user id in another tenant: unaffected.
    const bob = await gql(gw.url, '{ contact(id: "c1") { id } }', { token: signUserToken({ tenantId: 'tenant-rl', userId: 'bob', roles: [] }, JWT_SECRET) });
    expect(bob.status).toBe(200);
    expect(bob.body.data).toEqual({ contact: { id: 'c1' } });
    const otherTenant = await gql(gw.url, '{ contact(id: "c1") { id } }', { token: signUserToken({ tenantId: 'tenant-other', userId: 'alice', roles: [] }, JWT_SECRET) });
    expect(otherTenant.status).toBe(200);

    const metrics = await (await fetch(gw.metricsUrl)).text();
    expect(metrics).toMatch(/crm_gateway_rate_limited_total\{policy="user"\} 50/);
  });

  it('limits per IP too, whether or not the request is signed in', async () => {
    const strict = await startGateway(baseOptions([contacts, sales], { rateLimits: { perUser: 1000, perIp: 20, windowMs: 60_000 } }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await gql(strict.url, '{ contact(id: "c1") { id } }', { token: i % 2 ? null : token('tenant-ip', []) })).status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(10);
      const refused = await gql(strict.url, '{ contact(id: "c1") { id } }', { token: token('tenant-ip-2', []) });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.body.errors![0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', policy: 'ip' });
      // health is not GraphQL traffic: never limited
      expect((await fetch(`${new URL(strict.url).origin}/health/live`)).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});

/** A port nothing listens on: a subgraph that is down. */
async function deadUrl(): Promise<string> {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return `http://127.0.0.1:${deadPort}/graphql`;
}

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) };
}

describe('outages answered honestly', () => {
  it.each([false, true])('a subgraph that is down: the rest of the query answers; its fields carry SERVICE_UNAVAILABLE naming the module, no address (production=%s)', async (production) => {
    const url = await deadUrl();
    const opts = baseOptions([contacts, sales], { production, graphiql: false });
    opts.subgraphs[1] = { ...opts.subgraphs[1], url };
    const { lines, logger } = capturingLogger();
    const gw = await startGateway({ ...opts, logger });
    try {
      const res = await gql(gw.url, '{ contact(id: "c1") { id name } topDeal { id amount } }');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ contact: { id: 'c1', name: 'Contact c1' }, topDeal: null });
      expect(res.body.errors).toEqual([
        {
          message: 'The sales module is unavailable; the fields it provides are missing. Retry later.',
          path: ['topDeal'],
          extensions: { code: 'SERVICE_UNAVAILABLE', service: 'sales', serviceName: 'sales', reason: 'SUBGRAPH_UNREACHABLE', retryable: true },
        },
      ]);

      // A field sales adds to contacts' entity: the error sits on that field (non-null, so the contact is null).
      const joined = await gql(gw.url, '{ contact(id: "c1") { id deals { id } } }');
      expect(joined.body.data).toEqual({ contact: null });
      expect(joined.body.errors).toEqual([expect.objectContaining({ path: ['contact', 'deals'], extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', service: 'sales' }) })]);

      for (const body of [res.body, joined.body]) expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\/|ECONNREFUSED|stacktrace/);
      // The operator gets the address and the cause in the log.
      expect(lines.some((l) => l.includes('subgraph \\"sales\\" is unavailable (unreachable)') && l.includes(url) && l.includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await gw.stop();
    }
  });

  it.each([
    ['never answers (SUBGRAPH_TIMEOUT_MS)', 'SUBGRAPH_TIMEOUT', 'The sales module is unavailable: it did not answer in time; the fields it provides are missing. Retry later.', /no answer from .* within 300 ms/],
    ['is behind a proxy that answers 502 with a page', 'SUBGRAPH_UNAVAILABLE', 'The sales module is unavailable; the fields it provides are missing. Retry later.', /HTTP 502 from .*: <html>bad gateway/],
    ['is behind a proxy that answers 200 with a page', 'SUBGRAPH_UNAVAILABLE', 'The sales module is unavailable; the fields it provides are missing. Retry later.', /HTTP 200 from .*: not a GraphQL answer \(text\/html\): <html>sign in/],
  ])('a subgraph that %s: its fields carry %s, the rest answers, the log has the cause', async (situation, reason, message, detail) => {
    // Answers with a page for "a proxy", else holds the request open until the test ends.
    const held: http.ServerResponse[] = [];
    const proxy = reason === 'SUBGRAPH_UNAVAILABLE';
    const status = situation.includes('502') ? 502 : 200;
    const stuck = http.createServer((req, res) => {
      req.resume();
      if (proxy) res.writeHead(status, { 'content-type': 'text/html' }).end(status === 502 ? '<html>bad gateway</html>' : '<html>sign in</html>');
      else held.push(res);
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    const opts = baseOptions([contacts, sales], { subgraphTimeoutMs: 300 });
    opts.subgraphs[1] = { ...opts.subgraphs[1], url: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/graphql` };
    const { lines, logger } = capturingLogger();
    const gw = await startGateway({ ...opts, logger });
    try {
      const res = await gql(gw.url, '{ contact(id: "c1") { id } topDeal { id } }');
      expect(res.body.data).toEqual({ contact: { id: 'c1' }, topDeal: null });
      expect(res.body.errors).toEqual([{ message, path: ['topDeal'], extensions: { code: 'SERVICE_UNAVAILABLE', service: 'sales', serviceName: 'sales', reason, retryable: true } }]);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.subgraph === 'sales');
      expect(logged).toMatchObject({ level: 40, kind: proxy ? 'unavailable' : 'timeout', detail: expect.stringMatching(detail) });
      const metrics = await (await fetch(gw.metricsUrl)).text();
      expect(metrics).toMatch(new RegExp(`crm_gateway_subgraph_request_duration_seconds_count\\{subgraph="sales",outcome="${!proxy ? 'timeout' : status === 502 ? 'http_502' : 'ok'}"\\} 1`));
    } finally {
      await gw.stop();
      for (const r of held) r.destroy();
      await new Promise<void>((resolve) => stuck.close(() => resolve()));
    }
  });

  it("a subgraph's own GraphQL errors on a 4xx answer reach the client as that subgraph's errors, not as an outage", async () => {
    const refusing = http.createServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/graphql-response+json' }).end(JSON.stringify({ errors: [{ message: 'Variable "$x" got invalid value', extensions: { code: 'BAD_USER_INPUT' } }] }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const opts = baseOptions([contacts, sales]);
    opts.subgraphs[1] = { ...opts.subgraphs[1], url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/graphql` };
    const gw = await startGateway(opts);
    try {
      const res = await gql(gw.url, '{ contact(id: "c1") { id } topDeal { id } }');
      expect(res.body.data).toEqual({ contact: { id: 'c1' }, topDeal: null });
      expect(res.body.errors).toEqual([expect.objectContaining({ message: 'Variable "$x" got invalid value', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', serviceName: 'sales' }) })]);
    } finally {
      await gw.stop();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('readiness reports each subgraph; 503 while one is down or not ready', async () => {
    const url = await deadUrl();
    const opts = baseOptions([contacts, sales], { subgraphHealthCacheMs: 0 });
    opts.subgraphs[1] = { ...opts.subgraphs[1], url };
    const gw = await startGateway(opts);
    const base = new URL(gw.url).origin;
    try {
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready: sales down',
        subgraphs: [
          { name: 'contacts', status: 'up' },
          { name: 'sales', status: 'down', reason: 'unreachable (ECONNREFUSED)' },
        ],
      });
      // For load balancers that should keep routing while a module is down.
      const optional = await fetch(`${base}/health/ready?subgraphs=optional`);
      expect(optional.status).toBe(200);
      expect(await optional.json()).toMatchObject({ status: 'ready, degraded: sales down' });
      contacts.ready = false;
      const both = (await (await fetch(`${base}/health/ready`)).json()) as { subgraphs: unknown[] };
      expect(both.subgraphs[0]).toEqual({ name: 'contacts', status: 'down', reason: 'not ready (its /health/ready answered 503)' });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
    } finally {
      contacts.ready = true;
      await gw.stop();
    }
  });

  it('GATEWAY_INTERNAL_SECRET mismatch: the client gets an error naming the module that does not trust the gateway; the gateway logs the mismatch, never the secret', async () => {
    const otherSecret = 'a-different-internal-secret-0123456789';
    const distrustful = await startFakeSubgraph('sales', otherSecret);
    const { lines, logger } = capturingLogger();
    const gw = await startGateway({ ...baseOptions([contacts, distrustful], { production: true, graphiql: false, subgraphHealthCacheMs: 0 }), logger });
    try {
      const res = await gql(gw.url, '{ contact(id: "c1") { id } topDeal { id } }');
      expect(res.body.data).toEqual({ contact: { id: 'c1' }, topDeal: null });
      expect(res.body.errors).toEqual([
        {
          message: expect.stringMatching(/^The sales module is unavailable: it does not trust this gateway \(their GATEWAY_INTERNAL_SECRET settings differ\)/),
          path: ['topDeal'],
          extensions: { code: 'SERVICE_UNAVAILABLE', service: 'sales', serviceName: 'sales', reason: 'GATEWAY_NOT_TRUSTED' },
        },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/401: Unauthorized|127\.0\.0\.1/);
      const logged = lines.filter((l) => l.includes('GATEWAY_INTERNAL_SECRET mismatch'));
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0])).toMatchObject({ level: 50, subgraph: 'sales', kind: 'untrusted', detail: expect.stringMatching(/^HTTP 401 from .*invalid signature/) });
      expect(lines.join('\n')).not.toContain(INTERNAL_SECRET);
      expect(lines.join('\n')).not.toContain(otherSecret);

      const ready = await fetch(`${new URL(gw.url).origin}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { subgraphs: unknown[] }).subgraphs).toEqual([
        { name: 'contacts', status: 'up' },
        { name: 'sales', status: 'down', reason: 'rejects the gateway (GATEWAY_INTERNAL_SECRET differs)' },
      ]);
    } finally {
      await gw.stop();
      await distrustful.close();
    }
  });
});

describe('gateway start and stop', () => {
  it('fails to start when the subgraphs do not compose, naming the problem', async () => {
    const opts = baseOptions([contacts], {});
    opts.subgraphs.push({ name: 'sales', url: sales.url, sdl: CONFLICTING_SDL });
    await expect(startGateway(opts)).rejects.toThrow(/gateway cannot start: supergraph composition failed[\s\S]*Contact\.name[\s\S]*"contacts"[\s\S]*"sales"/);
  });

  it('fails to start in static mode when a subgraph has no SDL', async () => {
    const opts = baseOptions([contacts]);
    opts.subgraphs.push({ name: 'support', url: 'http://127.0.0.1:1/graphql' });
    await expect(startGateway(opts)).rejects.toThrow(/missing for: support/);
  });

  it('composes by introspection in development, using a service context', async () => {
    const before = contacts.seen.length;
    const gw = await startGateway(baseOptions([contacts, sales], { supergraphMode: 'introspect', introspectPollMs: 0 }));
    try {
      const introspections = contacts.seen.slice(before).filter((s) => 'service' in s.context);
      expect(introspections.length).toBeGreaterThan(0);
      const res = await gql(gw.url, '{ contact(id: "c9") { id deals { id } } }');
      expect(res.body.data).toEqual({ contact: { id: 'c9', deals: [{ id: 'c9-d1' }] } });
    } finally {
      await gw.stop();
    }
    expect(contacts.rejected).toEqual([]);
    expect(sales.rejected).toEqual([]);
  });

  it('refuses introspect mode in production', async () => {
    await expect(startGateway(baseOptions([contacts], { production: true, supergraphMode: 'introspect' }))).rejects.toThrow(/development only/);
  });

  it('stops gracefully: in-flight requests finish, then the port closes', async () => {
    const gw = await startGateway(baseOptions([contacts, sales]));
    const before = contacts.seen.length;
    const inflight = gql(gw.url, '{ slow(ms: 300) }');
    while (contacts.seen.length === before) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await gw.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    const res = await inflight;
    expect(res.body).toEqual({ data: { slow: 'slept 300 ms' } });
    await expect(fetch(`${new URL(gw.url).origin}/health/live`)).rejects.toThrow();
    await gw.stop(); // idempotent
  });
});
