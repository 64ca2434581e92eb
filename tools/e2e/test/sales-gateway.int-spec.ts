import { gatewayFor, startContactsAndSales, type ContactsSalesStack } from './support';
import type { RunningGateway } from '@crm/gateway';
import { salesService } from '@crm/sales';
import { startService, type RunningService } from '@crm/platform';
import { adminQuery, dataOf, eventually, freshSchema, gatewayClient, serviceTestEnv, uniqueId, uniqueTenant } from '@crm/testing';

const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { id displayName } }`;
const CREATE_DEAL = `mutation($i: CreateDealInput!) { createDeal(input: $i) { id title amount { amount currency } contact { id displayName } } }`;
const PLACE_ORDER = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id number total { amount currency } } }`;
const CUSTOMER_360 = `query($id: ID!) { contact(id: $id) { id displayName email
  deals(first: 10) { edges { node { id title status amount { amount currency } stage { name probability } } } }
  orders(first: 10) { edges { node { number channel total { amount currency } } } }
  lifetimeValue { amount currency }
  timelineEntries(first: 20) { edges { node { kind summary sourceModule } } } } }`;
const nodes = (c: { edges: { node: any }[] }) => c.edges.map((e) => e.node);

/**
 * End to end: contacts + sales + gateway on real Postgres and Kafka. Contacts are created through
 * the gateway in contacts and reach sales over Kafka; one query joins both subgraphs.
 */
describe('sales through the gateway with contacts (e2e)', () => {
  let stack: ContactsSalesStack;
  let sales: RunningService;
  let gw: RunningGateway;
  beforeAll(async () => {
    stack = await startContactsAndSales('e2e');
    ({ sales, gw } = stack);
  });
  afterAll(async () => stack?.stop());

  const salesReplicaHas = (tenantId: string, id: string, where?: string) => stack.salesReplicaHas(tenantId, id, where);

  it('customer 360: one query returns the contact from contacts with its deals, orders and lifetime value from sales; the timeline shows them', async () => {
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId, userId: 'alice' });
    const ada = dataOf(await gql(CREATE_CONTACT, { i: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } })).createContact;
    const bob = dataOf(await gql(CREATE_CONTACT, { i: { firstName: 'Bob', email: 'bob@example.com' } })).createContact;
    await salesReplicaHas(tenantId, ada.id);
    const deal = dataOf(await gql(CREATE_DEAL, { i: { contactId: ada.id, title: 'Engine', amount: { amount: '1000.00', currency: 'EUR' } } })).createDeal;
    expect(deal.contact).toEqual({ id: ada.id, displayName: 'Ada Lovelace' });
    dataOf(await gql(`mutation($id: ID!) { winDeal(id: $id) { status } }`, { id: deal.id }));
    const order = dataOf(await gql(PLACE_ORDER, { i: { contactId: ada.id, channel: 'WEB_SHOP', currency: 'EUR', lines: [{ description: 'Punch cards', quantity: '2', unitPrice: '10.00', taxRate: '19' }] } })).placeOrder;
    expect(order.total).toEqual({ amount: '23.80', currency: 'EUR' });

    const c = dataOf(await gql(CUSTOMER_360, { id: ada.id })).contact;
    expect({ ...c, deals: nodes(c.deals), orders: nodes(c.orders) }).toMatchObject({
      id: ada.id, displayName: 'Ada Lovelace', email: 'ada@example.com',
      deals: [{ id: deal.id, title: 'Engine', status: 'WON', amount: { amount: '1000.00', currency: 'EUR' }, stage: { name: 'Qualification', probability: 10 } }],
      orders: [{ number: order.number, channel: 'WEB_SHOP', total: { amount: '23.80', currency: 'EUR' } }],
      // won deal without an order (1000.00) + the web-shop order (23.80)
      lifetimeValue: [{ amount: '1023.80', currency: 'EUR' }],
    });
    // A list of contacts joins sales fields too (batched per request).
    const list = dataOf(await gql(`{ contacts(first: 10) { edges { node { id deals { edges { node { id } } } lifetimeValue { amount } } } } }`)).contacts.edges.map((e: any) => ({ ...e.node, deals: nodes(e.node.deals) }));
    expect(list.find((n: any) => n.id === bob.id)).toEqual({ id: bob.id, deals: [], lifetimeValue: [] });
    expect(list.find((n: any) => n.id === ada.id).deals).toEqual([{ id: deal.id }]);
    // deal.created / won and order.placed reach the contact card through the timeline mappings.
    const timeline = await eventually(async () => {
      const items = nodes(dataOf(await gql(CUSTOMER_360, { id: ada.id })).contact.timelineEntries);
      return items.length >= 3 ? items : undefined;
    }, 30000, 'sales entries on the timeline');
    expect(timeline.map((i: any) => i.summary).sort()).toEqual(['Deal created: Engine (1000.00 EUR)', 'Deal won: Engine (1000.00 EUR)', `Order ${order.number} placed via web shop (23.80 EUR)`].sort());
    expect(new Set(timeline.map((i: any) => i.sourceModule))).toEqual(new Set(['sales']));
  });

  it('a merge in contacts moves the duplicate’s deals and orders in sales; an erase removes the contact’s PII from sales', async () => {
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId, userId: 'alice', roles: ['admin'] });
    const s = dataOf(await gql(CREATE_CONTACT, { i: { firstName: 'Sam', email: 'sam@example.com' } })).createContact;
    const d = dataOf(await gql(CREATE_CONTACT, { i: { firstName: 'Samuel', lastName: 'Dup', email: 'samuel@example.com' } })).createContact;
    await salesReplicaHas(tenantId, d.id);
    const deal = dataOf(await gql(CREATE_DEAL, { i: { contactId: d.id, title: 'Deal of Samuel Dup', amount: { amount: '5', currency: 'EUR' } } })).createDeal;
    const order = dataOf(await gql(PLACE_ORDER, { i: { contactId: d.id, channel: 'PHONE', currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] } })).placeOrder;
    dataOf(await gql(`mutation($s: ID!, $d: ID!) { mergeContacts(survivorId: $s, duplicateId: $d) { id } }`, { s: s.id, d: d.id }));
    await salesReplicaHas(tenantId, d.id, `merged_into = '${s.id}'`);
    const merged = dataOf(await gql(CUSTOMER_360, { id: s.id })).contact;
    expect(nodes(merged.deals).map((x: any) => x.id)).toEqual([deal.id]);
    expect(nodes(merged.orders).map((x: any) => x.number)).toEqual([order.number]);
    expect(dataOf(await gql(`query($id: ID!) { deal(id: $id) { contact { id } } }`, { id: deal.id })).deal.contact.id).toBe(s.id);

    const schema = sales.info.schema;
    // Sales' published events name both people (deal.created of "Deal of Samuel Dup", order.placed …).
    const salesOutbox = async () =>
      (await adminQuery(`SELECT key, payload, published_at FROM "${schema}".outbox WHERE tenant_id = $1`, [tenantId])) as { key: string; payload: any; published_at: Date | null }[];
    const theirs = (rows: { key: string; payload: any }[]) => rows.filter((r) => [s.id, d.id].includes(r.payload.data.contactId) || [deal.id, order.id].includes(r.key));
    await eventually(async () => (await salesOutbox()).every((r) => r.published_at !== null), 30000, 'sales outbox published');
    expect(theirs(await salesOutbox()).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(await salesOutbox())).toMatch(/Samuel Dup/);

    dataOf(await gql(`mutation($id: ID!) { eraseContact(id: $id) { contactId } }`, { id: s.id }));
    await salesReplicaHas(tenantId, s.id, 'erased_at IS NOT NULL');
    // The erasure reaches the duplicate merged into the erased survivor too.
    expect(theirs(await salesOutbox())).toEqual([]);
    expect(JSON.stringify(await salesOutbox())).not.toMatch(/Samuel|Dup|sam@example\.com|samuel@example\.com/);
    let dump = '';
    for (const t of ['contact_replica', 'deals', 'orders', 'quotes', 'tasks']) dump += JSON.stringify(await adminQuery(`SELECT * FROM "${schema}".${t} WHERE tenant_id = $1`, [tenantId]));
    expect(dump).not.toMatch(/Samuel|samuel@example\.com|sam@example\.com|"Sam"|Dup/);
    expect(dataOf(await gql(`query($id: ID!) { deal(id: $id) { title amount { amount } } }`, { id: deal.id })).deal).toEqual({ title: 'Deal (erased contact)', amount: { amount: '5.00' } });
  });
});

