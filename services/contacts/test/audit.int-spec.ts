import { envelope, topicName, UnsubscribedV1, type EventData } from '@crm/events';
import { KafkaEventBus } from '@crm/platform';
import { dataOf, eventually, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const ENTRY = `id occurredAt actorId entity entityId action changes { field old new erased }`;
const HISTORY = `query($id: ID!, $first: Int, $after: String) { contact(id: $id) { history(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ENTRY} } } } } }`;
const COMPANY_HISTORY = `query($id: ID!) { company(id: $id) { history { edges { node { ${ENTRY} } } } } }`;
const AUDIT_LOG = `query($f: AuditFilter, $first: Int) { contactsAuditLog(filter: $f, first: $first) { totalCount edges { node { ${ENTRY} } } } }`;

/** The changed fields of an entry as { field: [old, new] } (values parsed from their JSON). */
const fieldsOf = (entry: any) => Object.fromEntries(entry.changes.map((c: any) => [c.field, [c.old === null ? null : JSON.parse(c.old), c.new === null ? null : JSON.parse(c.new)]]));

/** The audit trail of contacts (docs/audit.md), against the real service, Postgres and Kafka. */
describe('audit trail (contacts)', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const history = async (gql: Gql, id: string) => dataOf(await gql(HISTORY, { id, first: 50 })).contact.history;

  it('records who created and updated a contact, with exactly the changed fields; the events carry the same actor', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'ada-7', roles: ['rep'] });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Ada', lastName: 'Byron', email: 'ada@example.com', tags: ['vip'] } })).createContact;
    dataOf(await gql(Q.update, { id: c.id, i: { lastName: 'Lovelace', tags: ['vip', 'math'] } }));

    const conn = await history(gql, c.id);
    expect(conn.totalCount).toBe(2);
    const [update, create] = conn.edges.map((e: any) => e.node);
    expect(update).toMatchObject({ actorId: 'ada-7', entity: 'contact', entityId: c.id, action: 'update' });
    // Only what changed; version/updated_at/search columns are noise and never recorded.
    expect(fieldsOf(update)).toEqual({
      last_name: ['Byron', 'Lovelace'],
      display_name: ['Ada Byron', 'Ada Lovelace'],
      tags: [['vip'], ['vip', 'math']],
    });
    expect(create).toMatchObject({ actorId: 'ada-7', action: 'create' });
    expect(fieldsOf(create)).toMatchObject({ id: [null, c.id], first_name: [null, 'Ada'], last_name: [null, 'Byron'], tags: [null, ['vip']] });
    expect(Object.keys(fieldsOf(create))).not.toEqual(expect.arrayContaining(['version']));
    expect(new Date(update.occurredAt).getTime()).toBeGreaterThanOrEqual(new Date(create.occurredAt).getTime());

    // The email row is its own entity, and names the contact (so an erasure finds it).
    const emails = await h.sql(`SELECT entity_id, action, actor_id, contact_id FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'contact-email'`, [tenantId]);
    expect(emails).toEqual([{ entity_id: 'ada@example.com', action: 'create', actor_id: 'ada-7', contact_id: c.id }]);

    const created = await expectEvent(rec, { type: 'crm.contacts.contact.created.v1', subject: c.id, tenantId });
    expect(created.actorid).toBe('ada-7');
    const updated = await expectEvent(rec, { type: 'crm.contacts.contact.updated.v1', subject: c.id, tenantId });
    expect(updated.actorid).toBe('ada-7');
  });

  it('records a company’s create and update; a contact’s history pages newest first', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss-1', roles: ['admin'] });
    const co = dataOf(await gql(Q.createCompany, { i: { name: 'Analytical Engines', domains: ['engines.example'] } })).createCompany;
    dataOf(await gql(Q.updateCompany, { id: co.id, i: { name: 'Analytical Engines Ltd' } }));
    const edges = dataOf(await gql(COMPANY_HISTORY, { id: co.id })).company.history.edges.map((e: any) => e.node);
    expect(edges.map((e: any) => [e.action, e.actorId])).toEqual([
      ['update', 'boss-1'],
      ['create', 'boss-1'],
    ]);
    expect(fieldsOf(edges[0])).toEqual({ name: ['Analytical Engines', 'Analytical Engines Ltd'] });

    // Paging: first 1, then the rest through the cursor.
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Page', lastName: 'One' } })).createContact;
    for (const last of ['Two', 'Three']) dataOf(await gql(Q.update, { id: c.id, i: { lastName: last } }));
    const p1 = dataOf(await gql(HISTORY, { id: c.id, first: 1 })).contact.history;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(fieldsOf(p1.edges[0].node).last_name).toEqual(['Two', 'Three']);
    const p2 = dataOf(await gql(HISTORY, { id: c.id, first: 5, after: p1.pageInfo.endCursor })).contact.history;
    expect(p2.edges.map((e: any) => e.node.action)).toEqual(['update', 'create']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
  });

  it('an import is audited per row by one statement per table (one capture time for all its rows)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'importer-3' });
    const rows = Array.from({ length: 25 }, (_, i) => `Imp${i},Row${i},imp${i}@example.com`);
    const r = dataOf(await gql(Q.importCsv, { csv: ['firstName,lastName,email', ...rows].join('\n') })).importContactsCsv;
    expect(r.created).toBe(25);
    const [stats] = await h.sql(
      `SELECT count(*)::int AS n, count(DISTINCT occurred_at)::int AS statements, array_agg(DISTINCT actor_id) AS actors
         FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'contact' AND action = 'create'`,
      [tenantId],
    );
    expect(stats).toEqual({ n: 25, statements: 1, actors: ['importer-3'] });
  });

  it('a consumer writes for the event’s actor, and the event it emits in reaction carries it; an event without actorid is the system’s', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'owner-1' });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Una', lastName: 'Subscribe', email: 'una@example.com', preferredChannels: ['EMAIL'] } })).createContact;
    dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'signup' } }));
    const data: EventData<typeof UnsubscribedV1> = { ...UnsubscribedV1.example, contactId: c.id, channel: 'email', reason: 'unsubscribe' };
    const e = envelope({ type: UnsubscribedV1.type, subject: c.id, data, tenantId, source: 'crm/marketing', actorId: 'marketer-9' });
    const bus = h.svc.bus as KafkaEventBus;
    await bus.publish([{ topic: topicName('marketing', h.topicPrefix), key: c.id, value: JSON.stringify(e) }]);
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".inbox WHERE event_id = $1 AND consumer = 'contacts.marketing-consent'`, [e.id])).length > 0, 30000, 'unsubscribe handled');

    const consent = await h.sql(`SELECT actor_id, action, changes FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'consent' ORDER BY occurred_at`, [tenantId]);
    expect(consent.map((r: any) => r.actor_id)).toEqual(['owner-1', 'marketer-9']);
    expect(consent[1].changes.status).toEqual({ old: 'granted', new: 'withdrawn' });
    const reaction = await expectEvent(rec, { type: 'crm.contacts.contact.updated.v1', subject: c.id, tenantId, where: (_d, ev) => ev.actorid === 'marketer-9' });
    expect(reaction.actorid).toBe('marketer-9');

    // The same kind of event from a producer that predates actorid.
    const c2 = dataOf(await gql(Q.create, { i: { firstName: 'Old', lastName: 'Producer', email: 'old@example.com', preferredChannels: ['EMAIL'] } })).createContact;
    dataOf(await gql(Q.setConsent, { i: { contactId: c2.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT' } }));
    const legacy = envelope({ type: UnsubscribedV1.type, subject: c2.id, data: { ...data, contactId: c2.id }, tenantId, source: 'crm/marketing' });
    expect(legacy).not.toHaveProperty('actorid');
    await bus.publish([{ topic: topicName('marketing', h.topicPrefix), key: c2.id, value: JSON.stringify(legacy) }]);
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".inbox WHERE event_id = $1 AND consumer = 'contacts.marketing-consent'`, [legacy.id])).length > 0, 30000, 'legacy unsubscribe handled');
    const [withdrawn] = await h.sql(`SELECT actor_id FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'consent' AND entity_id = $2 AND action = 'update'`, [tenantId, `${c2.id}:email`]);
    expect(withdrawn).toEqual({ actor_id: 'system' });
  });

  it('erasure scrubs the personal values of the contact’s entries (contact, emails, consents, timeline) but keeps who changed which field when', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'dpo-1', roles: ['admin'] });
    const PII = ['Henrietta', 'Pleasant', 'henrietta@hopkins.example', 'notes about her'];
    const c = dataOf(await gql(Q.create, { i: { firstName: PII[0], lastName: PII[1], email: PII[2] } })).createContact;
    dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'paper form' } }));
    dataOf(await gql(Q.logInteraction, { i: { contactId: c.id, kind: 'CALL', summary: 'Call', body: PII[3] } }));
    const other = dataOf(await gql(Q.create, { i: { firstName: 'Bystander', lastName: 'Kept' } })).createContact;
    const before = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, c.id]);
    expect(before[0].n).toBeGreaterThanOrEqual(4);

    dataOf(await gql(Q.erase, { id: c.id }));

    const rows = await h.sql(`SELECT entity, entity_id, action, actor_id, changes, erased_at FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, c.id]);
    // Every earlier entry is still there, plus the erasure's own (the deletes and the contact's update).
    expect(rows.length).toBeGreaterThan(before[0].n);
    const text = JSON.stringify(rows);
    for (const value of PII) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(rows.filter((r: any) => r.entity === 'contact-email').map((r: any) => r.entity_id)).toEqual([expect.stringMatching(/^erased-[0-9a-f]{32}$/), expect.stringMatching(/^erased-[0-9a-f]{32}$/)]);
    for (const r of rows) {
      expect(r.erased_at).not.toBeNull();
      for (const change of Object.values(r.changes)) expect(change).toEqual({ erased: true });
    }
    expect(rows.filter((r: any) => r.action === 'delete').map((r: any) => r.entity).sort()).toEqual(['consent', 'contact-email', 'interaction']);
    expect(new Set(rows.map((r: any) => r.entity))).toEqual(new Set(['contact', 'contact-email', 'consent', 'interaction']));
    const hist = (await history(gql, c.id)).edges.map((e: any) => e.node);
    const created = hist.find((e: any) => e.action === 'create');
    expect(created.changes.find((x: any) => x.field === 'first_name')).toEqual({ field: 'first_name', old: null, new: null, erased: true });
    expect(created.actorId).toBe('dpo-1');
    // Another contact's entries keep their values.
    expect(fieldsOf((await history(gql, other.id)).edges[0].node).first_name).toEqual([null, 'Bystander']);
  });

  it('contactsAuditLog filters by user and period for admins and managers; a rep or read-only user is FORBIDDEN (history stays readable)', async () => {
    const tenantId = uniqueTenant();
    const alice = h.client({ tenantId, userId: 'alice', roles: ['rep'] });
    const bob = h.client({ tenantId, userId: 'bob', roles: ['rep'] });
    const start = new Date();
    const a = dataOf(await alice(Q.create, { i: { firstName: 'By', lastName: 'Alice' } })).createContact;
    dataOf(await bob(Q.create, { i: { firstName: 'By', lastName: 'Bob' } }));
    for (const roles of [['admin'], ['manager']]) {
      const admin = h.client({ tenantId, userId: 'root', roles });
      const byAlice = dataOf(await admin(AUDIT_LOG, { f: { userId: 'alice' } })).contactsAuditLog;
      // Her contact, and her own provisioning in the directory by her first request (users are audited too).
      expect(byAlice.edges.map((e: any) => [e.node.entity, e.node.entityId, e.node.actorId])).toEqual([['contact', a.id, 'alice'], ['user', 'alice', 'alice']]);
      expect(byAlice.totalCount).toBe(2);
      expect(dataOf(await admin(AUDIT_LOG, { f: { from: start.toISOString(), entity: 'contact' } })).contactsAuditLog.totalCount).toBe(2);
      expect(dataOf(await admin(AUDIT_LOG, { f: { to: start.toISOString() } })).contactsAuditLog.totalCount).toBe(0);
      expectError(await admin(AUDIT_LOG, { f: { from: new Date().toISOString(), to: start.toISOString() } }), 'BAD_USER_INPUT', /to/);
    }
    for (const roles of [['rep'], ['read-only']]) {
      expectError(await h.client({ tenantId, userId: 'x', roles })(AUDIT_LOG, {}), 'FORBIDDEN');
    }
    expect((await history(alice, a.id)).totalCount).toBe(1);
    // Another tenant sees none of it (only its own admin's provisioning by this very request).
    const elsewhere = dataOf(await h.client({ tenantId: uniqueTenant(), userId: 'outsider', roles: ['admin'] })(AUDIT_LOG, {})).contactsAuditLog;
    expect(elsewhere.edges.map((e: any) => [e.node.entity, e.node.entityId])).toEqual([['user', 'outsider']]);
  });

  it('the retention purge deletes entries older than AUDIT_RETENTION_DAYS only', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Old', lastName: 'Entries' } })).createContact;
    dataOf(await gql(Q.update, { id: c.id, i: { lastName: 'Kept' } }));
    const days = h.svc.config.AUDIT_RETENTION_DAYS;
    expect(days).toBe(365);
    // Age the create entry past the retention, the update just inside it.
    await h.sql(`UPDATE "${h.schema}".audit_log SET occurred_at = now() - make_interval(days => $3) WHERE tenant_id = $1 AND entity_id = $2 AND action = 'create'`, [tenantId, c.id, days + 1]);
    await h.sql(`UPDATE "${h.schema}".audit_log SET occurred_at = now() - make_interval(days => $3) WHERE tenant_id = $1 AND entity_id = $2 AND action = 'update'`, [tenantId, c.id, days - 1]);
    const purged = await h.svc.auditRetention!.purge();
    expect(purged).toBe(1);
    const left = await h.sql(`SELECT action FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity_id = $2`, [tenantId, c.id]);
    expect(left).toEqual([{ action: 'update' }]);
  });
});
