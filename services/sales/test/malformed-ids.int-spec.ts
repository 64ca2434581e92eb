import { dataOf, uniqueTenant } from '@crm/testing';
import { startSales } from './harness';

/**
 * Issue 6 §8: ids were checked with /^[0-9a-f-]{36}$/, which accepts strings PostgreSQL refuses as
 * UUIDs, so one malformed id in a DataLoader batch failed every id of the batch with
 * INTERNAL_SERVER_ERROR. One UUID check for the platform: a malformed id simply finds nothing.
 */
describe('a malformed id inside a batch of good ones (deals, quotes, orders)', () => {
  let h: Awaited<ReturnType<typeof startSales>>;
  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => h?.stop());

  it('the good ids resolve, the malformed one is null, and nothing fails', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const line = [{ description: 'Beans', quantity: '1', unitPrice: '10.00' }];
    const deal = dataOf(await gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: { title: 'D', contactId: c.contactId, amount: { amount: '1.00', currency: 'EUR' } } })).createDeal;
    const quote = dataOf(await gql(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id } }`, { i: { contactId: c.contactId, currency: 'EUR', lines: line } })).createQuote;
    const order = dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId: c.contactId, channel: 'PHONE', currency: 'EUR', lines: line } })).placeOrder;
    // 36 characters of [0-9a-f-]: passed the old check, refused by PostgreSQL's uuid cast.
    const bad = '0123456789abcdef0123456789abcdef----';
    const r = await gql(
      `query($d: ID!, $q: ID!, $o: ID!, $bad: ID!) {
         d1: deal(id: $d) { id } d2: deal(id: $bad) { id }
         q1: quote(id: $q) { id } q2: quote(id: $bad) { id }
         o1: order(id: $o) { id } o2: order(id: $bad) { id } }`,
      { d: deal.id, q: quote.id, o: order.id, bad },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ d1: { id: deal.id }, d2: null, q1: { id: quote.id }, q2: null, o1: { id: order.id }, o2: null });
  });
});
