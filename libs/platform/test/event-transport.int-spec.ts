import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { ContactErasedV1, ContactMergedV1, deadLetterTopic, envelope, exampleSnapshot, InteractionLoggedV1, topicName } from '@crm/events';
import { eventually, kafkaBrokers, TopicRecorder, uniqueId } from '@crm/testing';
import { CrmEventTransport, DLT_HEADERS, readDeadLetters, EventConsumer, EventPublisher, OnEvent, ServiceMetrics, type CrmEventContext, type Event, type ServiceInfo } from '../src';
import { platformHarness, silentLogger } from './harness';

type Harness = Awaited<ReturnType<typeof platformHarness>>;

const POISON = randomUUID();
const EMIT_THEN_FAIL = randomUUID();
const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** Handler calls per event id: a second application shows up here, whatever the database says. */
const calls = new Map<string, number>();
let outages = 0;
const seen: { id: string; consumer: string; tenant: string; traceparent?: string; boundTenant: string }[] = [];

/** A module's event handlers as a module author writes them. */
@EventConsumer('notes-projection', { maxAttempts: 3, retryBackoffMs: 10 })
class NotesProjection {
  @OnEvent(ContactErasedV1)
  async onErased(@Payload() e: Event<typeof ContactErasedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    calls.set(e.id, (calls.get(e.id) ?? 0) + 1);
    if (e.data.contactId === POISON) throw new Error(`cannot project contact ${POISON}`);
    if (e.subject === 'outage' && outages-- > 0) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const [{ tenant }] = await ctx.tx.query<{ tenant: string }>(`SELECT current_setting('app.tenant_id', true) AS tenant`);
    seen.push({ id: e.id, consumer: ctx.consumer, tenant: ctx.tx.tenantId, traceparent: ctx.traceparent, boundTenant: tenant });
    await ctx.tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'projected') ON CONFLICT (id) DO NOTHING`, [e.id, e.tenantid]);
    // What a handler emits commits with its inbox row, in the event's trace.
    const interactionId = randomUUID();
    await ctx.tx.emit(InteractionLoggedV1, e.data.contactId, { interactionId, contactId: e.data.contactId, kind: 'note', summary: `erased ${e.id}`, occurredAt: e.time, actorId: null });
    if (e.data.contactId === EMIT_THEN_FAIL) throw new Error('failed after emitting');
  }
}

@Module({ controllers: [NotesProjection] })
class NotesModule {}

describe('event handlers on the platform transport (@nestjs/microservices over real Kafka + Postgres)', () => {
  let h: Harness;
  let app: INestMicroservice;
  let transport: CrmEventTransport;
  let dlt: TopicRecorder;
  const prefix = `${uniqueId('transport')}.`;
  const topic = topicName('contacts', prefix);
  const group = 'sales.notes-projection';
  const metrics = new ServiceMetrics('sales');

  beforeAll(async () => {
    h = await platformHarness();
    await h.bus.ensureTopics([topic, deadLetterTopic(topic)]);
    dlt = await new TopicRecorder(deadLetterTopic(topic)).start();
    const info: ServiceInfo = { name: 'sales', schema: h.schema, topic: topicName('sales', prefix), topicPrefix: prefix, consumerGroupPrefix: prefix, production: false, schemaOnly: false };
    transport = new CrmEventTransport({ ds: h.ds, bus: h.bus, info, log: silentLogger, metrics, emitter: new EventPublisher(info), inboxRetentionHours: 168 });
    app = await NestFactory.createMicroservice(NotesModule, { strategy: transport, logger: false });
    await app.listen();
  });
  afterAll(async () => {
    await app?.close();
    await dlt?.stop();
    await h?.close();
  });

  const erased = (contactId: string = randomUUID(), over: object = {}) =>
    ({ ...envelope({ type: ContactErasedV1.type, source: 'crm/contacts', subject: contactId, tenantId: 'tenant-t', data: { contactId, erasedAt: new Date().toISOString() } }), ...over });
  const send = (e: object, key: string) => h.bus.publish([{ topic, key, value: JSON.stringify(e) }]);
  const notes = async (id: string): Promise<number> => (await h.sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [id]))[0].n;
  const emitted = (eventId: string) => h.sql(`SELECT payload FROM outbox WHERE type = $1 AND payload->'data'->>'summary' = $2`, [InteractionLoggedV1.type, `erased ${eventId}`]);

  it('registers each @EventConsumer class as one consumer group <service>.<name> on the topics of its contracts', () => {
    expect(transport.consumers()).toEqual([{ name: group, types: [ContactErasedV1.type], topics: [topic] }]);
  });

  it('applies a redelivered event once: handler, inbox row and emitted event commit together, bound to the tenant, in the producer\'s trace', async () => {
    const e = erased(undefined, { traceparent: TRACE });
    await send(e, e.subject);
    await send(e, e.subject);
    const after = erased();
    await send(after, e.subject);
    await eventually(async () => (await notes(after.id)) === 1, 30000, 'the event after the copy');
    expect(calls.get(e.id)).toBe(1);
    expect(await notes(e.id)).toBe(1);
    expect((await h.sql(`SELECT count(*)::int AS n FROM inbox WHERE consumer = $1 AND event_id = $2`, [group, e.id]))[0].n).toBe(1);
    expect(seen.find((s) => s.id === e.id)).toMatchObject({ consumer: group, tenant: 'tenant-t', boundTenant: 'tenant-t', traceparent: expect.stringMatching(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/) });
    const [out] = await emitted(e.id);
    expect(out.payload).toMatchObject({ tenantid: 'tenant-t', traceparent: seen.find((s) => s.id === e.id)!.traceparent });
    expect(dlt.matching((r) => r.event?.id === e.id)).toHaveLength(0);
  });

  it('exports each group\'s lag read from the broker (crm_consumer_lag), 0 once it has caught up', async () => {
    const e = erased();
    await send(e, e.subject);
    await eventually(async () => (await notes(e.id)) === 1, 30000, 'the event');
    const line = `crm_consumer_lag{consumer="${group}",topic="${topic}",service="sales"}`;
    await eventually(async () => (await metrics.registry.getSingleMetricAsString('crm_consumer_lag')).includes(`${line} 0`), 30000, 'lag 0 after the commit');
  });

  it('dead-letters a poison event with the handler\'s own error and the consumer group, and the stream of its key continues', async () => {
    const poison = erased(POISON);
    const invalid = { ...erased(), data: { contactId: 'not-a-uuid' } };
    const later = erased();
    await send(poison, 'k-poison');
    await send(invalid, 'k-poison');
    await send(later, 'k-poison');
    await eventually(async () => (await notes(later.id)) === 1, 30000, 'the event after the poison ones');
    const failed = await dlt.waitFor((r) => r.event?.id === poison.id);
    expect(failed.headers[DLT_HEADERS.error]).toBe(`cannot project contact ${POISON}`);
    expect(failed.headers[DLT_HEADERS.consumer]).toBe(group);
    expect(failed.headers[DLT_HEADERS.attempts]).toBe('3');
    expect(calls.get(poison.id)).toBe(3);
    // What `crm events dlt list --consumer` shows.
    const listed = await readDeadLetters(topic, { brokers: kafkaBrokers(), consumer: group });
    expect(listed.find((d) => d.eventId === poison.id)).toMatchObject({ consumer: group, originalTopic: topic, error: `cannot project contact ${POISON}` });
    // Checked against the contract at consume: never reaches the handler.
    const rejected = await dlt.waitFor((r) => r.raw.includes(invalid.id));
    expect(rejected.headers[DLT_HEADERS.attempts]).toBe('0');
    expect(calls.has(invalid.id)).toBe(false);
  });

  it('rolls back what a failing handler emitted with its writes', async () => {
    const e = erased(EMIT_THEN_FAIL);
    await send(e, 'k-emit');
    await dlt.waitFor((r) => r.event?.id === e.id);
    expect(await notes(e.id)).toBe(0);
    expect(await emitted(e.id)).toHaveLength(0);
  });

  it('redelivers an event whose handler hit a database outage instead of dead-lettering it; it is applied once', async () => {
    outages = 5; // more failures than maxAttempts
    const e = erased(undefined, { subject: 'outage' });
    await send(e, 'outage');
    await eventually(async () => (await notes(e.id)) === 1, 60000, 'applied after the outage');
    expect(calls.get(e.id)).toBeGreaterThan(3);
    expect(dlt.matching((r) => r.event?.id === e.id)).toHaveLength(0);
  });

  it('acknowledges types it has no handler for (another consumer\'s, or a newer version) without dead-lettering', async () => {
    const other = envelope({ type: ContactMergedV1.type, source: 'crm/contacts', subject: 'k-other', tenantId: 'tenant-t', data: { survivorId: exampleSnapshot.contactId, duplicateId: randomUUID(), survivor: exampleSnapshot } });
    const newer = { ...erased(), type: 'crm.contacts.contact.erased.v9' };
    const after = erased();
    await send(other, 'k-other');
    await send(newer, 'k-other');
    await send(after, 'k-other');
    await eventually(async () => (await notes(after.id)) === 1, 30000, 'the event after the unknown types');
    expect(dlt.matching((r) => r.event?.id === other.id || r.raw.includes(newer.id))).toHaveLength(0);
  });
});
