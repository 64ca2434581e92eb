/**
 * The contacts list at scale: `contacts(first: 50)` with each contact's deals and lifetime value,
 * through our gateway over the Postgres-backed contacts and sales subgraphs, with stale and with
 * fresh planner statistics. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/contacts-list.ts [contacts=100000] [concurrency=8] [seconds=10] [rounds=1]
 *   BENCH_KEEP=1 …    keeps the schemas (to look at plans by hand)
 *   BENCH_PLANS=1 …   also prints the plans (EXPLAIN ANALYZE, BUFFERS) of every statement of one list request to stderr
 *
 * Seeding: straight SQL as the admin login into the services' schemas (`session_replication_role =
 * replica`: no audit triggers, no outbox rows, no events — nothing else reads them here): N contacts
 * with an email, a phone and a consent in the measured tenant, N/4 in another tenant (so the
 * row-level-security predicate has something to exclude), one deal per contact in sales (every third
 * won: the lifetime value). Autovacuum is off on the seeded tables for the whole run.
 *
 * "Stale": the planner's statistics of both schemas wiped (pg_statistic rows deleted, reltuples
 * -1): what it knows of tables that were never ANALYZEd — a new installation or schema after a bulk
 * import, until autovacuum comes round (it then guesses 0.5 % of the rows for any equality).
 * "Fresh": ANALYZE. The two states alternate, `rounds` times (stale, fresh, stale, fresh …).
 * (Statistics taken when the tables held 40 contacts, then filled, gave the fresh plans: not a
 * case of its own.)
 *
 * Everything runs in this process (services, gateway, load), so figures are comparable only within
 * one run or between runs on an equally loaded machine.
 */
import { Pool } from 'pg';
import { INTERNAL_CONTEXT_HEADER, signInternalContext, signUserToken, type RequestContext } from '@crm/auth';
import { beginTenantTx, requestStore, startService } from '@crm/platform';
import { freshSchema, planNodes, recordStatements, serviceTestEnv, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniqueId, type RecordedStatement } from '@crm/testing';
import { closedLoop, post, startBenchGateway } from './load';
import { env } from './stats';

const TENANT = 'benchlist';
const OTHER = 'benchother';
const USER: RequestContext = { tenantId: TENANT, userId: 'bench', roles: ['admin'] };

export const CONTACTS_LIST = `query ContactsList { contacts(first: 50) { edges { node {
  id displayName email lifecycleStage
  deals(first: 3) { edges { node { title status amount { amount currency } } } }
  lifetimeValue { amount currency }
} } pageInfo { hasNextPage endCursor } } }`;
/** The contacts subgraph's part of it, sent straight to the subgraph (no gateway, no sales). */
export const CONTACTS_ONLY_LIST = `query ContactsList { contacts(first: 50) { edges { node { id displayName email lifecycleStage } } pageInfo { hasNextPage endCursor } } }`;

/** Tables the seed fills, per service (autovacuum off on each, ANALYZEd together). */
const TABLES = { contacts: ['contacts', 'contact_emails', 'contact_phones', 'consents', 'companies'], sales: ['deals', 'orders', 'pipelines', 'stages'] };

type Svc = Awaited<ReturnType<typeof startService>>;

/** Records the statements (with parameters) each service runs for a request while `on`. */
function statementRecorder(services: Record<string, Svc>) {
  const rec = { on: false, per: [] as { service: string; statements: RecordedStatement[] }[] };
  for (const [service, svc] of Object.entries(services)) rec.per.push({ service, statements: recordStatements(svc.dataSource, () => rec.on && !!requestStore.getStore()).statements });
  return rec;
}

