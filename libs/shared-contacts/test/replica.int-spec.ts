import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type INestMicroservice } from '@nestjs/common';
import pino from 'pino';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  CompanyMergedV1,
  ContactArchivedV1,
  ContactCreatedV1,
  ContactErasedV1,
  ContactRestoredV1,
  ContactMergedV1,
  ContactUpdatedV1,
  deadLetterTopic,
  envelope,
  exampleSnapshot,
  topicName,
  type CloudEvent,
  type ContactSnapshot,
} from '@crm/events';
import { createDataSource, enableTenantIsolation, KafkaEventBus, migrate, moduleMigrations, PlatformAudit1796200000020, PlatformTables1764000000000, SERVICE_INFO, inTenantTx, type ServiceInfo, type Tx } from '@crm/platform';
import { adminQuery, eventually, freshSchema, kafkaBrokers, uniqueId, uniqueTenant } from '@crm/testing';
import {
  ContactReplica,
  ContactReplicaArchive1772000000100,
  ContactReplicaModule,
  ContactReplicaReach1796160000000,
  ContactReplicaTables1764000000100,
  CompanyReplica1796200000001,
  ERASED_DISPLAY_NAME, preferredReachableChannel, type ContactReplicaHooks } from '../src';
import { startReplicaConsumer } from './replica-consumer-app';

