import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startService, type RequestContext, type RunningService } from '@crm/platform';
import { CompanyUpsertedV1, ContactCreatedV1, ContactErasedV1, ContactMergedV1, envelope, exampleSnapshot, type CloudEvent, type ContactSnapshot } from '@crm/events';
import { adminQuery, eventually, freshSchema, kafkaBrokers, serviceTestEnv, subgraphClient, TopicRecorder, uniqueId, uniqueTenant, type GqlResult } from '@crm/testing';
import { randomUUID } from 'node:crypto';
import { salesService } from '../src/service';

/**
 * Boots the real sales service alone (real Postgres schema, real Kafka) for one test file. Contacts
 * reach its replica the way they do in production: contact events on the (prefixed) contacts topic,
 * published here with a plain kafkajs producer as the contacts service's relay would.
 */
export async function startSales(extraEnv: Record<string, string> = {}, reuse?: { schema: string; topicPrefix: string; dropSchema: () => Promise<void> }) {
  // A restart on the stopped harness's schema: its stop() drops that schema (and its roles) in the end.
  const fresh = reuse ? { schema: reuse.schema, drop: reuse.dropSchema } : await freshSchema('sales');
  const topicPrefix = reuse?.topicPrefix ?? `${uniqueId('it')}.`;
  const svc: RunningService = await startService(salesService, { env: serviceTestEnv(fresh.schema, topicPrefix, extraEnv) });
  const kafka = new Kafka({ clientId: 'sales-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  const h = {
    svc,
    schema: fresh.schema,
    dropSchema: fresh.drop,
    topicPrefix,
    topic: `${topicPrefix}crm.sales.events`,
    contactsTopic: `${topicPrefix}crm.contacts.events`,
    client(ctx: Partial<RequestContext> = {}) {
      return subgraphClient(svc.url, { tenantId: ctx.tenantId ?? uniqueTenant(), userId: ctx.userId ?? 'user-1', roles: ctx.roles ?? ['admin'] });
    },
    sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
      return adminQuery(query, params);
    },
    async publishContactEvent(tenantId: string, type: string, subject: string, data: unknown): Promise<CloudEvent> {
      const ev = envelope({ type, subject, data, tenantId, source: 'crm/contacts' });
      await h.publishEnvelope(ev);
      return ev;
    },
    /** Publishes an envelope as is (publishing one twice simulates an at-least-once redelivery). */
    async publishEnvelope(ev: CloudEvent) {
      if (!producer) {
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
      }
      await producer.send({ topic: h.contactsTopic, acks: -1, messages: [{ key: ev.subject, value: JSON.stringify(ev), headers: { 'content-type': 'application/cloudevents+json' } }] });
    },
    /** contact.created on Kafka, then waits until the sales replica has it. */
    async contact(tenantId: string, over: Partial<ContactSnapshot> = {}): Promise<ContactSnapshot> {
      const snap: ContactSnapshot = { ...exampleSnapshot, contactId: randomUUID(), ...over };
      await h.publishContactEvent(tenantId, ContactCreatedV1.type, snap.contactId, snap);
      await h.waitReplica(tenantId, snap.contactId);
      return snap;
    },
    /** company.upserted on Kafka, then waits until the company replica has it. */
    async company(tenantId: string, over: { companyId?: string; name?: string; version?: number } = {}): Promise<string> {
      const data = { companyId: over.companyId ?? randomUUID(), name: over.name ?? 'Analytical Engines Ltd', domains: [], version: over.version ?? 1 };
      await h.publishContactEvent(tenantId, CompanyUpsertedV1.type, data.companyId, data);
      await eventually(
        async () => (await h.sql(`SELECT 1 FROM "${fresh.schema}".company_replica WHERE tenant_id = $1 AND company_id = $2 AND version >= $3`, [tenantId, data.companyId, data.version])).length > 0,
        30000,
        `company ${data.companyId} in the sales replica`,
      );
      return data.companyId;
    },
    async waitReplica(tenantId: string, contactId: string, where = 'true') {
      await eventually(
        async () => (await h.sql(`SELECT 1 FROM "${fresh.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND ${where}`, [tenantId, contactId])).length > 0,
        30000,
        `contact ${contactId} in the sales replica`,
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
    async outboxCount(tenantId: string, type?: string): Promise<number> {
      const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${fresh.schema}".outbox WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2)`, [tenantId, type ?? null]);
      return n;
    },
    /** This service's outbox rows of a tenant (published rows stay until retention), oldest first. */
    async outboxEvents(tenantId: string, type?: string): Promise<{ key: string; type: string; data: any; published: boolean }[]> {
      const rows = await h.sql(
        `SELECT key, type, payload, published_at FROM "${fresh.schema}".outbox WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2) ORDER BY seq`,
        [tenantId, type ?? null],
      );
      return rows.map((r: any) => ({ key: r.key, type: r.type, data: r.payload.data, published: r.published_at !== null }));
    },
    /** Waits until the relay has published every outbox row of the tenant. */
    async waitPublished(tenantId: string) {
      await eventually(
        async () => (await h.sql(`SELECT 1 FROM "${fresh.schema}".outbox WHERE tenant_id = $1 AND published_at IS NULL LIMIT 1`, [tenantId])).length === 0,
        30000,
        `the outbox of ${tenantId} published`,
      );
    },
    recorder() {
      return new TopicRecorder(h.topic).start();
    },
    /** Stops the service, keeping its schema (restart with startSales(env, h)). */
    async stopService() {
      await producer?.disconnect();
      producer = undefined;
      await svc.stop();
    },
    async stop() {
      await h.stopService();
      await fresh.drop();
    },
  };
  return h;
}

export type Harness = Awaited<ReturnType<typeof startSales>>;
export type Gql = ReturnType<Harness['client']>;

export function expectError(r: GqlResult, code: string, message?: RegExp) {
  expect(r.errors?.length).toBeGreaterThan(0);
  const e = r.errors![0];
  expect({ code: e.extensions?.code, message: e.message }).toEqual({ code, message: message ? expect.stringMatching(message) : expect.any(String) });
  return e;
}

export const DEAL_FIELDS = `id title ownerId amount { amount currency } pipelineId status lostReason expectedCloseDate forecastCategory version
  contact { id } stage { id name position probability } source { leadSource source medium campaign term content keyword }
  stageHistory { fromStageId toStageId movedBy movedAt } closedAt`;

export const Q = {
  createPipeline: `mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id name isDefault stages { id name position probability } } }`,
  createDeal: `mutation($i: CreateDealInput!) { createDeal(input: $i) { ${DEAL_FIELDS} } }`,
  moveDeal: `mutation($id: ID!, $s: ID!) { moveDeal(id: $id, stageId: $s) { ${DEAL_FIELDS} } }`,
  winDeal: `mutation($id: ID!) { winDeal(id: $id) { ${DEAL_FIELDS} } }`,
  loseDeal: `mutation($id: ID!, $r: String!) { loseDeal(id: $id, reason: $r) { ${DEAL_FIELDS} } }`,
  deal: `query($id: ID!) { deal(id: $id) { ${DEAL_FIELDS} } }`,
  updateDeal: `mutation($id: ID!, $i: UpdateDealInput!) { updateDeal(id: $id, input: $i) { ${DEAL_FIELDS} notes } }`,
  deals: `query($f: DealFilter, $n: Int, $a: String) { deals(filter: $f, first: $n, after: $a) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } totalCount } }`,
  entities: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id deals { edges { node { id title amount { amount currency } } } } orders { edges { node { id number total { amount currency } channel } } } lifetimeValue { amount currency } } } }`,
};

export const SALES_EVENT = {
  dealCreated: 'crm.sales.deal.created.v1',
  stageChanged: 'crm.sales.deal.stage-changed.v1',
  won: 'crm.sales.deal.won.v1',
  lost: 'crm.sales.deal.lost.v1',
  quoteSent: 'crm.sales.quote.sent.v1',
  orderPlaced: 'crm.sales.order.placed.v1',
  orderPaid: 'crm.sales.order.paid.v1',
  taskDue: 'crm.sales.task.due.v1',
  dealUpdated: 'crm.sales.deal.updated.v1',
  pipelineCreated: 'crm.sales.pipeline.created.v1',
  productUpserted: 'crm.sales.product.upserted.v1',
  priceListUpserted: 'crm.sales.price-list.upserted.v1',
  commissionRuleCreated: 'crm.sales.commission-rule.created.v1',
  quoteTemplateUpdated: 'crm.sales.quote-template.updated.v1',
  quoteCreated: 'crm.sales.quote.created.v1',
  quoteDeclined: 'crm.sales.quote.declined.v1',
  quoteAccepted: 'crm.sales.quote.accepted.v1',
  taskCreated: 'crm.sales.task.created.v1',
  taskCompleted: 'crm.sales.task.completed.v1',
} as const;