async function seedContacts(pool: Pool, schema: string, tenant: string, from: number, n: number) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query(`SET LOCAL search_path = "${schema}"`);
    // created_at one second apart, newest = highest number; ids random (as the service makes them).
    await c.query(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, display_name, lifecycle_stage, search_text, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'Ada' || i, 'Bench' || i, 'Ada' || i || ' Bench' || i, CASE WHEN i % 3 = 0 THEN 'customer' ELSE 'lead' END,
              'ada' || i || ' bench' || i, now() - make_interval(secs => $2 + $3 - i), now() - make_interval(secs => $2 + $3 - i)
       FROM generate_series($2::int, $2::int + $3::int - 1) AS i`,
      [tenant, from, n],
    );
    const mine = `SELECT id, tenant_id, substring(display_name from 4 for position(' ' in display_name) - 4) AS k FROM contacts WHERE tenant_id = $1 AND id NOT IN (SELECT contact_id FROM contact_emails WHERE tenant_id = $1)`;
    await c.query(`INSERT INTO contact_emails (tenant_id, normalized, email, contact_id, is_primary) SELECT tenant_id, 'c' || k || '@list.example', 'c' || k || '@list.example', id, true FROM (${mine}) m`, [tenant]);
    await c.query(
      `INSERT INTO contact_phones (tenant_id, e164, phone, contact_id, is_primary) SELECT tenant_id, '+4930' || (1000000 + k::int), '+4930' || (1000000 + k::int), id, true FROM (${mine.replace('contact_emails', 'contact_phones')}) m`,
      [tenant],
    );
    await c.query(
      `INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source) SELECT tenant_id, id, 'email', 'granted', 'consent', 'bench' FROM (${mine.replace('contact_emails', 'consents')}) m`,
      [tenant],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function seedDeals(pool: Pool, schemas: { contacts: string; sales: string }, tenant: string) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query(`SET LOCAL search_path = "${schemas.sales}"`);
    const pipeline = (
      await c.query(
        `WITH p AS (INSERT INTO pipelines (id, tenant_id, name, is_default) SELECT gen_random_uuid(), $1, 'Bench', true WHERE NOT EXISTS (SELECT 1 FROM pipelines WHERE tenant_id = $1) RETURNING id)
         SELECT id FROM p UNION ALL SELECT id FROM pipelines WHERE tenant_id = $1`,
        [tenant],
      )
    ).rows[0].id as string;
    await c.query(`INSERT INTO stages (id, tenant_id, pipeline_id, name, position, probability) SELECT gen_random_uuid(), $1, $2, 'Qualified', 1, 20 WHERE NOT EXISTS (SELECT 1 FROM stages WHERE pipeline_id = $2)`, [tenant, pipeline]);
    const stage = (await c.query(`SELECT id FROM stages WHERE pipeline_id = $1`, [pipeline])).rows[0].id as string;
    await c.query(
      `INSERT INTO deals (id, tenant_id, title, contact_id, owner_id, pipeline_id, stage_id, amount, currency, status, closed_at, created_by, created_at)
       SELECT gen_random_uuid(), $1, 'Deal ' || n, k.id, 'bench', $2, $3, 100 + n % 900, 'EUR', CASE WHEN n % 3 = 0 THEN 'won' ELSE 'open' END, CASE WHEN n % 3 = 0 THEN now() END, 'bench', k.created_at
       FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at) AS n FROM "${schemas.contacts}".contacts WHERE tenant_id = $1) k
       WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = $1 AND d.contact_id = k.id)`,
      [tenant, pipeline, stage],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function seed(pool: Pool, schemas: { contacts: string; sales: string }, contacts: number) {
  const tables = Object.entries(TABLES).flatMap(([s, ts]) => ts.map((t) => `"${schemas[s as keyof typeof schemas]}".${t}`));
  for (const t of tables) await pool.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
  // In chunks of 25,000 contacts (one transaction each).
  for (const [tenant, n] of [[TENANT, contacts], [OTHER, Math.ceil(contacts / 4)]] as const) {
    for (let from = 0; from < n; from += 25_000) await seedContacts(pool, schemas.contacts, tenant, from, Math.min(25_000, n - from));
    await seedDeals(pool, schemas, tenant);
  }
  return tables;
}

/** Never analyzed, as far as the planner can tell: no column statistics, no row count (admin login). */
async function wipeStatistics(pool: Pool, schemas: string[]) {
  await pool.query(`DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = ANY($1::regnamespace[]))`, [schemas]);
  await pool.query(`UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE relnamespace = ANY($1::regnamespace[])`, [schemas]);
}

/** The list, expecting a full page of 50. */
function load(url: string, headers: Record<string, string>, query: string, concurrency: number, seconds: number) {
  return closedLoop(concurrency, seconds, async () => {
    const body = await post(url, headers, query);
    return body.errors?.length || body.data?.contacts?.edges?.length !== 50 ? JSON.stringify(body.errors ?? body) : undefined;
  });
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement one list request ran, as the service runs it (its role, the tenant bound). */
async function plans(services: Record<string, Svc>, rec: ReturnType<typeof statementRecorder>, url: string, headers: Record<string, string>) {
  for (const p of rec.per) p.statements.length = 0;
  rec.on = true;
  await post(url, headers, CONTACTS_LIST);
  rec.on = false;
  const statements = rec.per.flatMap((p) => p.statements.map((st) => ({ service: p.service, ...st })));
  const out: { service: string; sql: string; ms: number; buffers: number; nodes: string[]; plan: string }[] = [];
  for (const s of statements) {
    const qr = await beginTenantTx(services[s.service].dataSource, TENANT);
    try {
      const [{ 'QUERY PLAN': [json] }] = await qr.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.sql}`, s.params);
      const text = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) ${s.sql}`, s.params)).map((r: any) => r['QUERY PLAN']).join('\n');
      const nodes = planNodes(json.Plan);
      out.push({ service: s.service, sql: s.sql.replace(/\s+/g, ' ').slice(0, 160), ms: +json['Execution Time'].toFixed(2), buffers: json.Plan['Shared Hit Blocks'] + json.Plan['Shared Read Blocks'], nodes: [...new Set(nodes)], plan: text });
    } finally {
      await qr.query('ROLLBACK');
      await qr.release();
    }
  }
  return out;
}

async function main() {
  const databaseUrl = env('DATABASE_URL');
  env('KAFKA_BROKERS');
  const contacts = Number(process.argv[2] ?? 100_000);
  const concurrency = Number(process.argv[3] ?? 8);
  const seconds = Number(process.argv[4] ?? 10);
  const rounds = Number(process.argv[5] ?? 1);
  const prefix = `${uniqueId('list')}.`;
  const fresh = { contacts: await freshSchema('list_contacts'), sales: await freshSchema('list_sales') };
  const schemas = { contacts: fresh.contacts.schema, sales: fresh.sales.schema };
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const services: Record<string, Svc> = {};
  let gw: { url: string; stop(): Promise<void> } | undefined;
  try {
    const { contactsService } = await import('@crm/contacts');
    const { salesService } = await import('@crm/sales');
    for (const [name, def] of [['contacts', contactsService], ['sales', salesService]] as const)
      services[name] = await startService(def as any, { env: { ...serviceTestEnv(schemas[name], prefix), DB_POOL_SIZE: '10', LOG_LEVEL: 'warn' } });
    const rec = statementRecorder(services);
    const t0 = performance.now();
    const tables = await seed(pool, schemas, contacts);
    const seedSeconds = +((performance.now() - t0) / 1000).toFixed(1);

    // Every request of the loop is the same query: dedup would answer most of them from one fetch.
    gw = await startBenchGateway(Object.values(services).map((s) => ({ name: s.name, url: s.url, sdl: s.sdl() })), false);
    const bearer = { authorization: `Bearer ${signUserToken(USER, TEST_JWT_SECRET, { expiresIn: 3600 })}` };
    const direct = { [INTERNAL_CONTEXT_HEADER]: signInternalContext(USER, TEST_INTERNAL_SECRET, 3600) };
    const first = await post(gw.url, bearer, CONTACTS_LIST);
    const edges = first.data?.contacts?.edges ?? [];
    if (first.errors || edges.length !== 50 || !edges.every((e: any) => e.node.deals.edges.length === 1) || !edges.some((e: any) => e.node.lifetimeValue.length))
      throw new Error(`unexpected answer: ${JSON.stringify(first).slice(0, 500)}`);

    const rows: Record<string, unknown>[] = [];
    const planSummaries: Record<string, unknown> = {};
    for (let r = 1; r <= rounds; r++) {
      for (const state of ['stale', 'fresh'] as const) {
        if (state === 'stale') await wipeStatistics(pool, Object.values(schemas));
        else for (const t of tables) await pool.query(`ANALYZE ${t}`);
        if (r === 1) {
          const p = await plans(services, rec, gw.url, bearer);
          planSummaries[state] = p.map((x) => `${x.service} ${x.ms} ms, ${x.buffers} buffers${x.nodes.includes('BitmapAnd') ? ', BitmapAnd' : ''}`);
          if (process.env.BENCH_PLANS) for (const x of p) console.error(`--- ${state} ${x.service}: ${x.sql}\n${x.nodes.join(' > ')}\n${x.plan}`);
        }
        await load(gw.url, bearer, CONTACTS_LIST, concurrency, 2); // warm-up
        rows.push({ round: r, bench: `list ${state} via gateway`, ...(await load(gw.url, bearer, CONTACTS_LIST, concurrency, seconds)) });
        console.error(JSON.stringify(rows.at(-1)));
        rows.push({ round: r, bench: `list ${state} contacts direct`, ...(await load(services.contacts.url, direct, CONTACTS_ONLY_LIST, concurrency, seconds)) });
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
    const rps = (bench: string) => {
      const xs = rows.filter((x) => x.bench === bench).map((x) => x.rps as number);
      return +(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(1);
    };
    console.log(
      JSON.stringify({
        bench: 'contacts-list',
        contacts,
        concurrency,
        seconds,
        rounds,
        seedSeconds,
        staleRps: rps('list stale via gateway'),
        freshRps: rps('list fresh via gateway'),
        staleOverFresh: +(rps('list stale via gateway') / rps('list fresh via gateway')).toFixed(2),
        rows,
        plans: planSummaries,
      }),
    );
  } finally {
    await gw?.stop();
    for (const s of Object.values(services).reverse()) await s.stop();
    await pool.end();
    if (process.env.BENCH_KEEP) console.error(`kept: ${JSON.stringify(schemas)}`);
    else for (const f of Object.values(fresh)) await f.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
