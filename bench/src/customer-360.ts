/**
 * Customer-360 through our gateway vs Hive Gateway (`@graphql-hive/gateway`), over the same
 * supergraph and the same Postgres-backed subgraphs (contacts, sales, marketing), plus the
 * contact-only query through each gateway vs direct to the contacts subgraph — and through a bare
 * hop (auth and one forwarded HTTP request, no GraphQL: the floor of any Node gateway here) — and
 * the database transactions each request costs. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/customer-360.ts [contacts=2000] [concurrency=32] [seconds=10] [rounds=3]
 * Seeding takes minutes on a busy machine; to compare two checkouts on the same data, seed once and
 * pass the schemas to each run (they are then kept):
 *   node -r @swc-node/register bench/src/customer-360.ts seed 2000     # prints BENCH_SCHEMAS=…
 *   BENCH_SCHEMAS=contacts:…,sales:…,marketing:… node -r @swc-node/register bench/src/customer-360.ts 2000 32 10 2
 *
 * Processes: the three subgraphs share one child process (as in `pnpm start`), each gateway (and the
 * bare hop) has its own, and this process only generates load, so a gateway's CPU per request is
 * measured apart.
 *
 * Auth, identical on both gateways: the client sends `Authorization: Bearer <HS256 user token>`;
 * the gateway verifies it with the same `TokenVerifier` (@crm/gateway, KeyObject made once, a token
 * remembered until it expires), takes the caller's signed internal context from `signedContextOf`
 * (@crm/gateway: one per caller, re-signed every 30 s) and sends it as `x-crm-context` on every
 * subgraph fetch. Ours does it in its request middleware and
 * SubgraphDataSource; Hive's through a plugin (onContextBuilding + onFetch) below. In-flight
 * deduplication of subgraph fetches is off on both (Hive: `deduplicateInflightRequests: false`). Rate limits
 * are off on ours (the bench is one user).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { Pool } from 'pg';
import { INTERNAL_CONTEXT_HEADER, signInternalContext, signUserToken, type RequestContext } from '@crm/auth';
import { freshSchema, recordStatements, serviceTestEnv, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniqueId } from '@crm/testing';
import { ask, closedLoop, post, startBenchGateway } from './load';
import { cpuMeter, env } from './stats';

const TENANT = 'bench360';
const USER: RequestContext = { tenantId: TENANT, userId: 'bench', roles: ['admin'] };

export const CUSTOMER_360 = `query Customer360($id: ID!) { contact(id: $id) {
  id displayName email preferredChannels consents { channel granted }
  deals(first: 10) { totalCount edges { node { title status amount { amount currency } stage { name } } } }
  orders(first: 10) { edges { node { number channel total { amount currency } } } }
  lifetimeValue { amount currency }
  timelineEntries(first: 10) { edges { node { kind summary occurredAt sourceModule } } }
  leadScore segments { name }
} }`;
export const CONTACT_ONLY = `query ContactOnly($id: ID!) { contact(id: $id) { id displayName email } }`;

type Msg = { kind: string; [k: string]: any };

// ---------------------------------------------------------------- child: the three subgraphs
async function runSubgraphs(envs: Record<string, NodeJS.ProcessEnv>) {
  const { startService, requestStore } = await import('@crm/platform');
  const { contactsService } = await import('@crm/contacts');
  const { salesService } = await import('@crm/sales');
  const { marketingService } = await import('@crm/marketing');
  const defs = { contacts: contactsService, sales: salesService, marketing: marketingService };
  const started: Awaited<ReturnType<typeof startService>>[] = [];
  // Transactions and statements run on behalf of GraphQL requests (relay, consumers, schedulers
  // excluded), counted only: the load must not hold every statement.
  const recorders: ReturnType<typeof recordStatements>[] = [];
  const counts = () => ({
    transactions: recorders.reduce((n, r) => n + r.counts.transactions, 0),
    statements: recorders.reduce((n, r) => n + r.counts.statements, 0),
    roundTrips: recorders.reduce((n, r) => n + r.counts.roundTrips, 0),
  });
  for (const [name, def] of Object.entries(defs)) {
    const svc = await startService(def as any, { env: envs[name] });
    recorders.push(recordStatements(svc.dataSource, () => !!requestStore.getStore(), { keep: false }));
    started.push(svc);
  }
  process.on('message', async (m: Msg) => {
    if (m.kind === 'counts') process.send!({ kind: 'counts', ...counts(), cpu: process.cpuUsage() });
    if (m.kind === 'stop') {
      for (const s of started.reverse()) await s.stop();
      process.send!({ kind: 'stopped' });
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', subgraphs: started.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl() })) });
}

// ---------------------------------------------------------------- child: our gateway
async function runOurs(subgraphs: { name: string; url: string; sdl: string }[]) {
  const gw = await startBenchGateway(subgraphs, process.env.BENCH_DEDUP === 'on');
  serveCpu();
  process.on('message', async (m: Msg) => {
    if (m.kind === 'stop') {
      await gw.stop();
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', url: gw.url });
}

// ---------------------------------------------------------------- child: Hive Gateway
async function runHive(subgraphs: { name: string; url: string; sdl: string }[]) {
  // Loaded untyped: its declarations augment graphql's GraphQLErrorExtensions (http.headers as a
  // plain record) for the whole type-checked program, which breaks the gateway's Apollo HeaderMap.
  const hivePackage: string = '@graphql-hive/gateway';
  const { createGatewayRuntime } = (await import(hivePackage)) as { createGatewayRuntime: (config: unknown) => any };
  const { composeSupergraph, TokenVerifier, signedContextOf } = await import('@crm/gateway');
  const verifier = new TokenVerifier({ jwtSecret: TEST_JWT_SECRET, issuer: 'crm', audience: 'crm-api' });
  const runtime = createGatewayRuntime({
    supergraph: composeSupergraph(subgraphs),
    logging: 'error',
    // Its HTTP transport deduplicates identical in-flight subgraph queries by default; off, as on ours.
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    plugins: () => [
      {
        // Same work as ours: the same verifier (tokens remembered until they expire) and one signed context per caller, reused for 30 s.
        async onContextBuilding({ context, extendContext }: any) {
          const auth = await verifier.verifyAuthorizationHeader(context.request.headers.get('authorization') ?? undefined);
          extendContext({ crmAuth: auth });
        },
        onFetch({ context, options, setOptions }: any) {
          if (!context?.crmAuth) return;
          setOptions({ ...options, headers: { ...options.headers, [INTERNAL_CONTEXT_HEADER]: signedContextOf(context.crmAuth, TEST_INTERNAL_SECRET) } });
        },
      },
    ],
  });
  await serveChild(createServer(runtime), () => (runtime as any).dispose?.());
}

// ---------------------------------------------------------------- child: the floor of a gateway's hop
/**
 * What any Node gateway pays at least for the contact-only hop on these cores: per request the same
 * auth work as both gateways (the user token verified, the caller's signed context attached), then
 * the request body forwarded byte for byte to the contacts subgraph over undici (the client our
 * gateway uses, keep-alive) and the subgraph's bytes sent back — no GraphQL parsing, validation,
 * planning or result shaping. Not a gateway (it cannot join subgraphs): a lower bound for one.
 */
