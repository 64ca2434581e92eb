import { startService, type RequestContext, type RunningService } from '@crm/platform';
import { Kafka, logLevel } from 'kafkajs';
import { adminQuery, dataOf, freshSchema, kafkaBrokers, serviceTestEnv, subgraphClient, TopicRecorder, uniqueId, uniqueTenant, type GqlResult } from '@crm/testing';
import { decodeEvent, type CloudEvent } from '@crm/events';
import { contactsService } from '../src/service';

/** Boots the real contacts service (real Postgres schema, real Kafka) for one test file. */
export async function startContacts(extraEnv: Record<string, string> | ((schema: string) => Record<string, string>) = {}) {
  const fresh = await freshSchema('contacts');
  const topicPrefix = `${uniqueId('it')}.`;
  const extra = typeof extraEnv === 'function' ? extraEnv(fresh.schema) : extraEnv;
  const svc: RunningService = await startService(contactsService, { env: serviceTestEnv(fresh.schema, topicPrefix, extra) });
  const h = {
    svc,
    schema: fresh.schema,
    topicPrefix,
    /** The contacts topic of this test file (per-file prefix). */
    topic: `${topicPrefix}crm.contacts.events`,
    client(ctx: Partial<RequestContext> = {}) {
      return subgraphClient(
        svc.url,
        { tenantId: ctx.tenantId ?? uniqueTenant(), userId: ctx.userId ?? 'user-1', roles: ctx.roles ?? ['admin'], ...(ctx.profile ? { profile: ctx.profile } : {}) },
        svc.config.GATEWAY_INTERNAL_SECRET,
      );
    },
    /** Puts each user into the tenant's directory the way production does: by a first request of theirs. */
    async provision(tenantId: string, ...userIds: string[]) {
      for (const userId of userIds) dataOf(await h.client({ tenantId, userId, roles: ['rep'] })('{ me { id } }'));
    },
    /** Plain SQL as the test admin (superuser: bypasses row-level security; the service itself runs as its own login), for counting what was really written. */
    sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
      return adminQuery(query, params);
    },
    /** Rows of a tenant-bound table of this schema that belong to the tenant. */
    async count(table: string, tenantId: string): Promise<number> {
      const [{ n }] = await adminQuery(`SELECT count(*)::int AS n FROM "${fresh.schema}".${table} WHERE tenant_id = $1`, [tenantId]);
      return n;
    },
    /** Outbox rows of a tenant (optionally of one event type): what will reach Kafka. */
    async outboxCount(tenantId: string, type?: string): Promise<number> {
      const [{ n }] = await adminQuery(
        `SELECT count(*)::int AS n FROM "${fresh.schema}".outbox WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2)`,
        [tenantId, type ?? null],
      );
      return n;
    },
    /**
     * Everything a tenant has in the contacts schema (to prove "nothing was written"). The caller's
     * own provisioning (users row and user.provisioned, written by their first request whatever it
     * asks) is not the operation's doing and is left out.
     */
    async footprint(tenantId: string) {
      const tables = ['contacts', 'contact_emails', 'contact_phones', 'consents', 'companies', 'interactions', 'custom_field_definitions', 'contact_merges', 'company_merges', 'teams', 'team_members', 'tenant_profiles'];
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = await h.count(t, tenantId);
      const [{ n }] = await adminQuery(`SELECT count(*)::int AS n FROM "${fresh.schema}".outbox WHERE tenant_id = $1 AND type <> 'crm.contacts.user.provisioned.v1'`, [tenantId]);
      out.outbox = n;
      return out;
    },
    /** A started recorder on this file's contacts topic (stop it in afterAll). */
    recorder() {
      return new TopicRecorder(h.topic).start();
    },
    async stop() {
      await svc.stop();
      await fresh.drop();
    },
  };
  return h;
}

export type Harness = Awaited<ReturnType<typeof startContacts>>;

/** The service and a started recorder of its topic, as most suites use them: `beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()))`. */
export async function startContactsWithRecorder(): Promise<{ h: Harness; rec: TopicRecorder }> {
  const h = await startContacts();
  return { h, rec: await h.recorder() };
}

/** Stops what startContactsWithRecorder started, recorder first; either may be missing when beforeAll failed half-way. */
export async function stopContactsWithRecorder(h: Harness | undefined, rec: TopicRecorder | undefined): Promise<void> {
  await rec?.stop();
  await h?.stop();
}
export type Gql = ReturnType<Harness['client']>;
export type Recorded = TopicRecorder['events'][number];

export const CONTACT_FIELDS = `id firstName lastName displayName email phone tags preferredChannels version mergedIntoId erased createdAt updatedAt
  ownerId lifecycleStage source { leadSource source medium campaign term content keyword }
  addresses { label line1 line2 city region postalCode country }
  emails { email primary } phones { phone e164 primary } company { id name domains } customFields { key type value }
  consents { channel granted legalBasis source recordedAt }`;

