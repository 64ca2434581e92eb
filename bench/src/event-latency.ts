/**
 * Commit → projection latency: a contact committed in the contacts service (outbox → relay → Kafka)
 * until another service's contact replica (separate schema, idempotent consumer) has applied it.
 * Measured per event from the commit time (the event's `time`, set inside the transaction) to the
 * replica's write, after a warm-up of 50 events (their worst latency is reported as warmUpMax). Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/event-latency.ts [events] [ratePerSecond]
 */
import { Client } from 'pg';
import pino from 'pino';
import { contactsService } from '@crm/contacts';
import { ContactCreatedV1, ContactErasedV1, ContactMergedV1, ContactUpdatedV1, topicName, type CloudEvent } from '@crm/events';
import { createDataSource, IdempotentConsumer, KafkaEventBus, migrate, PlatformTables1764000000000, startService, type Tx } from '@crm/platform';
import { ContactReplica, ContactReplicaArchive1772000000100, ContactReplicaReach1796160000000, ContactReplicaTables1764000000100 } from '@crm/shared-contacts';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { env, fmt, summary } from './stats';

/** Events sent (and applied) before the measured ones. */
const WARMUP = 50;

async function main() {
  const databaseUrl = env('DATABASE_URL');
  const brokers = env('KAFKA_BROKERS').split(',');
  const events = Number(process.argv[2] ?? 1000);
  const rate = Number(process.argv[3] ?? 200);
  const prefix = `${uniqueId('lat')}.`;
  const contactsSchema = await freshSchema('lat_contacts');
  const replicaSchema = await freshSchema('lat_replica');
  const log = pino({ level: 'warn' });
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(contactsSchema.schema, prefix), LOG_LEVEL: 'warn' } });

  // "Another service": its own schema, its own consumer group, the shared-contacts replica.
  const ds = createDataSource({ url: replicaSchema.url, schema: replicaSchema.schema, entities: [], migrations: [PlatformTables1764000000000, ContactReplicaTables1764000000100, ContactReplicaArchive1772000000100, ContactReplicaReach1796160000000], poolSize: 5, applicationName: 'bench-replica' });
  await ds.initialize();
  await migrate(ds, replicaSchema.schema);
  await ds.query(`ALTER TABLE contact_replica ADD COLUMN IF NOT EXISTS applied_at timestamptz DEFAULT clock_timestamp()`);
  await ds.query(`CREATE OR REPLACE FUNCTION bench_applied() RETURNS trigger AS $$ BEGIN NEW.applied_at := clock_timestamp(); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await ds.query(`CREATE TRIGGER bench_applied BEFORE INSERT OR UPDATE ON contact_replica FOR EACH ROW EXECUTE FUNCTION bench_applied()`);
  const bus = new KafkaEventBus({ brokers, clientId: 'bench-replica', logger: log, maxWaitTimeInMs: 20 });
  await bus.connect();
  const replica = new ContactReplica();
  // The transport's engine alone (no Nest app): what the replica's event handlers do, per type.
  const snapshot = (e: CloudEvent<any>, tx: Tx) => replica.applySnapshot(tx, e.data).then(() => undefined);
  const consumer = new IdempotentConsumer(
    ds,
    bus,
    {
      name: 'bench.contact-replica',
      topics: [topicName('contacts', prefix)],
      handlers: { [ContactCreatedV1.type]: snapshot, [ContactUpdatedV1.type]: snapshot, [ContactMergedV1.type]: (e, tx) => replica.applyMerge(tx, e.data), [ContactErasedV1.type]: (e, tx) => replica.applyErase(tx, e.data) },
    },
    log,
  );
  await consumer.start(prefix);

  const header = { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const query = 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }';
  const interval = 1000 / rate;
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  /** Creates `n` contacts named `<prefix><i>` at the rate, then waits until the replica holds `expected` rows. */
  const send = async (n: number, prefix: string, expected: number) => {
    const started = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables: { i: { firstName: `${prefix}${i}` } } }) }).then((r) => r.json()));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 60000;
    for (;;) {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM "${replicaSchema.schema}".contact_replica`);
      if (rows[0].n >= expected || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // Warm-up, reported apart: the first events after boot pay for the consumer's first fetches, the
  // pools' first connections, each connection's first prepared statements and the JIT (up to
  // ~110 ms each, session 13); the measured events are the steady state that follows.
  await send(WARMUP, 'W', WARMUP);
  await send(events, 'L', WARMUP + events);
  // Commit time = the outbox row's created_at (now() of the writing transaction, i.e. its start; the
  // transaction is a few ms long, so this slightly overstates the latency).
  const { rows: all } = await pg.query<{ warmUp: boolean; ms: string; relay_ms: string }>(
    `SELECT r.first_name LIKE 'W%' AS "warmUp",
            extract(epoch FROM (r.applied_at - o.created_at)) * 1000 AS ms,
            extract(epoch FROM (o.published_at - o.created_at)) * 1000 AS relay_ms
       FROM "${replicaSchema.schema}".contact_replica r JOIN "${contactsSchema.schema}".outbox o ON o.key = r.contact_id::text AND o.type = 'crm.contacts.contact.created.v1'`,
  );
  const rows = all.filter((r) => !r.warmUp);
  const warmUpMax = Math.max(...all.filter((r) => r.warmUp).map((r) => Number(r.ms)));
  const s = summary(rows.map((r) => Number(r.ms)));
  // Breakdown: commit → marked published by the relay (includes the Kafka ack), the rest is Kafka → consumer → replica.
  const relay = summary(rows.map((r) => Number(r.relay_ms)));
  console.log(JSON.stringify({ bench: 'commit → projection (contacts → Kafka → replica in another schema)', events, ratePerSecond: rate, applied: s.n, p50: fmt(s.p50), p90: fmt(s.p90), p99: fmt(s.p99), max: fmt(s.max), relayP50: fmt(relay.p50), relayP99: fmt(relay.p99), warmUpEvents: WARMUP, warmUpMax: fmt(warmUpMax) }));
  await pg.end();
  await consumer.stop();
  await bus.disconnect();
  await ds.destroy();
  await svc.stop();
  await contactsSchema.drop();
  await replicaSchema.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
