import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { envelope, ContactCreatedV1, ContactErasedV1, type ContactSnapshot } from '@crm/events';
import { TopicRecorder, uniqueId, eventually } from '@crm/testing';
import { EventPublisher, OutboxWriter, OutboxRelay, inTenantTx, outboxChannel, type EventBus, type OutboundMessage } from '../src';
import { platformHarness, silentLogger } from './harness';

type Harness = Awaited<ReturnType<typeof platformHarness>>;

function erasedEvent(tenantId: string, contactId = randomUUID()) {
  return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId, data: { contactId, erasedAt: new Date().toISOString() } });
}

describe('transactional outbox (real Postgres + Kafka)', () => {
  let h: Harness;
  let topic: string;
  let recorder: TopicRecorder;
  let writer: OutboxWriter;

  beforeAll(async () => {
    h = await platformHarness();
    topic = uniqueId('outbox-test');
    await h.bus.ensureTopics([topic]);
    recorder = await new TopicRecorder(topic).start();
    writer = new OutboxWriter(h.schema);
  });
  afterAll(async () => {
    await recorder.stop();
    await h.close();
  });

  const relayOn = (bus: EventBus, batchSize = 50) => new OutboxRelay(h.ds, bus, { schema: h.schema, databaseUrl: h.url, pollMs: 200, batchSize }, silentLogger);

  it('publishes exactly one event for a committed write and none for a rolled-back one', async () => {
    const committed = erasedEvent('t1');
    const rolledBack = erasedEvent('t1');
    await inTenantTx(h.ds, 't1', async (m) => {
      await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, 't1', 'kept')`, [committed.id]);
      await writer.append(m, [{ topic, event: committed }]);
    });
    await expect(
      inTenantTx(h.ds, 't1', async (m) => {
        await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, 't1', 'lost')`, [rolledBack.id]);
        await writer.append(m, [{ topic, event: rolledBack }]);
        throw new Error('business rule failed after the write');
      }),
    ).rejects.toThrow('business rule failed');

    const relay = relayOn(h.bus);
    await relay.start();
    try {
      const got = await recorder.waitFor((e) => e.event?.id === committed.id);
      expect(got.key).toBe(committed.subject);
      expect(got.event).toEqual(committed);
      // A follow-up event proves the relay moved past; the rolled-back one must never appear.
      const marker = erasedEvent('t1');
      await inTenantTx(h.ds, 't1', (m) => writer.append(m, [{ topic, event: marker }]));
      await recorder.waitFor((e) => e.event?.id === marker.id);
      expect(recorder.matching((e) => e.event?.id === committed.id)).toHaveLength(1);
      expect(recorder.matching((e) => e.event?.id === rolledBack.id)).toHaveLength(0);
      const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [rolledBack.id]);
      expect(n).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  /**
   * A relay that only a commit in its own process can wake (the poll is a minute), a publisher of
   * that process attached to it, and a connection LISTENing on the outbox channel as another
   * replica's relay would.
   */
  async function relayWithPublisher() {
    const relay = new OutboxRelay(h.ds, h.bus, { schema: h.schema, databaseUrl: h.url, pollMs: 60_000, batchSize: 50 }, silentLogger);
    const publisher = new EventPublisher({ name: 'contacts', schema: h.schema, topic, topicPrefix: '', consumerGroupPrefix: '', production: false, schemaOnly: false });
    publisher.attachRelay(relay);
    const listener = new Client({ connectionString: h.url });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (n) => notifications.push(n.channel));
    await listener.query(`LISTEN "${outboxChannel(h.schema)}"`);
    await relay.start();
    await eventually(async () => relay.active(), 10000, 'the relay to hold the relay lock');
    const erase = (contactId: string) => inTenantTx(h.ds, 't1', (tx) => tx.emit(ContactErasedV1, contactId, { contactId, erasedAt: new Date().toISOString() }), publisher);
    return { relay, notifications, erase, stop: async () => (await relay.stop(), await listener.end()) };
  }

  it("a commit wakes its own process's active relay directly: no NOTIFY (Postgres serialises notifying commits), and the event goes out without waiting for the poll", async () => {
    const r = await relayWithPublisher();
    try {
      const contactId = randomUUID();
      await r.erase(contactId);
      await recorder.waitFor((e) => e.event?.subject === contactId, 15000);
      expect(r.notifications).toEqual([]);
    } finally {
      await r.stop();
    }
  });

  it("while another replica's relay holds the lock, commits NOTIFY it, and a poked relay looks again shortly once the lock is free", async () => {
    const r = await relayWithPublisher();
    const otherReplica = new Client({ connectionString: h.url });
    await otherReplica.connect();
    try {
      await otherReplica.query(`SELECT pg_advisory_lock(hashtext($1))`, [`${h.schema}.outbox`]);
      const first = randomUUID();
      await r.erase(first);
      // The poked relay found the lock taken: it is not the active relay now, so the next commit notifies.
      await eventually(async () => !r.relay.active(), 10000, 'the relay to see the lock taken');
      const second = randomUUID();
      await r.erase(second);
      await eventually(async () => r.notifications.length > 0, 10000, 'a NOTIFY for the other replica');
      expect(r.notifications[0]).toBe(outboxChannel(h.schema));
      await otherReplica.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`${h.schema}.outbox`]);
      // No poll within the minute: only the relay's own retry can publish both.
      await recorder.waitFor((e) => e.event?.subject === first, 15000);
      await recorder.waitFor((e) => e.event?.subject === second, 15000);
    } finally {
      await otherReplica.end();
      await r.stop();
    }
  });

  it('stamps each Kafka record with its commit time, so retention counts from then (an outage does not extend it)', async () => {
    const late = erasedEvent('t1');
    await inTenantTx(h.ds, 't1', (m) => writer.append(m, [{ topic, event: late }]));
    // As if the broker had been down for three hours since the commit.
    await h.sql(`UPDATE outbox SET created_at = now() - interval '3 hours' WHERE id = $1`, [late.id]);
    const [{ created }] = await h.sql(`SELECT (extract(epoch FROM created_at) * 1000)::float8 AS created FROM outbox WHERE id = $1`, [late.id]);
    const relay = relayOn(h.bus);
    await relay.start();
    try {
      const got = await recorder.waitFor((e) => e.event?.id === late.id);
      expect(Math.abs(got.timestamp - created)).toBeLessThan(2);
    } finally {
      await relay.stop();
    }
  });

  it('rejects an event that breaks its contract before anything is written', async () => {
    const bad = { ...erasedEvent('t1'), data: { contactId: 'not-a-uuid' } } as any;
    await expect(inTenantTx(h.ds, 't1', (m) => writer.append(m, [{ topic, event: bad }]))).rejects.toThrow(/invalid crm.contacts.contact.erased.v1 payload/);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM outbox WHERE id = $1`, [bad.id]);
    expect(n).toBe(0);
  });

  it('loses nothing when the relay dies between publishing and marking a batch', async () => {
    const events = Array.from({ length: 25 }, () => erasedEvent('t2'));
    await inTenantTx(h.ds, 't2', (m) => writer.append(m, events.map((event) => ({ topic, event }))));

    // A bus that really publishes to Kafka and then "crashes" before the relay can mark the rows.
    let crashes = 1;
    const crashingBus: EventBus = Object.create(h.bus, {
      publish: {
        value: async (msgs: OutboundMessage[]) => {
          await h.bus.publish(msgs.slice(0, 10));
          if (crashes-- > 0) throw new Error('relay process killed mid-batch');
          await h.bus.publish(msgs.slice(10));
        },
      },
    });
    const dying = relayOn(crashingBus, 25);
    await expect(dying.drainOnce()).rejects.toThrow('killed mid-batch');
    const [{ pending }] = await h.sql(`SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL AND id = ANY($1::uuid[])`, [events.map((e) => e.id)]);
    expect(pending).toBe(25);

    // A fresh relay sweeps every unpublished row.
    const restarted = relayOn(h.bus);
    await restarted.start();
    try {
      for (const e of events) await recorder.waitFor((r) => r.event?.id === e.id);
      await eventually(async () => {
        const [{ left }] = await h.sql(`SELECT count(*)::int AS left FROM outbox WHERE published_at IS NULL`);
        return left === 0;
      }, 10000, 'outbox drained');
      // At-least-once: the first 10 went out twice; every one of the 25 is there; ids dedupe downstream.
      const ids = new Set(recorder.matching((r) => events.some((e) => e.id === r.event?.id)).map((r) => r.event!.id));
      expect(ids.size).toBe(25);
    } finally {
      await restarted.stop();
    }
  });

  it('purges published rows past retention and never an unpublished one', async () => {
    const old = erasedEvent('t3');
    const pending = erasedEvent('t3');
    await inTenantTx(h.ds, 't3', (m) => writer.append(m, [{ topic, event: old }, { topic, event: pending }]));
    await h.sql(`UPDATE outbox SET published_at = now() - interval '200 hours' WHERE id = $1`, [old.id]);
    await h.sql(`UPDATE outbox SET created_at = now() - interval '300 hours' WHERE id = $1`, [pending.id]);
    const relay = new OutboxRelay(h.ds, h.bus, { schema: h.schema, databaseUrl: h.url, pollMs: 200, batchSize: 50, retentionHours: 168 }, silentLogger);
    expect(await relay.purgePublished()).toBe(1);
    const left = await h.sql(`SELECT id FROM outbox WHERE id = ANY($1::uuid[])`, [[old.id, pending.id]]);
    expect(left.map((r: { id: string }) => r.id)).toEqual([pending.id]);
  });

  it('with a retention of 0 deletes each row as it publishes it: the events go out, no row is left to mark or purge', async () => {
    const events = Array.from({ length: 3 }, () => erasedEvent('t5'));
    await inTenantTx(h.ds, 't5', (m) => writer.append(m, events.map((event) => ({ topic, event }))));
    const relay = new OutboxRelay(h.ds, h.bus, { schema: h.schema, databaseUrl: h.url, pollMs: 200, batchSize: 50, retentionHours: 0 }, silentLogger);
    expect(await relay.drainOnce()).toBeGreaterThanOrEqual(3);
    for (const e of events) expect((await recorder.waitFor((r) => r.event?.id === e.id)).event).toEqual(e);
    const [{ left }] = await h.sql(`SELECT count(*)::int AS left FROM outbox WHERE id = ANY($1::uuid[])`, [events.map((e) => e.id)]);
    expect(left).toBe(0);
  });

  it('stores each event of a multi-event append on its own row, in order: id, key, type and payload of the same event', async () => {
    // Text that JSON and SQL both escape (quotes, backslashes, a non-ASCII letter, a newline).
    const snapshot = (contactId: string, k: number): ContactSnapshot => ({
      contactId, version: 1, firstName: `Zoë "${k}"`, lastName: 'back\\slash\nline', displayName: `Zoë "${k}" O'Hara`, emails: [], phones: [],
      companyId: null, companyName: null, tags: [`t,${k}`, '{braces}'], ownerId: 'u1', lifecycleStage: null, preferredChannels: [], consents: [],
      addresses: [], socialHandles: [], country: null, timeZone: null, customFields: {}, createdAt: new Date().toISOString(),
    });
    const events = [
      ...Array.from({ length: 40 }, (_, k) => {
        const contactId = randomUUID();
        return envelope({ type: ContactCreatedV1.type, source: 'crm/test', subject: contactId, tenantId: 't4', data: snapshot(contactId, k) });
      }),
      erasedEvent('t4'),
    ];
    await inTenantTx(h.ds, 't4', (m) => writer.append(m, events.map((event) => ({ topic, event }))));
    const rows = await h.sql(`SELECT id, key, type, tenant_id, payload FROM outbox WHERE tenant_id = 't4' ORDER BY seq`);
    expect(rows).toEqual(events.map((e) => ({ id: e.id, key: e.subject, type: e.type, tenant_id: 't4', payload: JSON.parse(JSON.stringify(e)) })));
  });
});
