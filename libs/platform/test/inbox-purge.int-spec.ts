import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { envelope, ContactErasedV1, deadLetterTopic } from '@crm/events';
import { adminQuery, databaseUrl, eventually, freshSchema, kafkaBrokers, uniqueId } from '@crm/testing';
import { CrmEventTransport, createDataSource, EventPublisher, inboxRetentionHours, IdempotentConsumer, InboxPurger, KafkaEventBus, migrate, PlatformInboxRetention1764000000600, PlatformLeastPrivilege1764000000700, PlatformTables1764000000000, ServiceMetrics, type BaseServiceConfig, type ServiceInfo } from '../src';
import { NotesTable1764000000001, silentLogger } from './harness';

/** The inbox forgets processed events after its window, a chunk at a time, and still dedupes what it keeps. */

describe('inbox retention purge (real Postgres + Kafka)', () => {
  const RETENTION_HOURS = 5;
  let fresh: Awaited<ReturnType<typeof freshSchema>>;
  /** Plain SQL as the test admin (bypasses row-level security) in this file's schema. */
  const sql = <T = any>(query: string, params: unknown[] = []): Promise<T[]> => adminQuery<T>(query, params, fresh.schema);
  let ds: ReturnType<typeof createDataSource>;
  let bus: KafkaEventBus;
  let consumer: IdempotentConsumer;
  let topic: string;
  const consumerName = uniqueId('notes-projection');
  const applied: string[] = [];

  beforeAll(async () => {
    fresh = await freshSchema('inbox');
    ds = createDataSource({
      url: fresh.url,
      schema: fresh.schema,
      entities: [],
      migrations: [PlatformTables1764000000000, PlatformInboxRetention1764000000600, PlatformLeastPrivilege1764000000700, NotesTable1764000000001],
      poolSize: 5,
      applicationName: 'inbox-purge-test',
    });
    await ds.initialize();
    await migrate(ds, fresh.schema);
    bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: `test-${fresh.schema}`, logger: silentLogger });
    await bus.connect();
    topic = uniqueId('inbox-purge');
    await bus.ensureTopics([topic, deadLetterTopic(topic)]);
    consumer = new IdempotentConsumer(
      ds,
      bus,
      {
        name: consumerName,
        topics: [topic],
        handlers: {
          [ContactErasedV1.type]: async (event, m) => {
            await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'projected')`, [event.id, event.tenantid]);
            applied.push(event.id);
          },
        },
      },
      silentLogger,
    );
    await consumer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await bus?.disconnect();
    await ds?.destroy();
    await fresh?.drop();
  });

  const ev = () => {
    const contactId = randomUUID();
    return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId: 'tenant-i', data: { contactId, erasedAt: new Date().toISOString() } });
  };
  const send = (e: { id: string }, key: string) => bus.publish([{ topic, key, value: JSON.stringify(e) }]);
  const inboxHas = async (id: string) => (await sql(`SELECT count(*)::int AS n FROM inbox WHERE event_id = $1`, [id]))[0].n === 1;
  const age = (ids: string[], hours: number) =>
    sql(`UPDATE inbox SET processed_at = now() - $2::float8 * interval '1 hour' WHERE event_id = ANY($1::text[])`, [ids, hours]);
  /** Synthetic processed-event rows of another consumer, `hours` old. */
  const fill = (n: number, hours: number, prefix: string) =>
    sql(
      `INSERT INTO inbox (consumer, event_id, event_type, processed_at) SELECT 'bulk', $3 || g, 'x', now() - $2::float8 * interval '1 hour' FROM generate_series(1, $1::int) g`,
      [n, hours, prefix],
    );
  const count = async (where: string, params: unknown[] = []) => (await sql(`SELECT count(*)::int AS n FROM inbox WHERE ${where}`, params))[0].n;

  it('deletes rows older than the window in bounded chunks, keeps newer ones, and still dedupes a redelivered retained event', async () => {
    const old = ev();
    const recent = ev();
    await send(old, 'k-old');
    await send(recent, 'k-recent');
    await eventually(async () => (await inboxHas(old.id)) && (await inboxHas(recent.id)), 30000, 'both events applied');
    await age([old.id], RETENTION_HOURS + 1);
    await age([recent.id], RETENTION_HOURS - 1);
    await fill(12_345, RETENTION_HOURS + 24, 'old-');
    await fill(100, 0.5, 'new-');

    const purger = new InboxPurger(ds, { schema: fresh.schema, retentionHours: RETENTION_HOURS, chunkSize: 5_000 }, silentLogger);
    const statements: string[] = [];
    const q = ds.createQueryRunner;
    // Count the DELETE statements: bounded chunks, not one unbounded delete.
    ds.createQueryRunner = (...a) => {
      const qr = q.apply(ds, a);
      const orig = qr.query.bind(qr);
      qr.query = ((sql: string, p?: unknown[]) => {
        if (/^\s*DELETE FROM inbox/.test(sql)) statements.push(sql);
        return orig(sql, p);
      }) as typeof qr.query;
      return qr;
    };
    let deleted: number;
    try {
      deleted = await purger.purge();
    } finally {
      ds.createQueryRunner = q;
    }

    expect(deleted).toBe(12_346);
    expect(statements).toHaveLength(3);
    expect(await inboxHas(old.id)).toBe(false);
    expect(await inboxHas(recent.id)).toBe(true);
    expect(await count(`event_id LIKE 'old-%'`)).toBe(0);
    expect(await count(`event_id LIKE 'new-%'`)).toBe(100);

    // The retained event comes again (a replay, a rebalance): still recognised, not applied twice.
    const marker = ev();
    await send(recent, 'k-recent');
    await send(marker, 'k-recent'); // same key → same partition → handled after the redelivery
    await eventually(async () => applied.includes(marker.id), 30000, 'event after the redelivery');
    expect(applied.filter((id) => id === recent.id)).toHaveLength(1);
    expect((await sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [recent.id]))[0].n).toBe(1);
  });

  it('sweeps in one instance at a time: while another holds the purge lock, a second purger deletes nothing', async () => {
    await fill(10, RETENTION_HOURS + 1, 'locked-');
    const other = new Client({ connectionString: databaseUrl() });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext($1))`, [`${fresh.schema}.inbox-purge`]);
      const purger = new InboxPurger(ds, { schema: fresh.schema, retentionHours: RETENTION_HOURS }, silentLogger);
      expect(await purger.purge()).toBe(0);
      expect(await count(`event_id LIKE 'locked-%'`)).toBe(10);
    } finally {
      await other.end();
    }
  });

  it('is owned by the consumer side: the event transport runs it with INBOX_RETENTION_HOURS, and stops it with the consumers', async () => {
    await fill(5, 3.5, 'registry-old-');
    await fill(5, 2.5, 'registry-kept-');
    const info = { name: 'contacts', schema: fresh.schema, topic: topic, topicPrefix: '', consumerGroupPrefix: '', production: false, schemaOnly: false } as ServiceInfo;
    const config = { EVENT_RETENTION_HOURS: 2, INBOX_RETENTION_HOURS: 3 } as BaseServiceConfig;
    const registry = new CrmEventTransport({ ds, bus, info, log: silentLogger, metrics: new ServiceMetrics('contacts'), emitter: new EventPublisher(info), inboxRetentionHours: inboxRetentionHours(config) });
    await new Promise<void>((resolve, reject) => void registry.listen((err) => (err ? reject(err) : resolve())));
    try {
      const purger = (registry as unknown as { purger?: InboxPurger }).purger;
      expect(purger).toBeInstanceOf(InboxPurger);
      await purger!.purge();
      expect(await count(`event_id LIKE 'registry-old-%'`)).toBe(0);
      expect(await count(`event_id LIKE 'registry-kept-%'`)).toBe(5);
    } finally {
      await registry.close();
    }
    expect((registry as unknown as { purger?: InboxPurger }).purger).toBeUndefined();
  });

  it('runs by itself on a schedule once started, and stops cleanly', async () => {
    await fill(25, RETENTION_HOURS + 1, 'scheduled-');
    const purger = new InboxPurger(ds, { schema: fresh.schema, retentionHours: RETENTION_HOURS, intervalMs: 50 }, silentLogger);
    purger.start(10);
    try {
      await eventually(async () => (await count(`event_id LIKE 'scheduled-%'`)) === 0, 10000, 'scheduled sweep');
    } finally {
      await purger.stop();
    }
  });
});
