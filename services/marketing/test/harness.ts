import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ContactCreatedV1, ContactErasedV1, ContactMergedV1, envelope, exampleSnapshot, type ContactSnapshot } from '@crm/events';
import { startService, type RequestContext, type RunningService } from '@crm/platform';
import { adminQuery, eventually, freshSchema, kafkaBrokers, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant, type GqlResult } from '@crm/testing';
import { marketingService } from '../src/service';

/**
 * Boots the real marketing service alone (real Postgres schema, real Kafka) for one test file. Contacts
 * reach its replica the way they do in production: contact events on the (prefixed) contacts topic.
 */
export async function startMarketing(extraEnv: Record<string, string> = {}) {
  const fresh = await freshSchema('marketin');
  const topicPrefix = `${uniqueId('it')}.`;
  const env = serviceTestEnv(fresh.schema, topicPrefix, extraEnv);
  let svc: RunningService = await startService(marketingService, { env });
  const kafka = new Kafka({ clientId: 'marketing-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  let connected: Promise<Producer> | undefined;
  const h = {
    get svc() {
      return svc;
    },
    schema: fresh.schema,
    /** The service's environment (another process on the same database and topics starts with it). */
    env,
    /** A new process on the same database and topics (what a crash-and-restart or a rolling deploy gives). */
    async restart() {
      await svc.stop();
      svc = await startService(marketingService, { env });
    },
    client(ctx: Partial<RequestContext> = {}) {
      return subgraphClient(svc.url, { tenantId: ctx.tenantId ?? uniqueTenant(), userId: ctx.userId ?? 'user-1', roles: ctx.roles ?? ['admin'] });
    },
    sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
      return adminQuery<T>(query, params);
    },
    async publishContactEvent(tenantId: string, type: string, subject: string, data: unknown): Promise<string> {
      // Shared by concurrent callers: the first one connects it.
      connected ??= (async () => {
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return producer;
      })();
      const ev = envelope({ type, subject, data, tenantId, source: 'crm/contacts' });
      await (await connected).send({ topic: `${topicPrefix}crm.contacts.events`, acks: -1, messages: [{ key: subject, value: JSON.stringify(ev) }] });
      return ev.id;
    },
    /** Until the consumer (`marketing.<name>`) has handled the event: its inbox row commits with the handler's writes. */
    async handled(consumer: string, eventId: string, what: string) {
      await eventually(async () => (await h.sql(`SELECT 1 FROM "${fresh.schema}".inbox WHERE consumer = $1 AND event_id = $2`, [consumer, eventId])).length > 0, 30000, `${what} handled`);
    },
    /** contact.created on Kafka, then waits until the replica has it. */
    async contact(tenantId: string, over: Partial<ContactSnapshot> = {}): Promise<ContactSnapshot> {
      const snap: ContactSnapshot = { ...exampleSnapshot, contactId: randomUUID(), ...over };
      await h.publishContactEvent(tenantId, ContactCreatedV1.type, snap.contactId, snap);
      await h.waitReplica(tenantId, snap.contactId);
      return snap;
    },
    async waitReplica(tenantId: string, contactId: string, where = 'true') {
      await eventually(
        async () => (await h.sql(`SELECT 1 FROM "${fresh.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND ${where}`, [tenantId, contactId])).length > 0,
        30000,
        `contact ${contactId} in the marketing replica`,
      );
    },
    async merge(tenantId: string, survivor: ContactSnapshot, duplicateId: string) {
      await h.publishContactEvent(tenantId, ContactMergedV1.type, survivor.contactId, { survivorId: survivor.contactId, duplicateId, survivor: { ...survivor, version: survivor.version + 1 } });
      await h.waitReplica(tenantId, duplicateId, `merged_into = '${survivor.contactId}'`);
    },
    async erase(tenantId: string, contactId: string) {
      await h.publishContactEvent(tenantId, ContactErasedV1.type, contactId, { contactId, erasedAt: new Date().toISOString() });
      await h.waitReplica(tenantId, contactId, 'erased_at IS NOT NULL');
    },
    /** This service's outbox rows of a tenant, oldest first. */
    async outboxEvents(tenantId: string): Promise<{ key: string; type: string; data: unknown }[]> {
      const rows = await h.sql<{ key: string; type: string; payload: { data: unknown } }>(`SELECT key, type, payload FROM "${fresh.schema}".outbox WHERE tenant_id = $1 ORDER BY seq`, [tenantId]);
      return rows.map((r) => ({ key: r.key, type: r.type, data: r.payload.data }));
    },
    async stop() {
      await producer?.disconnect();
      await svc.stop();
      await fresh.drop();
    },
  };
  return h;
}

export type Harness = Awaited<ReturnType<typeof startMarketing>>;

export function expectError(r: GqlResult, code: string) {
  expect(r.errors?.length).toBeGreaterThan(0);
  expect(r.errors![0].extensions?.code).toBe(code);
  return r.errors![0];
}
