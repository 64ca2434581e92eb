import { randomUUID } from 'node:crypto';
import { CompanyMergedV1, ContactArchivedV1, ContactRestoredV1 } from '@crm/events';
import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { expectError, Q, startSales, type Harness } from './harness';

/** What archive/restore of a contact and a company merge (contacts events on Kafka) mean for sales. */
describe('sales follows contact archive/restore and company merges (real Postgres + Kafka)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const inboxed = (eventId: string) =>
    eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".inbox WHERE consumer = 'sales.contact-replica' AND event_id = $1`, [eventId])).length > 0, 30000, `event ${eventId} applied`);
  const dealCompany = async (dealId: string) => (await h.sql(`SELECT company_id FROM "${h.schema}".deals WHERE id = $1`, [dealId]))[0].company_id;

  it('refuses an archived contact for a new deal (BAD_USER_INPUT naming the field), keeps its existing deals, and accepts it again once restored', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Before archive', amount: { amount: '10', currency: 'EUR' } } })).createDeal;

    await h.publishContactEvent(tenantId, ContactArchivedV1.type, c.contactId, { contactId: c.contactId, version: 2, archivedAt: new Date().toISOString(), archivedBy: 'user-1' });
    await h.waitReplica(tenantId, c.contactId, 'archived_at IS NOT NULL');

    const before = await h.outboxCount(tenantId);
    const refused = expectError(
      await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'After archive', amount: { amount: '10', currency: 'EUR' } } }),
      'BAD_USER_INPUT',
      new RegExp(`^input\\.contactId: contact ${c.contactId} is archived; restore it first$`),
    );
    expect(refused.extensions?.fields).toEqual([{ field: 'input.contactId', message: `contact ${c.contactId} is archived; restore it first` }]);
    expect(await h.outboxCount(tenantId)).toBe(before);
    // The existing reference stays: the deal still shows the contact and can be worked on.
    expect(dataOf(await gql(Q.updateDeal, { id: deal.id, i: { title: 'Still mine' } })).updateDeal).toMatchObject({ title: 'Still mine', contact: { id: c.contactId } });

    await h.publishContactEvent(tenantId, ContactRestoredV1.type, c.contactId, { ...c, version: 3 });
    await h.waitReplica(tenantId, c.contactId, 'archived_at IS NULL AND version = 3');
    const again = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'After restore', amount: { amount: '10', currency: 'EUR' } } })).createDeal;
    expect(again.contact).toEqual({ id: c.contactId });
  });

  it('a deal names a company this module knows (company.upserted); an unknown one is BAD_USER_INPUT naming input.companyId with nothing written; a merged-away one is stored as its survivor', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const known = await h.company(tenantId);
    const elsewhere = await h.company(uniqueTenant());
    const deal = (companyId: string) => gql(Q.createDeal, { i: { contactId: c.contactId, companyId, title: 'Engines', amount: { amount: '10', currency: 'EUR' } } });
    const created = dataOf(await deal(known)).createDeal;
    expect((await h.sql(`SELECT company_id FROM "${h.schema}".deals WHERE id = $1`, [created.id]))[0].company_id).toBe(known);

    const before = await h.outboxCount(tenantId);
    expectError(await deal(randomUUID()), 'BAD_USER_INPUT', /^input\.companyId: company .* does not exist/);
    // Another tenant's company is unknown here.
    expectError(await deal(elsewhere), 'BAD_USER_INPUT', /^input\.companyId: company .* does not exist/);
    const UPDATE = `mutation($id: ID!, $i: UpdateDealInput!) { updateDeal(id: $id, input: $i) { id } }`;
    expectError(await gql(UPDATE, { id: created.id, i: { companyId: randomUUID() } }), 'BAD_USER_INPUT', /^input\.companyId: company .* does not exist/);
    expect(await h.outboxCount(tenantId)).toBe(before);
    expect((await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId]))[0].n).toBe(1);

    // A merge seen by this module: the duplicate's id now means the survivor.
    const survivor = await h.company(tenantId, { name: 'Survivor' });
    const merged = await h.publishContactEvent(tenantId, CompanyMergedV1.type, survivor, { survivorId: survivor, duplicateId: known, survivor: { companyId: survivor, name: 'Survivor', domains: [], version: 2 }, movedContacts: 0 });
    await inboxed(merged.id);
    const later = dataOf(await deal(known)).createDeal;
    expect((await h.sql(`SELECT company_id FROM "${h.schema}".deals WHERE id = $1`, [later.id]))[0].company_id).toBe(survivor);
    dataOf(await gql(UPDATE, { id: later.id, i: { companyId: null } }));
    expect((await h.sql(`SELECT company_id FROM "${h.schema}".deals WHERE id = $1`, [later.id]))[0].company_id).toBeNull();
  });

  it("moves the duplicate company's deals to the survivor, once, leaving other companies and tenants alone", async () => {
    const tenantId = uniqueTenant();
    const otherTenant = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const o = await h.contact(otherTenant);
    const [survivor, duplicate, unrelated] = [await h.company(tenantId), await h.company(tenantId), await h.company(tenantId)];
    await h.company(otherTenant, { companyId: duplicate });
    const create = async (client: typeof gql, contactId: string, companyId: string) =>
      dataOf(await client(Q.createDeal, { i: { contactId, companyId, title: `Deal of ${companyId}`, amount: { amount: '10', currency: 'EUR' } } })).createDeal;
    const onDuplicate = [await create(gql, c.contactId, duplicate), await create(gql, c.contactId, duplicate)];
    const onUnrelated = await create(gql, c.contactId, unrelated);
    const otherTenantsDeal = await create(h.client({ tenantId: otherTenant }), o.contactId, duplicate);
    const versions = await h.sql(`SELECT id, version FROM "${h.schema}".deals WHERE id = ANY($1)`, [onDuplicate.map((d) => d.id)]);

    const data = { survivorId: survivor, duplicateId: duplicate, survivor: { companyId: survivor, name: 'Analytical Engines Ltd', domains: ['engines.example'], version: 2 }, movedContacts: 1 };
    const merged = await h.publishContactEvent(tenantId, CompanyMergedV1.type, survivor, data);
    await inboxed(merged.id);
    for (const d of onDuplicate) expect(await dealCompany(d.id)).toBe(survivor);
    expect(await dealCompany(onUnrelated.id)).toBe(unrelated);
    expect(await dealCompany(otherTenantsDeal.id)).toBe(duplicate);
    // Nobody edited the deals: an edit form open on one must not conflict.
    expect(await h.sql(`SELECT id, version FROM "${h.schema}".deals WHERE id = ANY($1)`, [onDuplicate.map((d) => d.id)])).toEqual(expect.arrayContaining(versions));

    // Redelivery: applied once (inbox), and nothing left to move anyway.
    await h.publishEnvelope(merged);
    // Same key (the survivor) as the redelivered copy, so handled after it.
    const marker = await h.publishContactEvent(tenantId, CompanyMergedV1.type, survivor, { ...data, duplicateId: randomUUID(), survivor: { ...data.survivor, version: 3 } });
    await inboxed(marker.id);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".inbox WHERE consumer = 'sales.contact-replica' AND event_id = $1`, [merged.id]);
    expect(n).toBe(1);
    for (const d of onDuplicate) expect(await dealCompany(d.id)).toBe(survivor);
  });
});
