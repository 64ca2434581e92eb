/**
 * Routing and enqueueing a campaign to N recipients (issue 9: 100,000 in ≤ 30 s on 2 cores): the
 * campaign's start job — one set-based INSERT … SELECT over the contact replica, segment membership,
 * suppressions and recent messages, then N MessageRoutedV1 events into the outbox in bulk, the
 * campaign marked running and its dispatch queued — timed as one sweep of the job queue. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/marketing-route.ts [recipients]
 */
import { CampaignJobs, marketingService } from '@crm/marketing';
import { startService } from '@crm/platform';
import { adminQuery, dataOf, freshSchema, serviceTestEnv, subgraphClient, uniqueId } from '@crm/testing';
import { env } from './stats';

async function main() {
  env('DATABASE_URL');
  const n = Number(process.argv[2] ?? 100000);
  const fresh = await freshSchema('bench_route');
  const schema = fresh.schema;
  // The scheduler is off: the bench runs the one sweep it times. The relay is left running (it publishes as the routing commits, as in production).
  const svc = await startService(marketingService, { env: { ...serviceTestEnv(schema, `${uniqueId('route')}.`), LOG_LEVEL: 'warn', MARKETING_CAMPAIGN_SCHEDULER: 'false', DB_POOL_SIZE: '5' } });
  const sql = (q: string, p: unknown[] = []) => adminQuery(q, p, schema);
  const tenantId = 'bench';
  await sql(`CREATE TABLE IF NOT EXISTS segment_members (tenant_id text NOT NULL, segment_id uuid NOT NULL, contact_id uuid NOT NULL, added_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, segment_id, contact_id))`);
  await sql(`GRANT SELECT ON segment_members TO "${schema}_app"`);
  // A mix: 60 % prefer email then SMS, 30 % SMS then email, 10 % post without an address; one in 7 never consented to email; 1 % suppressed.
  const consent = (ch: string) => `{"channel":"${ch}","status":"granted","legalBasis":"consent","recordedAt":"2026-01-01T00:00:00Z"}`;
  await sql(
    `INSERT INTO contact_replica (tenant_id, contact_id, version, first_name, display_name, primary_email, primary_phone, preferred_channels, consents, time_zone)
     SELECT $1, gen_random_uuid(), 1, 'P' || i, 'Person ' || i, 'p' || i || '@bench.example', '+1202' || lpad((5550000 + i)::text, 7, '0'),
       CASE WHEN i % 10 < 6 THEN '{email,sms}'::text[] WHEN i % 10 < 9 THEN '{sms,email}'::text[] ELSE '{post,email}'::text[] END,
       CASE WHEN i % 7 = 0 THEN '[${consent('sms')}]' ELSE '[${consent('email')},${consent('sms')},${consent('post')}]' END::jsonb,
       CASE WHEN i % 3 = 0 THEN 'Europe/Berlin' END
     FROM generate_series(1, $2) i`,
    [tenantId, n],
  );
  await sql(`INSERT INTO suppressions (tenant_id, channel, address, reason) SELECT $1, 'email', primary_email, 'hard_bounce' FROM contact_replica WHERE tenant_id = $1 AND first_name LIKE '%00'`, [tenantId]);
  const segmentId = '0b9a5c3e-8d7f-4e6a-9b1c-2d3e4f5a6b7c';
  const cols = await adminQuery<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'segments' AND is_nullable = 'NO' AND column_default IS NULL`, [schema]);
  await sql(`INSERT INTO segments (${cols.map((c) => c.column_name).join(', ')}) VALUES (${cols.map((c) => (c.column_name === 'id' ? `'${segmentId}'` : c.column_name === 'tenant_id' ? `'${tenantId}'` : c.column_name === 'kind' ? `'static'` : c.column_name.endsWith('_id') ? 'gen_random_uuid()' : `'bench'`)).join(', ')})`);
  await sql(`INSERT INTO segment_members (tenant_id, segment_id, contact_id) SELECT $1, $2, contact_id FROM contact_replica WHERE tenant_id = $1`, [tenantId, segmentId]);

  const gql = subgraphClient(svc.url, { tenantId, userId: 'bench', roles: ['admin'] });
  const campaign = dataOf(await gql(`mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }`, { i: {
    name: 'Bench', includeSegmentIds: [segmentId], channels: ['EMAIL', 'SMS'], email: { subject: 'Hi {{firstName|there}}', html: '<p>Hi</p>', text: 'Hi' }, sms: { text: 'Hi {{firstName}}' },
  } })).createCampaign as { id: string };
  dataOf(await gql(`mutation($id: ID!) { scheduleCampaign(id: $id) { status } }`, { id: campaign.id }));
  const jobs = svc.app.get(CampaignJobs);
  const started = performance.now();
  await jobs.sweep();
  const seconds = (performance.now() - started) / 1000;
  const [counts] = await sql(`SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued, count(*) FILTER (WHERE status = 'skipped')::int AS skipped FROM campaign_messages WHERE campaign_id = $1`, [campaign.id]);
  const [events] = await sql(`SELECT count(*)::int AS n FROM outbox WHERE type = 'crm.marketing.message.routed.v1'`);
  const [status] = await sql(`SELECT status FROM campaigns WHERE id = $1`, [campaign.id]);
  console.log(JSON.stringify({ bench: 'marketing route+enqueue', recipients: n, ...counts, routedEvents: events.n, status: status.status, seconds: +seconds.toFixed(2), recipientsPerSecond: Math.round(n / seconds) }));
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