/** What a module keeps about contacts besides the replica: its own rows that reference them. */
class ReplicaTestTables1764000000900 implements MigrationInterface {
  name = 'ReplicaTestTables1764000000900';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE deals (id uuid PRIMARY KEY, tenant_id text NOT NULL, contact_id uuid NOT NULL, contact_note text)`);
    await enableTenantIsolation(q, 'deals');
    await q.query(
      `CREATE TABLE hook_log (seq bigserial, tenant_id text NOT NULL, kind text NOT NULL, contact_id uuid NOT NULL, other_id uuid, bound_tenant text, role text, version int, row_version int, row_archived boolean)`,
    );
    await enableTenantIsolation(q, 'hook_log');
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE hook_log');
    await q.query('DROP TABLE deals');
  }
}

const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** A merge whose hook fails: the whole event must roll back (replica change included). */
const FAILING_DUPLICATE = randomUUID();

let fresh: Awaited<ReturnType<typeof freshSchema>>;
let ds: DataSource;
let bus: KafkaEventBus;

beforeAll(async () => {
  fresh = await freshSchema('screp');
  ds = createDataSource({
    url: fresh.url,
    schema: fresh.schema,
    entities: [],
    migrations: [PlatformTables1764000000000, PlatformAudit1796200000020, ContactReplicaTables1764000000100, ContactReplicaArchive1772000000100, ContactReplicaReach1796160000000, CompanyReplica1796200000001, ReplicaTestTables1764000000900],
    poolSize: 5,
    applicationName: 'shared-contacts-test',
  });
  await ds.initialize();
  await migrate(ds, fresh.schema);
  bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: `test-${fresh.schema}`, logger: silentLogger });
  await bus.connect();
});
afterAll(async () => {
  await bus?.disconnect();
  await ds?.destroy();
  await fresh?.drop();
});

const snapshot = (over: Partial<ContactSnapshot> = {}): ContactSnapshot => ({ ...exampleSnapshot, contactId: randomUUID(), ...over });
const source = 'crm/contacts';
const created = (tenantId: string, s: ContactSnapshot) => envelope({ type: ContactCreatedV1.type, source, subject: s.contactId, tenantId, data: s });
const updated = (tenantId: string, s: ContactSnapshot, changed: string[] = ['firstName']) =>
  envelope({ type: ContactUpdatedV1.type, source, subject: s.contactId, tenantId, data: { ...s, changed } });
const merged = (tenantId: string, survivor: ContactSnapshot, duplicateId: string) =>
  envelope({ type: ContactMergedV1.type, source, subject: survivor.contactId, tenantId, data: { survivorId: survivor.contactId, duplicateId, survivor } });
const erased = (tenantId: string, contactId: string) =>
  envelope({ type: ContactErasedV1.type, source, subject: contactId, tenantId, data: { contactId, erasedAt: '2026-02-01T10:00:00.000Z' } });
const archived = (tenantId: string, contactId: string, version: number) =>
  envelope({ type: ContactArchivedV1.type, source, subject: contactId, tenantId, data: { contactId, version, archivedAt: '2026-03-01T09:00:00.000Z', archivedBy: 'user-1' } });
const restored = (tenantId: string, s: ContactSnapshot) => envelope({ type: ContactRestoredV1.type, source, subject: s.contactId, tenantId, data: s });
const companyMerged = (tenantId: string, survivorId: string, duplicateId: string) =>
  envelope({
    type: CompanyMergedV1.type,
    source,
    subject: survivorId,
    tenantId,
    data: { survivorId, duplicateId, survivor: { companyId: survivorId, name: 'Analytical Engines Ltd', domains: ['engines.example'], version: 2 }, movedContacts: 1 },
  });

/** Plain SQL as the test admin (bypasses row-level security) in this file's schema. */
const sql = <T = any>(query: string, params: unknown[] = []): Promise<T[]> => adminQuery<T>(query, params, fresh.schema);

describe('contact replica fed by real Kafka into real Postgres', () => {
  const prefix = `${uniqueId('screp')}.`;
  const topic = topicName('contacts', prefix);
  /** What a module does with its own rows on merge and erasure (the replica module's hooks option). */
  class DealsLifecycle implements ContactReplicaHooks {
    /** Logs the snapshot it was handed and the row as the hook sees it (written already, same transaction). */
    async onChange(tx: Tx, contactId: string, applied?: ContactSnapshot) {
      await tx.query(
        `INSERT INTO hook_log (tenant_id, kind, contact_id, version, row_version, row_archived, bound_tenant, role)
         SELECT $1, 'change', $2, $3, r.version, r.archived_at IS NOT NULL, current_setting('app.tenant_id', true), current_user FROM contact_replica r WHERE r.tenant_id = $1 AND r.contact_id = $2`,
        [tx.tenantId, contactId, applied?.version ?? null],
      );
    }
    async onMerge(tx: Tx, duplicateId: string, survivorId: string) {
      await tx.query(`UPDATE deals SET contact_id = $2 WHERE contact_id = $1`, [duplicateId, survivorId]);
      await tx.query(
        `INSERT INTO hook_log (tenant_id, kind, contact_id, other_id, bound_tenant, role) VALUES ($1, 'merge', $2, $3, current_setting('app.tenant_id', true), current_user)`,
        [tx.tenantId, duplicateId, survivorId],
      );
      if (duplicateId === FAILING_DUPLICATE) throw new Error('moving references failed');
    }
    async onErase(tx: Tx, contactId: string) {
      await tx.query(`UPDATE deals SET contact_note = NULL WHERE contact_id = $1`, [contactId]);
      await tx.query(`INSERT INTO hook_log (tenant_id, kind, contact_id, bound_tenant, role) VALUES ($1, 'erase', $2, current_setting('app.tenant_id', true), current_user)`, [
        tx.tenantId,
        contactId,
      ]);
    }
    async onCompanyMerge(tx: Tx, duplicateCompanyId: string, survivorCompanyId: string) {
      await tx.query(
        `INSERT INTO hook_log (tenant_id, kind, contact_id, other_id, bound_tenant, role) VALUES ($1, 'company-merge', $2, $3, current_setting('app.tenant_id', true), current_user)`,
        [tx.tenantId, duplicateCompanyId, survivorCompanyId],
      );
    }
  }
  const consumerName = 'sales.contact-replica';
  const info: ServiceInfo = { name: 'sales', schema: '', topic: topicName('sales', prefix), topicPrefix: prefix, consumerGroupPrefix: prefix, production: false, schemaOnly: false };
  let app: INestMicroservice;
  let consumers: { name: string; types: string[]; topics: string[] }[];
  let replica: ContactReplica;
  const t1 = uniqueTenant();

  beforeAll(async () => {
    await bus.ensureTopics([topic, deadLetterTopic(topic)]);
    const started = await startReplicaConsumer({ ds, bus, log: silentLogger, info: { ...info, schema: fresh.schema }, hooks: DealsLifecycle });
    app = started.app;
    consumers = started.transport.consumers();
    replica = app.get(ContactReplica);
  });
  afterAll(() => app?.close());

  /** Publishes in order; events with the same subject share a key, so a partition, so their order. */
  const send = (...events: CloudEvent<unknown>[]) => bus.publish(events.map((e) => ({ topic, key: e.subject, value: JSON.stringify(e) })));
  /** The inbox row is written in the handler's transaction: once it is there, the event is applied. */
  const processed = (e: CloudEvent<unknown>) =>
    eventually(async () => (await sql(`SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2`, [consumerName, e.id])).length > 0, 30000, `${e.type} ${e.id} applied`);
  /** Sent, then each applied (in the order given). */
  const delivered = async (...events: CloudEvent<unknown>[]) => {
    await send(...events);
    for (const e of events) await processed(e);
  };
  const rawRow = async (tenantId: string, id: string) => (await sql(`SELECT *, xmin::text AS xmin FROM contact_replica WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, id]))[0];
  const hookLog = (kind: string, contactId: string) => sql(`SELECT *, xmin::text AS xmin FROM hook_log WHERE kind = $1 AND contact_id = $2`, [kind, contactId]);

  it('uses the consumer <service>.contact-replica on the contacts topic', () => {
    expect(consumers).toEqual([
      {
        name: consumerName,
        topics: [`${prefix}crm.contacts.events`],
        types: expect.arrayContaining([
          ContactCreatedV1.type,
          ContactUpdatedV1.type,
          ContactMergedV1.type,
          ContactErasedV1.type,
          ContactArchivedV1.type,
          ContactRestoredV1.type,
          CompanyMergedV1.type,
        ]),
      },
    ]);
  });

  it('creates a replica row from contact.created', async () => {
    const s = snapshot({ emails: [{ email: 'other@example.com', primary: false }, { email: 'ada@example.com', primary: true }] });
    const e = created(t1, s);
    await delivered(e);
    const c = await replica.get(ds, t1, s.contactId);
    expect(c).toMatchObject({
      tenantId: t1,
      contactId: s.contactId,
      version: 1,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      emails: s.emails,
      phones: s.phones,
      primaryEmail: 'ada@example.com',
      primaryPhone: '+442071838750',
      companyId: null,
      tags: ['vip'],
      ownerId: 'user-1',
      lifecycleStage: 'lead',
      preferredChannels: ['email', 'sms'],
      consents: s.consents,
      addresses: s.addresses,
      socialHandles: [{ network: 'linkedin', handle: 'ada-lovelace' }],
      country: 'GB',
      timeZone: 'Europe/London',
      customFields: { industry: 'mathematics' },
      contactCreatedAt: new Date('2026-01-01T00:00:00.000Z'),
      mergedInto: null,
      erasedAt: null,
    });
    expect(c!.updatedAt).toBeInstanceOf(Date);
    expect(preferredReachableChannel(c!)).toBe('email');
    expect(await replica.exists(ds, t1, s.contactId)).toBe(true);
    expect(await replica.exists(ds, t1, randomUUID())).toBe(false);
  });

  it('applies updates and ignores a snapshot older than the one it holds', async () => {
    const s = snapshot();
    const v1 = created(t1, s);
    const v3 = updated(t1, { ...s, version: 3, firstName: 'Augusta', tags: ['vip', 'speaker'] });
    const v2 = updated(t1, { ...s, version: 2, firstName: 'Stale' });
    const v3again = updated(t1, { ...s, version: 3, firstName: 'Same version, other event' });
    await send(v1, v3, v2, v3again);
    await processed(v3again);
    const c = await replica.get(ds, t1, s.contactId);
    expect(c).toMatchObject({ version: 3, firstName: 'Augusta', tags: ['vip', 'speaker'] });

    const v4 = updated(t1, { ...s, version: 4, firstName: 'Ada', companyName: 'Analytical Engines Ltd', preferredChannels: ['sms', 'email'] }, ['firstName', 'companyName']);
    await delivered(v4);
    expect(await replica.get(ds, t1, s.contactId)).toMatchObject({ version: 4, firstName: 'Ada', companyName: 'Analytical Engines Ltd', preferredChannels: ['sms', 'email'] });
  });

  it('runs the change hook after each created, updated, archived and restored row, handing it the snapshot only when applied', async () => {
    const s = snapshot();
    const events = [
      created(t1, s),
      updated(t1, { ...s, version: 3, firstName: 'Augusta' }),
      updated(t1, { ...s, version: 2, firstName: 'Stale' }),
      archived(t1, s.contactId, 4),
      restored(t1, { ...s, version: 5 }),
    ];
    await send(...events);
    await processed(events[4]);
    const log = await sql(`SELECT version, row_version, row_archived, bound_tenant, role FROM hook_log WHERE kind = 'change' AND contact_id = $1 ORDER BY seq`, [s.contactId]);
    const role = log[0]?.role;
    expect(role).toMatch(/_app$/);
    expect(log).toEqual([
      { version: 1, row_version: 1, row_archived: false, bound_tenant: t1, role },
      { version: 3, row_version: 3, row_archived: false, bound_tenant: t1, role },
      { version: null, row_version: 3, row_archived: false, bound_tenant: t1, role },
      { version: null, row_version: 3, row_archived: true, bound_tenant: t1, role },
      { version: null, row_version: 5, row_archived: false, bound_tenant: t1, role },
    ]);
  });

  it('marks a merged duplicate, moves references in the same transaction, and resolves the duplicate to the survivor', async () => {
    const survivor = snapshot({ firstName: 'Ada', displayName: 'Ada Lovelace' });
    const duplicate = snapshot({ firstName: 'A.', displayName: 'A. Lovelace', emails: [{ email: 'ada.dup@example.com', primary: true }] });
    const dealId = randomUUID();
    await inTenantTx(ds, t1, (m) => m.query(`INSERT INTO deals (id, tenant_id, contact_id, contact_note) VALUES ($1, $2, $3, 'met at conference')`, [dealId, t1, duplicate.contactId]));
    const setup = [created(t1, survivor), created(t1, duplicate)];
    await delivered(...setup);

    const m = merged(t1, { ...survivor, version: 2, emails: [...survivor.emails, { email: 'ada.dup@example.com', primary: false }] }, duplicate.contactId);
    await delivered(m);

    const dup = await rawRow(t1, duplicate.contactId);
    expect(dup.merged_into).toBe(survivor.contactId);
    // The survivor carries the duplicate's data now; the duplicate row keeps no personal data.
    expect(dup).toMatchObject({ first_name: null, emails: [], primary_email: null });
    const [log] = await hookLog('merge', duplicate.contactId);
    expect(log).toMatchObject({ other_id: survivor.contactId, bound_tenant: t1, role: `${fresh.schema}_app` });
    const [deal] = await sql(`SELECT contact_id, xmin::text AS xmin FROM deals WHERE id = $1`, [dealId]);
    expect(deal.contact_id).toBe(survivor.contactId);
    // Same transaction: the replica change, the hook's writes and the inbox record share one xid.
    const [inbox] = await sql(`SELECT xmin::text AS xmin FROM inbox WHERE consumer = $1 AND event_id = $2`, [consumerName, m.id]);
    expect(new Set([dup.xmin, log.xmin, deal.xmin, inbox.xmin]).size).toBe(1);

    const viaDuplicate = await replica.get(ds, t1, duplicate.contactId);
    expect(viaDuplicate).toMatchObject({ contactId: survivor.contactId, version: 2, displayName: 'Ada Lovelace', mergedInto: null });
    expect(viaDuplicate!.emails).toHaveLength(2);
    expect(await replica.exists(ds, t1, duplicate.contactId)).toBe(true);

    // A late update of the duplicate (other key, so no ordering with the merge) does not bring it back.
    const late = updated(t1, { ...duplicate, version: 5, firstName: 'Resurrected' });
    await delivered(late);
    expect((await rawRow(t1, duplicate.contactId)).first_name).toBeNull();
    expect((await replica.get(ds, t1, duplicate.contactId))!.contactId).toBe(survivor.contactId);
  });

  it('follows merge chains and answers many ids in order with one call (DataLoader shape)', async () => {
    const [a, b, c] = [snapshot(), snapshot(), snapshot()];
    const setup = [created(t1, a), created(t1, b), created(t1, c)];
    await delivered(...setup);
    const m1 = merged(t1, { ...b, version: 2 }, a.contactId);
    await delivered(m1);
    const m2 = merged(t1, { ...c, version: 2 }, b.contactId);
    await delivered(m2);
    expect((await rawRow(t1, a.contactId)).merged_into).toBe(c.contactId);

    const unknown = randomUUID();
    const got = await replica.getMany(ds, t1, [a.contactId, unknown, c.contactId, 'not-a-uuid', b.contactId.toUpperCase()]);
    expect(got.map((x) => x?.contactId ?? null)).toEqual([c.contactId, null, c.contactId, null, c.contactId]);
    // Inside a tenant-bound transaction it uses the caller's transaction.
    const inTx = await inTenantTx(ds, t1, (em) => replica.getMany(em, t1, [b.contactId]));
    expect(inTx[0]!.contactId).toBe(c.contactId);
  });

  /**
   * Contacts a (with a deal and its personal note), b and c; `before` applied; then the earlier merge
   * of a into b, late — merges are keyed by their survivors, so nothing orders them.
   */
  async function lateMergeOfA(before: (b: ContactSnapshot, c: ContactSnapshot) => CloudEvent<unknown>[]) {
    const [a, b, c] = [snapshot({ firstName: 'Kept?' }), snapshot(), snapshot()];
    const dealId = randomUUID();
    await inTenantTx(ds, t1, (m) => m.query(`INSERT INTO deals (id, tenant_id, contact_id, contact_note) VALUES ($1, $2, $3, 'personal')`, [dealId, t1, a.contactId]));
    await delivered(created(t1, a), created(t1, b), created(t1, c));
    await delivered(...before(b, c));
    await delivered(merged(t1, { ...b, version: 2 }, a.contactId));
    return { a, c, dealId };
  }

  it('a merge applied after its survivor was merged away itself joins the duplicate to the final survivor, and the hook moves its references there', async () => {
    const { a, c, dealId } = await lateMergeOfA((b, c) => [merged(t1, { ...c, version: 2 }, b.contactId)]);
    expect((await rawRow(t1, a.contactId)).merged_into).toBe(c.contactId);
    expect((await hookLog('merge', a.contactId)).map((l) => l.other_id)).toEqual([c.contactId]);
    expect((await sql(`SELECT contact_id FROM deals WHERE id = $1`, [dealId]))[0].contact_id).toBe(c.contactId);
  });

  it('a merge applied after its final survivor was erased erases the duplicate (the same person) instead of moving its references to an erased id', async () => {
    const { a, c, dealId } = await lateMergeOfA((b, c) => [merged(t1, { ...c, version: 2 }, b.contactId), erased(t1, c.contactId)]);
    const row = await rawRow(t1, a.contactId);
    expect(row).toMatchObject({ merged_into: c.contactId, first_name: null, erased_at: expect.any(Date) });
    expect({ erase: (await hookLog('erase', a.contactId)).length, merge: (await hookLog('merge', a.contactId)).length }).toEqual({ erase: 1, merge: 0 });
    expect((await sql(`SELECT contact_id, contact_note FROM deals WHERE id = $1`, [dealId]))[0]).toEqual({ contact_id: a.contactId, contact_note: null });
    expect((await replica.get(ds, t1, a.contactId))!.erasedAt).not.toBeNull();
  });

  it('rolls the whole merge back when a merge hook fails, and the stream moves on', async () => {
    const survivor = snapshot();
    const duplicate = snapshot({ contactId: FAILING_DUPLICATE, firstName: 'Kept' });
    const setup = [created(t1, survivor), created(t1, duplicate)];
    await delivered(...setup);
    const bad = merged(t1, { ...survivor, version: 2, firstName: 'Not applied' }, duplicate.contactId);
    const after = updated(t1, { ...survivor, version: 3, firstName: 'After' });
    await send(bad, after);
    await processed(after);
    expect(await rawRow(t1, duplicate.contactId)).toMatchObject({ merged_into: null, first_name: 'Kept' });
    expect(await hookLog('merge', duplicate.contactId)).toHaveLength(0);
    expect((await sql(`SELECT 1 FROM inbox WHERE event_id = $1`, [bad.id])).length).toBe(0);
    expect((await replica.get(ds, t1, survivor.contactId))!.firstName).toBe('After');
  });

  it('applies a snapshot from before the additive fields, and takes the country from the primary address when not given', async () => {
    const { addresses: _a, socialHandles: _s, country: _c, timeZone: _t, customFields: _f, createdAt: _d, ...old } = snapshot();
    const e = created(t1, old);
    await delivered(e);
    expect(await replica.get(ds, t1, old.contactId)).toMatchObject({ addresses: [], socialHandles: [], country: null, timeZone: null, customFields: {}, contactCreatedAt: null });

    const paris = { label: null, line1: '1 rue de Rivoli', line2: null, city: 'Paris', region: null, postalCode: '75001', country: 'FR', primary: true };
    const next = { ...old, version: 2, addresses: [{ ...paris, country: 'BE', primary: false }, paris] };
    const u = updated(t1, next, ['addresses']);
    await delivered(u);
    const c = (await replica.get(ds, t1, old.contactId))!;
    expect(c.country).toBe('FR');
    // Stored primary first, so `addresses[0]` is the primary one.
    expect(c.addresses.map((a) => a.country)).toEqual(['FR', 'BE']);
  });

  it('erases every personal-data column and runs the erase hook', async () => {
    const s = snapshot({ tags: ['vip', 'allergic-to-nuts'] });
    const dealId = randomUUID();
    await inTenantTx(ds, t1, (m) => m.query(`INSERT INTO deals (id, tenant_id, contact_id, contact_note) VALUES ($1, $2, $3, 'prefers calls after 6pm')`, [dealId, t1, s.contactId]));
    const c = created(t1, s);
    const e = erased(t1, s.contactId);
    await send(c, e);
    await processed(e);

    const row = await rawRow(t1, s.contactId);
    expect(row).toMatchObject({
      first_name: null,
      last_name: null,
      display_name: ERASED_DISPLAY_NAME,
      emails: [],
      phones: [],
      primary_email: null,
      primary_phone: null,
      tags: [],
      consents: [],
      preferred_channels: [],
      addresses: [],
      social_handles: [],
      country: null,
      time_zone: null,
      custom_fields: {},
    });
    expect(row.erased_at).toEqual(new Date('2026-02-01T10:00:00.000Z'));
    const [deal] = await sql(`SELECT contact_note FROM deals WHERE id = $1`, [dealId]);
    expect(deal.contact_note).toBeNull();
    const [log] = await hookLog('erase', s.contactId);
    expect(log).toMatchObject({ bound_tenant: t1, role: `${fresh.schema}_app`, xmin: row.xmin });
    expect(await replica.exists(ds, t1, s.contactId)).toBe(false);
    expect(preferredReachableChannel((await replica.get(ds, t1, s.contactId))!)).toBeNull();

    // No snapshot brings erased data back, and an erasure seen before any snapshot leaves a tombstone.
    const late = updated(t1, { ...s, version: 9, firstName: 'Ada' });
    const early = snapshot();
    const eraseFirst = erased(t1, early.contactId);
    const createLate = created(t1, early);
    await send(late, eraseFirst, createLate);
    await processed(late);
    await processed(createLate);
    expect((await rawRow(t1, s.contactId)).first_name).toBeNull();
    expect(await rawRow(t1, early.contactId)).toMatchObject({ first_name: null, display_name: ERASED_DISPLAY_NAME, version: 0 });
  });

  it('applies a duplicate delivery only once', async () => {
    const survivor = snapshot();
    const duplicate = snapshot();
    const setup = [created(t1, survivor), created(t1, duplicate)];
    await delivered(...setup);
    const m = merged(t1, { ...survivor, version: 2 }, duplicate.contactId);
    const marker = updated(t1, { ...survivor, version: 3 });
    await send(m, m, marker); // same key: both copies are handled before the marker
    await processed(marker);
    expect(await hookLog('merge', duplicate.contactId)).toHaveLength(1);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM inbox WHERE consumer = $1 AND event_id = $2`, [consumerName, m.id]);
    expect(n).toBe(1);
  });

  /** requireActive as a use case calls it: in a tenant-bound transaction, for a contact id inside its input. */
  const requireActive = (tenantId: string, id: string) => inTenantTx(ds, tenantId, (tx) => replica.requireActive(tx, id, 'input.contactId'));
  const refusal = (id: string) => ({
    extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.contactId', message: `contact ${id} is archived; restore it first` }] }),
  });

  it('flags an archived contact (still resolvable, refused for new references) and clears the flag on restore', async () => {
    const s = snapshot();
    const create = created(t1, s);
    const archive = archived(t1, s.contactId, 2);
    await send(create, archive);
    await processed(archive);

    const c = await replica.get(ds, t1, s.contactId);
    expect(c).toMatchObject({ contactId: s.contactId, version: 1, firstName: 'Ada', archivedAt: new Date('2026-03-01T09:00:00.000Z') });
    expect(await replica.exists(ds, t1, s.contactId)).toBe(true);
    await expect(requireActive(t1, s.contactId)).rejects.toMatchObject(refusal(s.contactId));

    const restore = restored(t1, { ...s, version: 3, firstName: 'Augusta' });
    await delivered(restore);
    expect(await replica.get(ds, t1, s.contactId)).toMatchObject({ version: 3, firstName: 'Augusta', archivedAt: null });
    expect((await requireActive(t1, s.contactId)).contactId).toBe(s.contactId);
  });

  it('refuses a merged duplicate whose survivor is archived (the survivor is what would be referenced)', async () => {
    const [survivor, duplicate] = [snapshot(), snapshot()];
    const setup = [created(t1, survivor), created(t1, duplicate)];
    await delivered(...setup);
    const m = merged(t1, { ...survivor, version: 2 }, duplicate.contactId);
    const archive = archived(t1, survivor.contactId, 3);
    await send(m, archive);
    await processed(archive);
    await expect(requireActive(t1, duplicate.contactId)).rejects.toMatchObject(refusal(duplicate.contactId));
  });

  it('is order- and redelivery-safe: a late archive never undoes a newer restore, an archive before any snapshot keeps the flag', async () => {
    const s = snapshot();
    const create = created(t1, s);
    const archiveV2 = archived(t1, s.contactId, 2);
    const restoreV3 = restored(t1, { ...s, version: 3 });
    const updateV4 = updated(t1, { ...s, version: 4, firstName: 'Ada again' });
    // Redelivered archive (same event) and a stale archive (another event of an older version) after the restore.
    const staleArchive = archived(t1, s.contactId, 2);
    await send(create, archiveV2, restoreV3, updateV4, archiveV2, staleArchive);
    await processed(staleArchive);
    expect(await replica.get(ds, t1, s.contactId)).toMatchObject({ version: 4, firstName: 'Ada again', archivedAt: null });
    await expect(requireActive(t1, s.contactId)).resolves.toMatchObject({ contactId: s.contactId });
    // Neither a redelivered restore (same event) nor a stale one (another event, older version) clears a newer archive.
    const archiveV5 = archived(t1, s.contactId, 5);
    const staleRestore = restored(t1, { ...s, version: 3 });
    await send(archiveV5, restoreV3, staleRestore);
    await processed(archiveV5);
    const marker = updated(t1, { ...s, version: 6, firstName: 'Marker' });
    await delivered(marker);
    expect(await replica.get(ds, t1, s.contactId)).toMatchObject({ version: 6, firstName: 'Marker', archivedAt: new Date('2026-03-01T09:00:00.000Z') });
    await expect(requireActive(t1, s.contactId)).rejects.toMatchObject(refusal(s.contactId));

    // The archive reaches the replica before the contact's first snapshot: the snapshot still applies, the flag stays.
    const early = snapshot();
    const archiveFirst = archived(t1, early.contactId, 2);
    const createLate = created(t1, early);
    await send(archiveFirst, createLate);
    await processed(createLate);
    expect(await replica.get(ds, t1, early.contactId)).toMatchObject({ version: 1, firstName: 'Ada', displayName: 'Ada Lovelace', archivedAt: expect.any(Date) });
    await expect(requireActive(t1, early.contactId)).rejects.toMatchObject(refusal(early.contactId));
  });

  it('runs the company-merge hook once, in the event\'s transaction', async () => {
    const [survivorCompany, duplicateCompany] = [randomUUID(), randomUUID()];
    const m = companyMerged(t1, survivorCompany, duplicateCompany);
    const marker = companyMerged(t1, survivorCompany, survivorCompany); // a self-merge moves nothing
    await send(m, m, marker);
    await processed(marker);
    const logs = await hookLog('company-merge', duplicateCompany);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ other_id: survivorCompany, bound_tenant: t1, role: `${fresh.schema}_app` });
    const [inbox] = await sql(`SELECT xmin::text AS xmin FROM inbox WHERE consumer = $1 AND event_id = $2`, [consumerName, m.id]);
    expect(logs[0].xmin).toBe(inbox.xmin);
    expect(await hookLog('company-merge', survivorCompany)).toHaveLength(0);
  });

  it("keeps tenants apart: tenant A's contact is invisible under tenant B", async () => {
    const tA = uniqueTenant();
    const tB = uniqueTenant();
    const s = snapshot();
    const e = created(tA, s);
    await delivered(e);
    expect(await replica.get(ds, tA, s.contactId)).not.toBeNull();
    expect(await replica.get(ds, tB, s.contactId)).toBeNull();
    expect(await replica.exists(ds, tB, s.contactId)).toBe(false);
    // Row-level security itself, without the helper's tenant filter.
    const visible = await inTenantTx(ds, tB, (m) => m.query(`SELECT contact_id FROM contact_replica WHERE contact_id = $1`, [s.contactId]));
    expect(visible).toEqual([]);
    const [{ n }] = await inTenantTx(ds, tB, (m) => m.query(`SELECT count(*)::int AS n FROM contact_replica`));
    expect(n).toBe(0);
    // An erasure for the same contact id in tenant B touches nothing of tenant A.
    const eB = erased(tB, s.contactId);
    await delivered(eB);
    expect((await replica.get(ds, tA, s.contactId))!.firstName).toBe('Ada');
  });
});

describe('ContactReplicaModule in a Nest app (platform event transport)', () => {
  const prefix = `${uniqueId('screpnest')}.`;
  const info: ServiceInfo = {
    name: 'sales',
    schema: '',
    topic: topicName('sales', prefix),
    topicPrefix: prefix,
    consumerGroupPrefix: prefix,
    production: false,
    schemaOnly: false,
  };

  /** A service's hooks class: built by the replica module, with the platform's providers injected. */
  @Injectable()
  class TicketsErasure implements ContactReplicaHooks {
    constructor(@Inject(SERVICE_INFO) private readonly service: ServiceInfo) {}
    async onErase(tx: Tx, contactId: string) {
      await tx.query(`INSERT INTO hook_log (tenant_id, kind, contact_id) VALUES ($1, $2, $3)`, [tx.tenantId, `${this.service.name}-erase`, contactId]);
    }
  }

  it('brings its own migration, under the name databases that listed it by hand already recorded', () => {
    const migrations = moduleMigrations([ContactReplicaModule.forRoot({ hooks: TicketsErasure })]);
    expect(migrations).toEqual([ContactReplicaTables1764000000100, ContactReplicaArchive1772000000100, ContactReplicaReach1796160000000, CompanyReplica1796200000001]);
    expect(new ContactReplicaTables1764000000100().name).toBe('ContactReplicaTables1764000000100');
  });

  it('consumes the contacts topic as <service>.contact-replica and runs the hooks class given as an option, with DI', async () => {
    const { app } = await startReplicaConsumer({ ds, bus, log: silentLogger, info: { ...info, schema: fresh.schema }, hooks: TicketsErasure });
    try {
      const replica = app.get(ContactReplica);
      const tenant = uniqueTenant();
      const s = snapshot();
      const events = [created(tenant, s), erased(tenant, s.contactId)];
      await bus.publish(events.map((e) => ({ topic: topicName('contacts', prefix), key: e.subject, value: JSON.stringify(e) })));
      await eventually(async () => (await sql(`SELECT 1 FROM hook_log WHERE kind = 'sales-erase' AND contact_id = $1`, [s.contactId])).length > 0, 30000, 'erase hook');
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'sales.contact-replica' AND event_id = ANY($1)`, [events.map((e) => e.id)]);
      expect(n).toBe(2);
      expect(await replica.get(ds, tenant, s.contactId)).toMatchObject({ displayName: ERASED_DISPLAY_NAME, firstName: null });
    } finally {
      await app.close();
    }
  });
});
