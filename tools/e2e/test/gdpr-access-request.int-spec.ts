import { startContactsAndSales, type ContactsSalesStack } from './support';
import type { RunningGateway } from '@crm/gateway';
import { dataOf, gatewayClient, uniqueTenant } from '@crm/testing';

/**
 * The one query a DPO runs through the gateway for a GDPR access request (Art. 15): contacts' part
 * (`exportContactData`) and every other deployed module's part (`Contact.<module>PersonalData`).
 */
const ACCESS_REQUEST = `query AccessRequest($id: ID!) {
  exportContactData(id: $id)
  contact(id: $id) { id salesPersonalData { module contactId exportedAt data } }
}`;

const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`;
const CREATE_DEAL = `mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`;

describe('GDPR access request across contacts and sales (e2e)', () => {
  let stack: ContactsSalesStack;
  let gw: RunningGateway;
  beforeAll(async () => {
    stack = await startContactsAndSales('e2eg');
    ({ gw } = stack);
  });
  afterAll(async () => stack?.stop());

  const salesReplicaHas = (tenantId: string, id: string, where?: string) => stack.salesReplicaHas(tenantId, id, where);

  it('one gateway query returns every module’s part (merged contacts included); a rep is FORBIDDEN; after the erasure the sales part holds no personal data', async () => {
    const tenantId = uniqueTenant();
    const admin = gatewayClient(gw.url, { tenantId, userId: 'alice', roles: ['admin'] });
    const dpo = gatewayClient(gw.url, { tenantId, userId: 'dora', roles: ['dpo'] });
    const rep = gatewayClient(gw.url, { tenantId, userId: 'rick', roles: ['rep'] });

    const grace = dataOf(await admin(CREATE_CONTACT, { i: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' } })).createContact;
    const dup = dataOf(await admin(CREATE_CONTACT, { i: { firstName: 'Gracie', lastName: 'Navy', email: 'gracie@example.com' } })).createContact;
    const other = dataOf(await admin(CREATE_CONTACT, { i: { firstName: 'Otto', lastName: 'Other', email: 'otto@example.com' } })).createContact;
    await salesReplicaHas(tenantId, dup.id);
    await salesReplicaHas(tenantId, other.id);
    await salesReplicaHas(tenantId, grace.id);

    const deal = dataOf(await admin(CREATE_DEAL, { i: { contactId: grace.id, title: 'Compiler for Grace', amount: { amount: '900.00', currency: 'EUR' }, notes: 'Grace prefers calls after 5pm' } })).createDeal;
    const dupDeal = dataOf(await admin(CREATE_DEAL, { i: { contactId: dup.id, title: 'Navy contract of Gracie', amount: { amount: '50.00', currency: 'EUR' } } })).createDeal;
    dataOf(await admin(CREATE_DEAL, { i: { contactId: other.id, title: 'Otto’s deal', amount: { amount: '1.00', currency: 'EUR' } } }));
    const quote = dataOf(await admin(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id number } }`, {
      i: { contactId: grace.id, dealId: deal.id, currency: 'EUR', notes: 'Grace asked for a discount', lines: [{ description: 'COBOL licence', quantity: '1', unitPrice: '900.00', taxRate: '19' }] },
    })).createQuote;
    const order = dataOf(await admin(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id number } }`, {
      i: { contactId: grace.id, channel: 'WEB_SHOP', currency: 'EUR', lines: [{ description: 'Nanosecond wire', quantity: '3', unitPrice: '2.00' }] },
    })).placeOrder;
    const task = dataOf(await admin(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
      i: { contactId: grace.id, title: 'Call Grace about the compiler', notes: 'Grace’s assistant picks up', dueAt: '2099-01-01T09:00:00.000Z' },
    })).createTask;
    dataOf(await admin(`mutation($s: ID!, $d: ID!) { mergeContacts(survivorId: $s, duplicateId: $d) { id } }`, { s: grace.id, d: dup.id }));
    await salesReplicaHas(tenantId, dup.id, `merged_into = '${grace.id}'`);

    // The DPO's one query: both modules' parts, with the person's data.
    const before = dataOf(await dpo(ACCESS_REQUEST, { id: grace.id }));
    const contactsPart = JSON.parse(before.exportContactData);
    expect(contactsPart.contact.id).toBe(grace.id);
    expect(contactsPart.emails.map((e: any) => e.email)).toContain('grace@example.com');
    const salesPart = before.contact.salesPersonalData;
    expect(salesPart).toMatchObject({ module: 'sales', contactId: grace.id });
    expect(Number.isNaN(Date.parse(salesPart.exportedAt))).toBe(false);
    const s = JSON.parse(salesPart.data);
    expect(s).toMatchObject({ service: 'sales', tenantId, contactId: grace.id, mergedContactIds: [dup.id] });
    expect(s.contactReplica.map((r: any) => r.contact_id)).toEqual([grace.id, dup.id]);
    expect(s.contactReplica[0]).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', primary_email: 'grace@example.com' });
    expect(s.deals.map((d: any) => d.id).sort()).toEqual([deal.id, dupDeal.id].sort());
    expect(s.deals.find((d: any) => d.id === deal.id)).toMatchObject({ title: 'Compiler for Grace', notes: 'Grace prefers calls after 5pm', amount: '900.00' });
    expect(s.deals.find((d: any) => d.id === deal.id).stageHistory).toHaveLength(1);
    expect(s.quotes).toEqual([expect.objectContaining({ id: quote.id, number: quote.number, recipient_name: 'Grace Hopper', recipient_email: 'grace@example.com', notes: 'Grace asked for a discount' })]);
    expect(s.quotes[0].lines.map((l: any) => l.description)).toEqual(['COBOL licence']);
    expect(s.orders).toEqual([expect.objectContaining({ id: order.id, number: order.number, billing_name: 'Grace Hopper', billing_email: 'grace@example.com' })]);
    expect(s.orders[0].lines.map((l: any) => l.description)).toEqual(['Nanosecond wire']);
    expect(s.tasks).toEqual([expect.objectContaining({ id: task.id, title: 'Call Grace about the compiler', notes: 'Grace’s assistant picks up' })]);
    // Nobody else's data.
    expect(salesPart.data).not.toMatch(/Otto|otto@example\.com/);
    // Asked about the merged duplicate, sales follows the merge to the person it belongs to.
    expect(JSON.parse(dataOf(await dpo(ACCESS_REQUEST, { id: dup.id })).contact.salesPersonalData.data).contactId).toBe(grace.id);

    // A rep may read the contact and its deals, but not the access export of either module.
    const denied = await rep(`query($id: ID!) { contact(id: $id) { id displayName deals { edges { node { id } } } salesPersonalData { data } } }`, { id: grace.id });
    expect(denied.data?.contact).toMatchObject({ id: grace.id, displayName: 'Grace Hopper', salesPersonalData: null });
    expect(denied.errors).toEqual([expect.objectContaining({ path: ['contact', 'salesPersonalData'], extensions: expect.objectContaining({ code: 'FORBIDDEN', permission: 'sales.contact.access-request' }) })]);
    const deniedContacts = await rep(`query($id: ID!) { exportContactData(id: $id) }`, { id: grace.id });
    expect(deniedContacts.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // After the erasure the sales part still lists the records (bookkeeping) but no personal data.
    dataOf(await dpo(`mutation($id: ID!) { eraseContact(id: $id) { contactId } }`, { id: grace.id }));
    await salesReplicaHas(tenantId, grace.id, 'erased_at IS NOT NULL');
    const after = dataOf(await dpo(ACCESS_REQUEST, { id: grace.id }));
    const erased = JSON.parse(after.contact.salesPersonalData.data);
    expect(erased.deals.map((d: any) => d.id).sort()).toEqual([deal.id, dupDeal.id].sort());
    expect(erased.orders.map((o: any) => o.id)).toEqual([order.id]);
    expect(erased.quotes.map((q: any) => q.id)).toEqual([quote.id]);
    expect(erased.tasks.map((t: any) => t.id)).toEqual([task.id]);
    expect(after.contact.salesPersonalData.data).not.toMatch(/Grace|Gracie|Hopper|Navy|grace@example\.com|gracie@example\.com|after 5pm|asked for a discount|assistant picks up/);
  });
});
