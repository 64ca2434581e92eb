/**
 * A segment of 100,000 contacts kept incrementally: the time to re-evaluate ONE contact after its
 * update (what marketing's `contact-replica` consumer does in the event's transaction: apply the
 * snapshot to the replica, derive reachable channel and consent, evaluate the contact against every
 * dynamic segment of the tenant in one statement, write the membership diff and its history), Kafka
 * excluded. Each update flips the contact in or out of the big segment, so every one writes a diff.
 * Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/marketing-segment.ts [contacts] [updates]
 */
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { exampleSnapshot, type ContactSnapshot } from '@crm/events';
import { marketingService, SegmentMembership } from '@crm/marketing';
import { inTenantTx, startService } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { adminQuery, freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { env, fmt, summary } from './stats';

const TENANT = 'bench';

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 100_000);
  const updates = Number(process.argv[3] ?? 2000);
  const fresh = await freshSchema('bench');
  const svc = await startService(marketingService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', MARKETING_SEGMENT_SWEEP: 'false' } });
  const ds = svc.dataSource;
  const header = { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: TENANT, userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const body = (await (await fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables }) })).json()) as { data?: T; errors?: unknown };
    if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  type Created = { createSegment: { id: string; size: number } };

  // Seed: the replica and facts the consumers would have built, set-based.
  let t0 = performance.now();
  await inTenantTx(ds, TENANT, async (tx) => {
    await tx.query(
      `INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, emails, primary_email, tags, lifecycle_stage, preferred_channels, consents, country, custom_fields, contact_created_at)
       SELECT $1, gen_random_uuid(), 1, 'Bench ' || i, jsonb_build_array(jsonb_build_object('email', 'b' || i || '@bench.example', 'primary', true)), 'b' || i || '@bench.example',
              ARRAY['bench'], CASE WHEN i % 3 = 0 THEN 'customer' ELSE 'lead' END, ARRAY['email'],
              '[{"channel":"email","status":"granted","legalBasis":"consent","recordedAt":"2026-01-01T00:00:00.000Z"}]', (ARRAY['DE','FR','GB','US'])[1 + i % 4],
              jsonb_build_object('plan', CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END), now() - make_interval(days => i % 400)
       FROM generate_series(1, $2::int) i`,
      [TENANT, total],
    );
    await tx.query(`INSERT INTO contact_facts (tenant_id, contact_id, reachable_channel, consent, lead_score) SELECT tenant_id, contact_id, 'email', '{"email":"granted"}', (hashtext(contact_id::text) & 127) FROM contact_replica WHERE tenant_id = $1`, [TENANT]);
    await tx.query(
      `INSERT INTO contact_activity (tenant_id, contact_id, kind, source_id, occurred_at) SELECT tenant_id, contact_id, 'opened', gen_random_uuid()::text, now() - interval '3 days'
       FROM contact_replica WHERE tenant_id = $1 AND hashtext(contact_id::text) % 3 = 0`,
      [TENANT],
    );
  });
  // As autovacuum would after a load this size (the module login does not own the tables' statistics).
  for (const t of ['contact_replica', 'contact_facts', 'contact_activity']) await adminQuery(`ANALYZE "${fresh.schema}".${t}`);
  const seedS = (performance.now() - t0) / 1000;

  // The tenant's dynamic segments: the big one and four others every update is also evaluated against.
  const create = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id size } }`;
  t0 = performance.now();
  const big = (await gql<Created>(create, { i: { name: 'All bench contacts with email consent', kind: 'DYNAMIC', rule: { and: [{ field: 'tags', op: 'CONTAINS', value: 'bench' }, { field: 'consent.email', op: 'EQ', value: 'granted' }] } } })).createSegment;
  const createS = (performance.now() - t0) / 1000;
  const others = [
    { or: [{ field: 'opened', op: 'GTE', value: '1', days: 30 }, { field: 'leadScore', op: 'GTE', value: '100' }] },
    { and: [{ field: 'country', op: 'IN', values: ['DE', 'FR'] }, { not: { field: 'customFields.plan', op: 'EQ', value: 'free' } }] },
    { field: 'orders', op: 'GTE', value: '2', days: 365 },
    { and: [{ field: 'lifecycleStage', op: 'EQ', value: 'customer' }, { field: 'createdAt', op: 'WITHIN_LAST_DAYS', days: 90 }] },
  ];
  for (const [k, rule] of others.entries()) await gql<Created>(create, { i: { name: `Other ${k}`, kind: 'DYNAMIC', rule } });

  const ids = (await inTenantTx(ds, TENANT, (tx) => tx.query<{ contact_id: string }>(`SELECT contact_id FROM contact_replica WHERE tenant_id = $1 ORDER BY random() LIMIT $2`, [TENANT, updates]))).map((r) => r.contact_id);
  const replica = new ContactReplica();
  const membership = new SegmentMembership();
  const version = new Map<string, number>();
  const update = async (contactId: string, tags: string[]) => {
    const v = (version.get(contactId) ?? 1) + 1;
    version.set(contactId, v);
    const snap: ContactSnapshot = { ...exampleSnapshot, contactId, version: v, displayName: 'Bench', emails: [{ email: `${contactId}@bench.example`, primary: true }], tags, preferredChannels: ['email'] };
    await inTenantTx(ds, TENANT, async (tx) => {
      const applied = await replica.applySnapshot(tx, snap);
      await membership.contactChanged(tx, contactId, applied ? snap : undefined);
    });
  };
  // Warm-up (JIT, pool, plan cache), not measured.
  for (const id of ids.slice(0, 50)) await update(id, ['bench']);
  const latencies: number[] = [];
  for (const [i, id] of ids.entries()) {
    const t = performance.now();
    await update(id, i % 2 ? ['bench'] : ['other']);
    latencies.push(performance.now() - t);
  }
  const s = summary(latencies);
  const size = (await gql<{ segment: { size: number } }>(`query($id: ID!) { segment(id: $id) { size } }`, { id: big.id })).segment.size;
  console.log(
    JSON.stringify({
      bench: 'segment incremental re-evaluation',
      contacts: total,
      dynamicSegments: 1 + others.length,
      initialSize: big.size,
      sizeAfter: size,
      seedSeconds: +seedS.toFixed(1),
      createAndEvaluateSeconds: +createS.toFixed(2),
      updates: latencies.length,
      mean: fmt(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      p50: fmt(s.p50),
      p90: fmt(s.p90),
      p99: fmt(s.p99),
      max: fmt(s.max),
    }),
  );
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
