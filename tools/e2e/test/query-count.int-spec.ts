import { startContactsAndSales, type ContactsSalesStack } from './support';
import type { RunningGateway } from '@crm/gateway';
import { requestStore, type RunningService } from '@crm/platform';
import { adminQuery, dataOf, eventually, gatewayClient, recordStatements, uniqueTenant } from '@crm/testing';

/** Statements and transactions a service runs on behalf of GraphQL requests (consumers, relay and schedulers run outside any request and are not counted). */
const countQueries = (ds: RunningService['dataSource']) => recordStatements(ds, () => !!requestStore.getStore());

/**
 * Entity references are batched (issue 7 §4): a list of 100 contacts with their deals costs one
 * query in contacts and one in sales, not one per contact.
 */
describe('query count of a list through the gateway', () => {
  let stack: ContactsSalesStack;
  let contacts: RunningService;
  let sales: RunningService;
  let gw: RunningGateway;
  beforeAll(async () => {
    stack = await startContactsAndSales('qc');
    ({ contacts, sales, gw } = stack);
  });
  afterAll(async () => stack?.stop());

  it('100 contacts with their deals: one query per subgraph', async () => {
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId, userId: 'alice' });
    const csv = ['firstName,lastName,email', ...Array.from({ length: 100 }, (_, i) => `P${i},Count,p${i}@count.example`)].join('\n');
    expect(dataOf(await gql(`mutation($c: String!) { importContactsCsv(csv: $c) { created } }`, { c: csv })).importContactsCsv.created).toBe(100);
    await eventually(
      async () => (await adminQuery(`SELECT count(*)::int AS n FROM "${sales.info.schema}".contact_replica WHERE tenant_id = $1`, [tenantId]))[0].n === 100,
      30000,
      '100 contacts in the sales replica',
    );
    const ids: string[] = (await adminQuery(`SELECT id FROM "${contacts.info.schema}".contacts WHERE tenant_id = $1`, [tenantId])).map((r: { id: string }) => r.id);
    for (const contactId of ids) dataOf(await gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: { contactId, title: 'D', amount: { amount: '1.00', currency: 'EUR' } } }));

    const inContacts = countQueries(contacts.dataSource);
    const inSales = countQueries(sales.dataSource);
    try {
      const list = dataOf(await gql(`{ contacts(first: 100) { edges { node { id displayName deals { edges { node { id title } } } } } } }`)).contacts.edges;
      expect(list).toHaveLength(100);
      expect(list.every((e: { node: { deals: { edges: unknown[] } } }) => e.node.deals.edges.length === 1)).toBe(true);
    } finally {
      inContacts.restore();
      inSales.restore();
    }
    expect({ contacts: inContacts.statements.length, sales: inSales.statements.length }).toEqual({ contacts: 1, sales: 1 });

    // Asked for, totalCount costs one more statement in contacts (and only then).
    const again = countQueries(contacts.dataSource);
    try {
      expect(dataOf(await gql(`{ contacts(first: 5) { totalCount edges { node { id } } } }`)).contacts.totalCount).toBe(100);
    } finally {
      again.restore();
    }
    expect(again.statements).toHaveLength(2);

    // A customer-360 of one contact: a dozen resolvers in each subgraph share one read session per
    // subgraph: no transaction, nothing sent but the statements and, when the connection was bound to
    // another tenant (or none), one binding.
    const contactId = ids[0];
    dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId, channel: 'PHONE', currency: 'EUR', lines: [{ description: 'W', quantity: '1', unitPrice: '5.00' }] } }));
    const c360 = { contacts: countQueries(contacts.dataSource), sales: countQueries(sales.dataSource) };
    let contact;
    try {
      contact = dataOf(
        await gql(
          `query($id: ID!) { contact(id: $id) { displayName email consents { channel granted } timelineEntries(first: 10) { edges { node { kind } } }
             deals(first: 10) { totalCount edges { node { title stage { name } } } } orders(first: 10) { edges { node { number } } } lifetimeValue { amount } } }`,
          { id: contactId },
        ),
      ).contact;
    } finally {
      c360.contacts.restore();
      c360.sales.restore();
    }
    expect(contact.deals.totalCount).toBe(1);
    expect(contact.orders.edges).toHaveLength(1);
    for (const r of [c360.contacts, c360.sales]) {
      expect(r.transactions()).toBe(0);
      expect(r.counts.bindings).toBeLessThanOrEqual(1);
      expect(r.counts.roundTrips).toBe(r.statements.length + r.counts.bindings);
    }

    // A mutation keeps its own transaction, committed before its answer.
    const m = countQueries(contacts.dataSource);
    try {
      dataOf(await gql(`mutation { a: createContact(input: { firstName: "A" }) { id } b: createContact(input: { firstName: "B" }) { id } }`));
    } finally {
      m.restore();
    }
    expect(m.transactions()).toBe(2);
  }, 120_000);
});
