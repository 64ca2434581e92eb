import { dataOf, uniqueTenant } from '@crm/testing';
import { expectError, startSales, type Harness } from './harness';

const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';
const PRODUCT = `id sku name description unit taxRate active`;
const M = {
  product: `mutation($i: CreateProductInput!) { createProduct(input: $i) { ${PRODUCT} } }`,
  update: `mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { ${PRODUCT} } }`,
  deactivate: `mutation($id: ID!) { deactivateProduct(id: $id) { ${PRODUCT} } }`,
  reactivate: `mutation($id: ID!) { reactivateProduct(id: $id) { ${PRODUCT} } }`,
  priceList: `mutation($i: CreatePriceListInput!) { createPriceList(input: $i) { id } }`,
  setPrice: `mutation($l: ID!, $i: PriceInput!, $e: Date) { setPrice(priceListId: $l, input: $i, effectiveFrom: $e) { items { productId unitPrice { amount } } } }`,
  history: `query($l: ID!, $p: ID!) { priceHistory(priceListId: $l, productId: $p) { unitPrice { amount currency } effectiveFrom setBy } }`,
  quote: `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id lines { sku description unitPrice { amount } taxRate } total { amount } } }`,
  quoteById: `query($id: ID!) { quote(id: $id) { lines { sku description unitPrice { amount } taxRate } total { amount } } }`,
  order: `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id lines { unitPrice { amount } } } }`,
};
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('editing the catalogue: products and dated prices (real Postgres + Kafka)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('updates, deactivates and reactivates a product with product.upserted; an inactive product is refused on new quotes and orders, naming the line', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss' });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '19' } })).createProduct;
    const other = dataOf(await gql(M.product, { i: { sku: 'BOOK', name: 'Manual' } })).createProduct;
    const q1 = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ productId: p.id, quantity: '1', unitPrice: '10.00' }] } })).createQuote;

    const u = dataOf(await gql(M.update, { id: p.id, i: { name: 'Licence (annual)', unit: 'seat', taxRate: '7.5', sku: 'LIC-A' } })).updateProduct;
    expect(u).toMatchObject({ sku: 'LIC-A', name: 'Licence (annual)', unit: 'seat', taxRate: '7.5', active: true });
    expect(dataOf(await gql(M.update, { id: p.id, i: { unit: null } })).updateProduct.unit).toBeNull();
    // The quote issued before keeps its line as it was.
    expect(dataOf(await gql(M.quoteById, { id: q1.id })).quote.lines).toEqual([{ sku: 'LIC', description: 'Licence', unitPrice: { amount: '10.00' }, taxRate: '19' }]);

    const before = { outbox: await h.outboxCount(tenantId), row: await h.sql(`SELECT * FROM "${h.schema}".products WHERE id = $1`, [p.id]) };
    const bad = expectError(await gql(M.update, { id: p.id, i: { name: ' ', taxRate: '101' } }), 'BAD_USER_INPUT');
    expect(bad.extensions!.fields.map((f: any) => f.field)).toEqual(['input.name']);
    expectError(await gql(M.update, { id: p.id, i: { taxRate: '101' } }), 'BAD_USER_INPUT', /^input\.taxRate:/);
    expectError(await gql(M.update, { id: p.id, i: { sku: 'book' } }), 'CONFLICT', /^input\.sku: a product with SKU book already exists/);
    expectError(await gql(M.update, { id: p.id, i: {} }), 'BAD_USER_INPUT', /^input\.name: nothing to change/);
    expectError(await gql(M.update, { id: UNKNOWN, i: { name: 'x' } }), 'NOT_FOUND');
    expectError(await gql(M.update, { id: 'x', i: { name: 'x' } }), 'BAD_USER_INPUT', /^id: "x" is not a product id/);
    expect(await h.sql(`SELECT * FROM "${h.schema}".products WHERE id = $1`, [p.id])).toEqual(before.row);
    expect(await h.outboxCount(tenantId)).toBe(before.outbox);

    expect(dataOf(await gql(M.deactivate, { id: p.id })).deactivateProduct.active).toBe(false);
    expectError(await gql(M.deactivate, { id: p.id }), 'CONFLICT', /already inactive/);
    const lines = [{ productId: other.id, quantity: '1', unitPrice: '5.00' }, { productId: p.id, quantity: '1', unitPrice: '10.00' }];
    const quotes = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".quotes WHERE tenant_id = $1`, [tenantId]);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines } }), 'BAD_USER_INPUT', /^input\.lines\.1\.productId: product LIC-A is inactive; it cannot be put on a new quote or order/);
    expectError(await gql(M.order, { i: { contactId: c.contactId, currency: 'EUR', channel: 'PHONE', lines } }), 'BAD_USER_INPUT', /^input\.lines\.1\.productId: product LIC-A is inactive/);
    expect(await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".quotes WHERE tenant_id = $1`, [tenantId])).toEqual(quotes);
    expect(dataOf(await gql(M.reactivate, { id: p.id })).reactivateProduct.active).toBe(true);
    dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines } }));

    const events = await h.outboxEvents(tenantId, 'crm.sales.product.upserted.v1');
    expect(events.filter((e) => e.key === p.id).map((e) => [e.data.sku, e.data.unit, e.data.active])).toEqual([
      ['LIC', null, true], ['LIC-A', 'seat', true], ['LIC-A', null, true], ['LIC-A', null, false], ['LIC-A', null, true],
    ]);
  });

  it('a price set with an effective date applies from that date on; history kept; quotes keep the price they were issued with', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss' });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence' } })).createProduct;
    const list = dataOf(await gql(M.priceList, { i: { name: 'EUR', currency: 'EUR', items: [{ productId: p.id, unitPrice: '100.00' }] } })).createPriceList;
    const quote = async () => dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ productId: p.id, quantity: '2' }] } })).createQuote;
    const q100 = await quote();
    expect(q100.total.amount).toBe('200.00');

    // Effective next week: today's documents still use 100.00.
    const later = dataOf(await gql(M.setPrice, { l: list.id, i: { productId: p.id, unitPrice: '130.00' }, e: day(7) })).setPrice;
    expect(later.items).toEqual([{ productId: p.id, unitPrice: { amount: '100.00' } }]);
    expect((await quote()).lines[0].unitPrice.amount).toBe('100.00');
    // Effective since yesterday: used now; the order takes it too.
    dataOf(await gql(M.setPrice, { l: list.id, i: { productId: p.id, unitPrice: '110.00' }, e: day(-1) }));
    expect((await quote()).lines[0].unitPrice.amount).toBe('110.00');
    const order = dataOf(await gql(M.order, { i: { contactId: c.contactId, currency: 'EUR', channel: 'PHONE', lines: [{ productId: p.id, quantity: '1' }] } })).placeOrder;
    expect(order.lines[0].unitPrice.amount).toBe('110.00');
    // Today without a date (the default) wins over yesterday's.
    dataOf(await gql(M.setPrice, { l: list.id, i: { productId: p.id, unitPrice: '120.00' } }));
    expect((await quote()).lines[0].unitPrice.amount).toBe('120.00');
    // The first quote kept the price it was issued with.
    expect(dataOf(await gql(M.quoteById, { id: q100.id })).quote).toMatchObject({ lines: [{ unitPrice: { amount: '100.00' } }], total: { amount: '200.00' } });

    expect(dataOf(await gql(M.history, { l: list.id, p: p.id })).priceHistory).toEqual([
      { unitPrice: { amount: '100.00', currency: 'EUR' }, effectiveFrom: null, setBy: 'boss' },
      { unitPrice: { amount: '110.00', currency: 'EUR' }, effectiveFrom: day(-1), setBy: 'boss' },
      { unitPrice: { amount: '120.00', currency: 'EUR' }, effectiveFrom: day(0), setBy: 'boss' },
      { unitPrice: { amount: '130.00', currency: 'EUR' }, effectiveFrom: day(7), setBy: 'boss' },
    ]);
    const changed = await h.outboxEvents(tenantId, 'crm.sales.price-list.price-changed.v1');
    expect(changed.map((e) => [e.data.unitPrice.amount, e.data.previousUnitPrice?.amount ?? null, e.data.effectiveFrom])).toEqual([
      ['130.00', '100.00', day(7)],
      ['110.00', '100.00', day(-1)],
      ['120.00', '110.00', day(0)],
    ]);
    // price-list.upserted only for the prices effective already.
    expect((await h.outboxEvents(tenantId, 'crm.sales.price-list.upserted.v1')).map((e) => e.data.prices.map((x: any) => x.unitPrice.amount))).toEqual([['100.00'], ['110.00'], ['120.00']]);

    const n = await h.outboxCount(tenantId);
    expectError(await gql(M.setPrice, { l: list.id, i: { productId: p.id, unitPrice: '1.00' }, e: '2026-02-30' }), 'BAD_USER_INPUT');
    expectError(await gql(M.setPrice, { l: list.id, i: { productId: p.id, unitPrice: '1.001' } }), 'BAD_USER_INPUT', /^input\.unitPrice:/);
    expect(await h.outboxCount(tenantId)).toBe(n);
    expect(dataOf(await gql(M.history, { l: list.id, p: p.id })).priceHistory).toHaveLength(4);
  });
});
