/**
 * An attribute scoring rule created over a tenant's contacts: how long the mutation takes, how long
 * until every matching contact has its points, and what lead scoring of the same tenant waits
 * meanwhile — behaviour events (message.opened on marketing's topic, one every 200 ms for a contact
 * of their own) from publish until their points are visible. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/scoring-rule.ts [contacts=20000]
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { envelope, MessageOpenedV1 } from '@crm/events';
import { marketingService } from '@crm/marketing';
import { inTenantTx, KafkaEventBus, startService } from '@crm/platform';
import { adminQuery, freshSchema, kafkaBrokers, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { env, summary } from './stats';

const TENANT = 'bench';

async function main() {
  env('DATABASE_URL');
  env('KAFKA_BROKERS');
  const total = Number(process.argv[2] ?? 20_000);
  const fresh = await freshSchema('bench');
  const svc = await startService(marketingService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', MARKETING_SEGMENT_SWEEP: 'false' } });
  const bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: 'bench-scoring', logger: pino({ level: 'warn' }) });
  await bus.connect();
  try {
    const header = { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: TENANT, userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const body = (await (await fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables }) })).json()) as { data?: unknown; errors?: unknown };
      if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const rule = `mutation($i: ScoringRuleInput!) { createScoringRule(input: $i) { id } }`;
    // Seed, set-based: the replica the contact events would have built, every other contact a VIP.
    await inTenantTx(svc.dataSource, TENANT, (tx) =>
      tx.query(
        `INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, tags, lifecycle_stage, custom_fields, contact_created_at)
         SELECT $1, gen_random_uuid(), 1, 'Bench ' || i, CASE WHEN i % 2 = 0 THEN ARRAY['vip'] ELSE ARRAY['bench'] END, 'lead', '{}', now() FROM generate_series(1, $2::int) i`,
        [TENANT, total],
      ),
    );
    await adminQuery(`ANALYZE "${fresh.schema}".contact_replica`);
    await gql(rule, { i: { name: 'Opened', field: 'emailOpened', points: 1 } });
    // Warm: one behaviour event through the consumer before the measurement.
    const opened = async (contactId: string) => {
      const data = { messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Bench', contactId, channel: 'email', variant: null, openedAt: new Date().toISOString() };
      const ev = envelope({ type: MessageOpenedV1.type, subject: contactId, data, tenantId: TENANT, source: 'crm/marketing' });
      await bus.publish([{ topic: svc.info.topic, key: contactId, value: JSON.stringify(ev) }]);
    };
    const scored = async (ids: string[]) =>
      new Set((await adminQuery<{ contact_id: string }>(`SELECT contact_id FROM "${fresh.schema}".lead_scores WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND score > 0`, [TENANT, ids])).map((r) => r.contact_id));
    const warm = randomUUID();
    await opened(warm);
    for (let t = performance.now(); !(await scored([warm])).has(warm); ) {
      if (performance.now() - t > 60_000) throw new Error('the warm-up event was not scored');
      await new Promise((r) => setTimeout(r, 50));
    }

    // Behaviour events during the rule change, and when each one's points became visible.
    const sent = new Map<string, number>();
    const seen = new Map<string, number>();
    let sending = true;
    const sender = (async () => {
      while (sending) {
        const id = randomUUID();
        sent.set(id, performance.now());
        await opened(id);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const watcher = (async () => {
      while (sending || seen.size < sent.size) {
        const waiting = [...sent.keys()].filter((id) => !seen.has(id));
        if (waiting.length) for (const id of await scored(waiting)) seen.set(id, performance.now());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await gql(rule, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 5 } });
    const mutationMs = performance.now() - t0;
    const vips = async () => (await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${fresh.schema}".lead_scores WHERE tenant_id = $1 AND score >= 5`, [TENANT]))[0].n;
    while ((await vips()) < total / 2) await new Promise((r) => setTimeout(r, 100));
    const appliedMs = performance.now() - t0;
    // Until their score-changed events are on Kafka too (the relay publishes them meanwhile, or after one commit).
    const unpublished = async () => (await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${fresh.schema}".outbox WHERE published_at IS NULL`))[0].n;
    while ((await unpublished()) > 0) await new Promise((r) => setTimeout(r, 100));
    const publishedMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
    sending = false;
    await sender;
    await watcher;
    const latencies = [...sent].map(([id, at]) => seen.get(id)! - at);
    const during = summary(latencies.map((x) => +x.toFixed(0)));
    console.log(JSON.stringify({ bench: 'scoring-rule', contacts: total, mutationMs: +mutationMs.toFixed(0), appliedMs: +appliedMs.toFixed(0), publishedMs: +publishedMs.toFixed(0), behaviourEventMsDuringTheChange: during }));
  } finally {
    await bus.disconnect();
    await svc.stop();
    await fresh.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