async function runBare(subgraphs: { name: string; url: string; sdl: string }[]) {
  const { Agent, request } = await import('undici');
  const { TokenVerifier, signedContextOf } = await import('@crm/gateway');
  const verifier = new TokenVerifier({ jwtSecret: TEST_JWT_SECRET, issuer: 'crm', audience: 'crm-api' });
  const contacts = subgraphs.find((s) => s.name === 'contacts')!.url;
  const dispatcher = new Agent();
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const auth = await verifier.verifyAuthorizationHeader(req.headers.authorization);
      const answer = await request(contacts, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signedContextOf(auth, TEST_INTERNAL_SECRET) },
        body: Buffer.concat(chunks),
        dispatcher,
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
    }
  });
  await serveChild(server, () => dispatcher.close());
}

/** A child's HTTP server on a free port: keep-alive, CPU on request, `dispose` at stop, then ready with its URL. */
async function serveChild(server: Server, dispose: () => Promise<unknown>) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  server.keepAliveTimeout = 65_000;
  serveCpu();
  process.on('message', async (m: Msg) => {
    if (m.kind === 'stop') {
      server.closeAllConnections();
      server.close();
      await dispose();
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', url: `http://127.0.0.1:${(server.address() as any).port}/graphql` });
}

function serveCpu() {
  process.on('message', (m: Msg) => {
    if (m.kind === 'cpu') process.send!({ kind: 'cpu', cpu: process.cpuUsage() });
  });
}

// ---------------------------------------------------------------- parent
function child(role: string, payload: unknown): Promise<{ proc: ChildProcess; ready: Msg }> {
  const proc = fork(__filename, [role], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    proc.on('message', (m: Msg) => {
      if (m.kind === 'ready') resolve({ proc, ready: m });
    });
    proc.send({ kind: 'start', payload });
  });
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

async function must(url: string, headers: Record<string, string>, query: string, variables: unknown = {}) {
  const body = await post(url, headers, query, variables);
  if (body.errors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

/** customer-360 (or the contact-only query) for a random seeded contact per request. */
function load(url: string, headers: Record<string, string>, query: string, ids: string[], concurrency: number, seconds: number) {
  return closedLoop(concurrency, seconds, async () => {
    const body = await post(url, headers, query, { id: ids[Math.floor(Math.random() * ids.length)] });
    return body.errors?.length || !body.data?.contact ? JSON.stringify(body.errors ?? body) : undefined;
  });
}

async function seed(urls: Record<string, string>, contacts: number, pool: Pool, schemas: Record<string, string>) {
  const h = { [INTERNAL_CONTEXT_HEADER]: signInternalContext(USER, TEST_INTERNAL_SECRET, 3600) };
  const csv = ['firstName,lastName,email,phone', ...Array.from({ length: contacts }, (_, i) => `Ada${i},Bench${i},c${i}@bench360.example,+4930${String(1000000 + i)}`)].join('\n');
  const imported = (await must(urls.contacts, h, `mutation($c: String!) { importContactsCsv(csv: $c) { created } }`, { c: csv })).importContactsCsv;
  const waitFor = async (what: string, sql: string, n: number) => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const got = (await pool.query(sql, [TENANT])).rows[0].n as number;
      if (got >= n) return;
      if (Date.now() > deadline) throw new Error(`${what}: ${got} of ${n}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await waitFor('sales replica', `SELECT count(*)::int AS n FROM "${schemas.sales}".contact_replica WHERE tenant_id = $1`, contacts);
  // Two deals per contact, then one order each: the 360 shows deals, orders, lifetime value, and the
  // timeline entries contacts projects from sales' events.
  // In chunks: one import of 4,000 deals outlives fetch's 5-minute header timeout on a busy machine.
  for (let from = 0; from < contacts * 2; from += 250) {
    const rows = Array.from({ length: Math.min(250, contacts * 2 - from) }, (_, k) => from + k);
    const deals = ['title,amount,currency,contactEmail', ...rows.map((i) => `Deal ${i},${100 + (i % 900)}.00,EUR,c${i % contacts}@bench360.example`)].join('\n');
    await must(urls.sales, h, `mutation($c: String!) { importDealsCsv(csv: $c) { created } }`, { c: deals });
  }
  const ids: string[] = (await pool.query(`SELECT id::text FROM "${schemas.contacts}".contacts WHERE tenant_id = $1`, [TENANT])).rows.map((r) => r.id);
  await placeOrders(urls.sales, ids);
  await waitFor('timeline', `SELECT count(DISTINCT contact_id)::int AS n FROM "${schemas.contacts}".interactions WHERE tenant_id = $1`, contacts);
  return { imported: imported.created, ids };
}

/**
 * Waits until the seed's events have all been handled — every outbox published and no inbox growing
 * for 3 s — so the measured rounds never share the cores with consumers still catching up (marketing
 * scores and segments every deal and order). Returns the seconds waited.
 */
async function settled(pool: Pool, schemas: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const sql = Object.values(schemas)
    .map((s) => `SELECT (SELECT count(*) FROM "${s}".outbox WHERE published_at IS NULL) AS unpublished, (SELECT count(*) FROM "${s}".inbox) AS handled`)
    .join(' UNION ALL ');
  let last = '';
  let stableSince = performance.now();
  for (;;) {
    const rows = (await pool.query(sql)).rows as { unpublished: string; handled: string }[];
    const now = JSON.stringify(rows);
    if (now !== last) stableSince = performance.now();
    last = now;
    if (rows.every((r) => Number(r.unpublished) === 0) && performance.now() - stableSince >= 3000) return +((performance.now() - t0) / 1000).toFixed(1);
    if (performance.now() - t0 > 600_000) throw new Error(`the seed's events did not settle in 10 minutes: ${now}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One order per contact (8 at a time). */
async function placeOrders(salesUrl: string, contactIds: string[]) {
  const h = { [INTERNAL_CONTEXT_HEADER]: signInternalContext(USER, TEST_INTERNAL_SECRET, 3600) };
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < contactIds.length) {
        const contactId = contactIds[next++];
        await must(salesUrl, h, `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, {
          i: { contactId, channel: 'WEB_SHOP', currency: 'EUR', lines: [{ description: 'Widget', quantity: '2', unitPrice: '25.00', taxRate: '19' }] },
        });
      }
    }),
  );
}

async function main() {
  const databaseUrl = env('DATABASE_URL');
  env('KAFKA_BROKERS');
  const concurrency = Number(process.argv[3] ?? 32);
  const seconds = Number(process.argv[4] ?? 10);
  const rounds = Number(process.argv[5] ?? 3);
  const seedOnly = process.argv[2] === 'seed';
  const contacts = Number(process.argv[seedOnly ? 3 : 2] ?? 2000);
  const prefix = `${uniqueId('c360')}.`;
  const given = process.env.BENCH_SCHEMAS ? (Object.fromEntries(process.env.BENCH_SCHEMAS.split(',').map((kv) => kv.split(':'))) as Record<'contacts' | 'sales' | 'marketing', string>) : undefined;
  const fresh = given ? undefined : { contacts: await freshSchema('c360_contacts'), sales: await freshSchema('c360_sales'), marketing: await freshSchema('c360_marketing') };
  const schemas = given ?? { contacts: fresh!.contacts.schema, sales: fresh!.sales.schema, marketing: fresh!.marketing.schema };
  const envs = Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, { ...serviceTestEnv(s, prefix), DB_POOL_SIZE: '10', LOG_LEVEL: 'warn' }]));
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const procs: ChildProcess[] = [];
  try {
    const sub = await child('subgraphs', envs);
    procs.push(sub.proc);
    const subgraphs = sub.ready.subgraphs as { name: string; url: string; sdl: string }[];
    const urls = Object.fromEntries(subgraphs.map((s) => [s.name, s.url]));
    const t0 = performance.now();
    let ids = given ? [] : (await seed(urls, contacts, pool, schemas)).ids;
    if (given) {
      // Reused data (perhaps seeded only in part on a busy machine): the contacts that have deals, orders and a timeline.
      if (seedOnly) await placeOrders(urls.sales, (await pool.query(`SELECT DISTINCT contact_id::text AS id FROM "${schemas.sales}".deals WHERE tenant_id = $1 AND contact_id NOT IN (SELECT contact_id FROM "${schemas.sales}".orders)`, [TENANT])).rows.map((r) => r.id));
      ids = (
        await pool.query(
          `SELECT DISTINCT o.contact_id::text AS id FROM "${schemas.sales}".orders o JOIN "${schemas.sales}".deals d ON d.contact_id = o.contact_id JOIN "${schemas.contacts}".interactions i ON i.contact_id = o.contact_id WHERE o.tenant_id = $1`,
          [TENANT],
        )
      ).rows.map((r) => r.id as string);
    }
    const seedSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    const settleSeconds = await settled(pool, schemas);
    if (seedOnly) {
      console.log(`BENCH_SCHEMAS=${Object.entries(schemas).map(([k, v]) => `${k}:${v}`).join(',')}`);
      return;
    }

    const ours = await child('ours', subgraphs);
    const hive = await child('hive', subgraphs);
    const bare = await child('bare', subgraphs);
    procs.push(ours.proc, hive.proc, bare.proc);
    const token = signUserToken(USER, TEST_JWT_SECRET, { expiresIn: 3600 });
    const bearer = { authorization: `Bearer ${token}` };
    const direct = { [INTERNAL_CONTEXT_HEADER]: signInternalContext(USER, TEST_INTERNAL_SECRET, 3600) };
    // Same answer from both (and a warm-up: JIT, plan caches, pools).
    const a = await must(ours.ready.url, bearer, CUSTOMER_360, { id: ids[0] });
    const b = await must(hive.ready.url, bearer, CUSTOMER_360, { id: ids[0] });
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the gateways disagree:\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    if (!a.contact.deals.edges.length || !a.contact.orders.edges.length || !a.contact.timelineEntries.edges.length) throw new Error(`seed incomplete: ${JSON.stringify(a)}`);
    for (const g of [ours, hive]) await load(g.ready.url, bearer, CUSTOMER_360, ids, concurrency, 3);
    await load(urls.contacts, direct, CONTACT_ONLY, ids, concurrency, 2);
    await load(bare.ready.url, bearer, CONTACT_ONLY, ids, concurrency, 2);

    const rows: Record<string, unknown>[] = [];
    /**
     * One measured load: its figures and, per request, the subgraphs' transactions, statements, round trips and
     * CPU, the gateway's CPU (when one is in the path) and, if asked, the database's.
     */
    const measured = async (round: number, bench: string, run: () => ReturnType<typeof load>, gateway: ChildProcess | undefined, withDb: boolean) => {
      const snapshot = async () => ({ sub: await ask<Msg>(sub.proc, 'counts'), gw: gateway ? await ask<Msg>(gateway, 'cpu') : undefined });
      const before = await snapshot();
      // Database CPU: the backends of the three subgraphs' logins (one per schema).
      const db = withDb ? await cpuMeter(Object.values(schemas)) : undefined;
      const m = await run();
      const dbCpuSeconds = (await db?.stop())?.dbCpuSeconds;
      const after = await snapshot();
      const per = (x: number) => +(x / m.requests).toFixed(2);
      rows.push({
        round,
        bench,
        ...m,
        txPerRequest: per(after.sub.transactions - before.sub.transactions),
        statementsPerRequest: per(after.sub.statements - before.sub.statements),
        roundTripsPerRequest: per(after.sub.roundTrips - before.sub.roundTrips),
        ...(gateway ? { gatewayCpuMsPerRequest: per(cpuMs(after.gw!.cpu) - cpuMs(before.gw!.cpu)) } : {}),
        subgraphCpuMsPerRequest: per(cpuMs(after.sub.cpu) - cpuMs(before.sub.cpu)),
        ...(dbCpuSeconds === undefined ? {} : { dbCpuMsPerRequest: per(dbCpuSeconds * 1000) }),
      });
      console.error(JSON.stringify(rows.at(-1)));
    };
    for (let r = 1; r <= rounds; r++) {
      const loads: (() => Promise<void>)[] = [
        ...([['ours', ours], ['hive', hive]] as const).map(
          ([name, g]) =>
            () =>
              measured(r, `customer-360 via ${name}`, () => load(g.ready.url, bearer, CUSTOMER_360, ids, concurrency, seconds), g.proc, true),
        ),
        // Where the contact-only ratio goes: the gateway's CPU per request against the subgraph's own.
        () => measured(r, 'contact-only via ours', () => load(ours.ready.url, bearer, CONTACT_ONLY, ids, concurrency, seconds), ours.proc, false),
        // The same hop through Hive Gateway: what a federation gateway costs on these shared cores.
        () => measured(r, 'contact-only via hive', () => load(hive.ready.url, bearer, CONTACT_ONLY, ids, concurrency, seconds), hive.proc, false),
        // The floor under both: auth and one forwarded HTTP request, no GraphQL (runBare).
        () => measured(r, 'contact-only via bare hop', () => load(bare.ready.url, bearer, CONTACT_ONLY, ids, concurrency, seconds), bare.proc, false),
        () => measured(r, 'contact-only direct', () => load(urls.contacts, direct, CONTACT_ONLY, ids, concurrency, seconds), undefined, false),
      ];
      // Every other round in the reverse order, so neither side of a ratio is always measured first
      // (on a noisy machine the first load of a round was not the same as the last).
      for (const run of r % 2 ? loads : loads.reverse()) await run();
    }
    const mean = (bench: string, key: string) => {
      const xs = rows.filter((x) => x.bench === bench).map((x) => x[key] as number);
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    console.log(
      JSON.stringify({
        bench: 'customer-360',
        contacts,
        concurrency,
        seconds,
        rounds,
        seedSeconds,
        settleSeconds,
        oursOverHive: +(mean('customer-360 via ours', 'rps') / mean('customer-360 via hive', 'rps')).toFixed(2),
        gatewayOverDirect: +(mean('contact-only via ours', 'rps') / mean('contact-only direct', 'rps')).toFixed(2),
        hiveOverDirect: +(mean('contact-only via hive', 'rps') / mean('contact-only direct', 'rps')).toFixed(2),
        bareHopOverDirect: +(mean('contact-only via bare hop', 'rps') / mean('contact-only direct', 'rps')).toFixed(2),
        rows,
      }),
    );
  } finally {
    for (const p of procs.reverse()) {
      const gone = new Promise((r) => p.once('exit', r));
      p.send({ kind: 'stop' });
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (p.exitCode === null) p.kill();
    }
    await pool.end();
    if (fresh && !seedOnly) for (const f of Object.values(fresh)) await f.drop();
  }
}

const role = process.argv[2];
const roles: Record<string, (payload: any) => Promise<void>> = { subgraphs: runSubgraphs, ours: runOurs, hive: runHive, bare: runBare };
if (roles[role]) {
  process.once('message', (m: Msg) => {
    const run = roles[role];
    run(m.payload as any).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