export const Q = {
  create: `mutation($i: CreateContactInput!) { createContact(input: $i) { ${CONTACT_FIELDS} } }`,
  update: `mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { ${CONTACT_FIELDS} } }`,
  contact: `query($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} } }`,
  merge: `mutation($s: ID!, $d: ID!) { mergeContacts(survivorId: $s, duplicateId: $d) { ${CONTACT_FIELDS} } }`,
  erase: `mutation($id: ID!) { eraseContact(id: $id) { contactId erasedAt eventLogCopiesExpireBy } }`,
  setConsent: `mutation($i: SetConsentInput!) { setConsent(input: $i) { ${CONTACT_FIELDS} } }`,
  logInteraction: `mutation($i: LogInteractionInput!) { logInteraction(input: $i) { id kind summary body occurredAt actorId sourceModule } }`,
  timeline: `query($id: ID!, $first: Int, $after: String) { contact(id: $id) { id timelineEntries(first: $first, after: $after) {
    edges { cursor node { id kind summary body occurredAt actorId sourceModule } } pageInfo { hasNextPage endCursor } totalCount } } }`,
  createCompany: `mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id name domains createdAt } }`,
  updateCompany: `mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { id name domains } }`,
  defineField: `mutation($i: DefineCustomFieldInput!) { defineCustomField(input: $i) { key label type options } }`,
  fieldDefs: `{ customFieldDefinitions { key label type options } }`,
  list: `query($first: Int, $after: String, $filter: ContactFilter, $orderBy: ContactOrder) {
    contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id firstName lastName displayName email phone tags lifecycleStage createdAt updatedAt company { id name } } } } }`,
  exportData: `query($id: ID!) { exportContactData(id: $id) }`,
  exportCsv: `query($filter: ContactFilter) { exportContactsCsv(filter: $filter) }`,
  importCsv: `mutation($csv: String!, $c: String) { importContactsCsv(csv: $csv, defaultCountry: $c) { jobId rows created skipped failed errors { row message } } }`,
};

/** Asserts the call failed with one error of the given code (and message); returns the error. */
export function expectError(r: GqlResult, code: string, message?: RegExp) {
  expect(r.errors).toBeDefined();
  expect(r.errors!.length).toBeGreaterThanOrEqual(1);
  const e = r.errors![0];
  expect({ code: e.extensions?.code, message: e.message }).toEqual({ code, message: message ? expect.stringMatching(message) : expect.any(String) });
  return e;
}

/**
 * Waits for the event of `type` about `subject` on the topic and checks the envelope: Kafka key =
 * subject, CloudEvents tenant, source and content type.
 */
export async function expectEvent<T = any>(
  rec: TopicRecorder,
  o: { type: string; subject: string; tenantId: string; where?: (data: T, e: CloudEvent<T>) => boolean },
  timeoutMs = 30000,
): Promise<CloudEvent<T>> {
  const hit = await rec.waitFor<T>((e) => e.event?.type === o.type && e.event.subject === o.subject && (!o.where || o.where(e.event.data as T, e.event as CloudEvent<T>)), timeoutMs);
  expect(hit.key).toBe(o.subject);
  expect(hit.event.tenantid).toBe(o.tenantId);
  expect(hit.event.source).toBe('crm/contacts');
  expect(hit.event.specversion).toBe('1.0');
  expect(hit.headers['content-type']).toBe('application/cloudevents+json');
  return hit.event;
}

/** All recorded events of a tenant (decoded), in arrival order. */
export function eventsOf(rec: TopicRecorder, tenantId: string, type?: string) {
  return rec.events.filter((e) => e.event?.tenantid === tenantId && (!type || e.event.type === type)).map((e) => e.event!);
}

/**
 * Waits until a message for each key has arrived on the topic and returns those messages decoded.
 * Unlike TopicRecorder it keeps and decodes only the wanted keys, so it stays cheap on a topic that
 * carries a bulk import's hundred thousand events.
 */
export async function waitForKeys(topic: string, keys: string[], timeoutMs = 60000): Promise<Map<string, { key: string; event: CloudEvent<any> }>> {
  const wanted = new Set(keys);
  const found = new Map<string, { key: string; event: CloudEvent<any> }>();
  const consumer = new Kafka({ clientId: 'test-key-waiter', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueId('keys'), maxWaitTimeInMs: 50 });
  let done!: () => void;
  const allFound = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (!key || !wanted.has(key) || found.has(key)) return;
        found.set(key, { key, event: decodeEvent(message.value) });
        if (found.size === wanted.size) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([allFound, timeout]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  const missing = keys.filter((k) => !found.has(k));
  if (missing.length) throw new Error(`no message on ${topic} within ${timeoutMs} ms for key(s) ${missing.join(', ')}`);
  return found;
}

export const EVENT = {
  created: 'crm.contacts.contact.created.v1',
  updated: 'crm.contacts.contact.updated.v1',
  merged: 'crm.contacts.contact.merged.v1',
  erased: 'crm.contacts.contact.erased.v1',
  interaction: 'crm.contacts.interaction.logged.v1',
  company: 'crm.contacts.company.upserted.v1',
  customField: 'crm.contacts.custom-field.defined.v1',
  archived: 'crm.contacts.contact.archived.v1',
  restored: 'crm.contacts.contact.restored.v1',
  companyMerged: 'crm.contacts.company.merged.v1',
  interactionEdited: 'crm.contacts.interaction.edited.v1',
  interactionDeleted: 'crm.contacts.interaction.deleted.v1',
} as const;

export { uniqueTenant };
