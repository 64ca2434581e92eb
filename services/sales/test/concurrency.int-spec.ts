import { dataOf, uniqueTenant } from '@crm/testing';
import { startSales } from './harness';

/**
 * Issue 6 §1b: with a pool of 10, sixteen concurrent writes used to hang for good (each request held
 * one pooled connection in its transaction and waited for a second one for the contact-replica
 * lookup). Every write path that reads the replica runs here far above the pool size.
 */
describe('sales under concurrency well above the pool size (pool of 10)', () => {
  let h: Awaited<ReturnType<typeof startSales>>;
  beforeAll(async () => {
    h = await startSales({ DB_POOL_SIZE: '10' });
  });
  afterAll(async () => h?.stop());

  const N = 100;
  const line = [{ description: 'Coffee beans', quantity: '1', unitPrice: '10.00', taxRate: '7' }];

  it('100 concurrent createDeal, placeOrder, createQuote and createTask all answer, each with its row', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const deals = await Promise.all(
      Array.from({ length: N }, (_, i) => gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: { title: `Deal ${i}`, contactId: c.contactId, amount: { amount: '100.00', currency: 'EUR' } } })),
    );
    expect(deals.map((r) => r.errors ?? null)).toEqual(Array(N).fill(null));
    const orders = await Promise.all(
      Array.from({ length: N }, () => gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId: c.contactId, channel: 'PHONE', currency: 'EUR', lines: line } })),
    );
    expect(orders.map((r) => r.errors ?? null)).toEqual(Array(N).fill(null));
    const quotes = await Promise.all(
      Array.from({ length: N }, () => gql(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id } }`, { i: { contactId: c.contactId, currency: 'EUR', lines: line } })),
    );
    expect(quotes.map((r) => r.errors ?? null)).toEqual(Array(N).fill(null));
    const tasks = await Promise.all(
      Array.from({ length: N }, (_, i) => gql(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, { i: { title: `Call ${i}`, contactId: c.contactId, dealId: dataOf(deals[i]).createDeal.id, dueAt: new Date(Date.now() + 3_600_000).toISOString() } })),
    );
    expect(tasks.map((r) => r.errors ?? null)).toEqual(Array(N).fill(null));
    const [counts] = await h.sql(
      `SELECT (SELECT count(*)::int FROM "${h.schema}".deals WHERE tenant_id = $1) AS deals, (SELECT count(*)::int FROM "${h.schema}".orders WHERE tenant_id = $1) AS orders,
              (SELECT count(*)::int FROM "${h.schema}".quotes WHERE tenant_id = $1) AS quotes, (SELECT count(*)::int FROM "${h.schema}".tasks WHERE tenant_id = $1) AS tasks`,
      [tenantId],
    );
    expect(counts).toEqual({ deals: N, orders: N, quotes: N, tasks: N });
  }, 120_000);
});