describe('sales alone behind the gateway (no contacts subgraph)', () => {
  let sales: RunningService;
  let gw: RunningGateway;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const ss = await freshSchema('e2eso');
    drop = ss.drop;
    sales = await startService(salesService, { env: serviceTestEnv(ss.schema, `${uniqueId('e2e')}.`) });
    gw = await gatewayFor([sales]);
  });
  afterAll(async () => {
    await gw?.stop();
    await sales?.stop();
    await drop?.();
  });

  it('composes, and a deal still resolves its contact id', async () => {
    const tenantId = uniqueTenant();
    const contactId = '6f0c2a1e-7d3b-4c5a-9e8f-1a2b3c4d5e6f';
    await adminQuery(
      `INSERT INTO "${sales.info.schema}".contact_replica (tenant_id, contact_id, version, display_name) VALUES ($1, $2, 1, 'Seeded')`,
      [tenantId, contactId],
    );
    const gql = gatewayClient(gw.url, { tenantId });
    const deal = dataOf(await gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id contact { id } } }`, { i: { contactId, title: 'Solo', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    expect(deal.contact).toEqual({ id: contactId });
    const r = dataOf(await gql(`query($id: ID!) { deal(id: $id) { title contact { id deals { edges { node { id } } } } } }`, { id: deal.id })).deal;
    expect(r).toEqual({ title: 'Solo', contact: { id: contactId, deals: { edges: [{ node: { id: deal.id } }] } } });
  });
});
