import { dataOf, uniqueTenant } from '@crm/testing';
import { expectError, startSales, type Harness } from './harness';

const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';
const QUOTE = `id number status version validUntil notes lines { sku description quantity unitPrice { amount } discountPercent net { amount } } total { amount }
  supersedes { id number } supersededBy { id number } revisions { number status version }`;
const M = {
  product: `mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
  priceList: `mutation($i: CreatePriceListInput!) { createPriceList(input: $i) { id } }`,
  setPrice: `mutation($l: ID!, $i: PriceInput!) { setPrice(priceListId: $l, input: $i) { id } }`,
  create: `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { ${QUOTE} } }`,
  update: `mutation($id: ID!, $i: UpdateQuoteInput!) { updateQuote(id: $id, input: $i) { ${QUOTE} } }`,
  revise: `mutation($id: ID!, $i: UpdateQuoteInput) { reviseQuote(id: $id, input: $i) { ${QUOTE} } }`,
  send: `mutation($id: ID!) { sendQuote(id: $id) { id status } }`,
  accept: `mutation($id: ID!) { acceptQuote(id: $id) { id total { amount } } }`,
  get: `query($id: ID!) { quote(id: $id) { ${QUOTE} } }`,
};

describe('editing quotes: drafts in place, sent ones by revision (real Postgres + Kafka)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('edits a draft’s lines, discounts, validity and notes with quote.updated; bad input names the field and writes nothing; a sent quote refuses edits', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const lic = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '0' } })).createProduct;
    dataOf(await gql(M.priceList, { i: { name: 'EUR', currency: 'EUR', items: [{ productId: lic.id, unitPrice: '100.00' }] } }));
    const q = dataOf(await gql(M.create, { i: { contactId: c.contactId, currency: 'EUR', validUntil: '2030-01-31', lines: [{ productId: lic.id, quantity: '1' }] } })).createQuote;
    expect(q.total.amount).toBe('100.00');

    // 3 × 100.00 with 10 % off = 270.00; plus a 50.00 setup line = 320.00
    const edited = dataOf(
      await gql(M.update, {
        id: q.id,
        i: { lines: [{ productId: lic.id, quantity: '3', discountPercent: '10' }, { description: 'Setup', quantity: '1', unitPrice: '50.00', taxRate: '0' }], validUntil: '2030-02-28', notes: 'Spring offer' },
      }),
    ).updateQuote;
    expect(edited).toMatchObject({ status: 'DRAFT', version: 1, number: q.number, validUntil: '2030-02-28', notes: 'Spring offer', total: { amount: '320.00' } });
    expect(edited.lines.map((l: any) => [l.description, l.quantity, l.unitPrice.amount, l.discountPercent, l.net.amount])).toEqual([
      ['Licence', '3', '100.00', '10', '270.00'],
      ['Setup', '1', '50.00', null, '50.00'],
    ]);
    expect(dataOf(await gql(M.update, { id: q.id, i: { validUntil: null, notes: null } })).updateQuote).toMatchObject({ validUntil: null, notes: null, total: { amount: '320.00' } });

    const before = { outbox: await h.outboxCount(tenantId), lines: await h.sql(`SELECT description, quantity FROM "${h.schema}".quote_lines WHERE quote_id = $1 ORDER BY position`, [q.id]) };
    const bad = expectError(await gql(M.update, { id: q.id, i: { lines: [{ quantity: '1', unitPrice: '-1', description: 'x' }], validUntil: '2030-02-30' } }), 'BAD_USER_INPUT');
    expect(bad.message).toMatch(/^input\.(lines\.0\.unitPrice|validUntil):/);
    expectError(await gql(M.update, { id: q.id, i: { lines: [] } }), 'BAD_USER_INPUT', /^input\.lines: at least one line is needed/);
    expectError(await gql(M.update, { id: q.id, i: { lines: [{ productId: UNKNOWN, quantity: '1' }] } }), 'BAD_USER_INPUT', new RegExp(`^input\\.lines\\.0\\.productId: product ${UNKNOWN} does not exist`));
    expectError(await gql(M.update, { id: q.id, i: { pricesIncludeTax: true } }), 'BAD_USER_INPUT', /^input\.lines: give the lines/);
    expectError(await gql(M.update, { id: q.id, i: {} }), 'BAD_USER_INPUT', /^input\.lines: nothing to change/);
    expectError(await gql(M.update, { id: UNKNOWN, i: { notes: 'x' } }), 'NOT_FOUND');
    expectError(await gql(M.update, { id: 'x', i: { notes: 'x' } }), 'BAD_USER_INPUT', /^id: "x" is not a quote id/);
    expect(await h.sql(`SELECT description, quantity FROM "${h.schema}".quote_lines WHERE quote_id = $1 ORDER BY position`, [q.id])).toEqual(before.lines);
    expect(await h.outboxCount(tenantId)).toBe(before.outbox);

    const updates = await h.outboxEvents(tenantId, 'crm.sales.quote.updated.v1');
    expect(updates.map((e) => e.data.changed)).toEqual([['lines', 'validUntil', 'notes'], ['validUntil', 'notes']]);
    expect(updates[0].data.totals.total).toEqual({ amount: '320.00', currency: 'EUR' });

    dataOf(await gql(M.send, { id: q.id }));
    expectError(await gql(M.update, { id: q.id, i: { notes: 'late' } }), 'CONFLICT', /is sent; only a draft can be edited; revise it into a new version \(reviseQuote\) instead/);
  });

  it('revises a sent quote into a new version at the prices it was issued with; the old one is superseded, linked both ways, and can no longer be accepted', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const lic = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '0' } })).createProduct;
    const list = dataOf(await gql(M.priceList, { i: { name: 'EUR', currency: 'EUR', items: [{ productId: lic.id, unitPrice: '100.00' }] } })).createPriceList;
    const v1 = dataOf(await gql(M.create, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ productId: lic.id, quantity: '2' }], notes: 'first' } })).createQuote;
    expectError(await gql(M.revise, { id: v1.id }), 'CONFLICT', /is draft; only a sent quote can be revised; edit the draft instead/);
    dataOf(await gql(M.send, { id: v1.id }));
    // The catalogue price goes up after the quote was sent.
    dataOf(await gql(M.setPrice, { l: list.id, i: { productId: lic.id, unitPrice: '150.00' } }));

    const v2 = dataOf(await gql(M.revise, { id: v1.id })).reviseQuote;
    expect(v2).toMatchObject({
      number: `${v1.number}-2`, status: 'DRAFT', version: 2, notes: 'first', total: { amount: '200.00' }, supersedes: { id: v1.id, number: v1.number }, supersededBy: null,
    });
    expect(v2.lines.map((l: any) => l.unitPrice.amount)).toEqual(['100.00']);
    const old = dataOf(await gql(M.get, { id: v1.id })).quote;
    expect(old).toMatchObject({ status: 'SUPERSEDED', supersededBy: { id: v2.id, number: v2.number } });
    expectError(await gql(M.accept, { id: v1.id }), 'CONFLICT', /is superseded; it cannot be accepted/);
    expectError(await gql(M.revise, { id: v1.id }), 'CONFLICT', new RegExp(`is superseded; only a sent quote can be revised; it was revised already \\(${v2.id}\\)`));

    // Revising with edits: the new lines are priced from today's catalogue; bad input leaves the sent version untouched.
    dataOf(await gql(M.send, { id: v2.id }));
    const n = await h.outboxCount(tenantId);
    expectError(await gql(M.revise, { id: v2.id, i: { lines: [{ productId: lic.id, quantity: '0' }] } }), 'BAD_USER_INPUT', /^input\.lines\.0\.quantity:/);
    expect(await h.outboxCount(tenantId)).toBe(n);
    expect(dataOf(await gql(M.get, { id: v2.id })).quote.status).toBe('SENT');
    const v3 = dataOf(await gql(M.revise, { id: v2.id, i: { lines: [{ productId: lic.id, quantity: '1' }], validUntil: '2030-06-30' } })).reviseQuote;
    expect(v3).toMatchObject({ number: `${v1.number}-3`, version: 3, validUntil: '2030-06-30', total: { amount: '150.00' }, supersedes: { id: v2.id } });
    expect(v3.revisions).toEqual([
      { number: v1.number, status: 'SUPERSEDED', version: 1 },
      { number: `${v1.number}-2`, status: 'SUPERSEDED', version: 2 },
      { number: `${v1.number}-3`, status: 'DRAFT', version: 3 },
    ]);
    expect(dataOf(await gql(M.get, { id: v1.id })).quote.revisions.map((r: any) => r.version)).toEqual([1, 2, 3]);
    dataOf(await gql(M.send, { id: v3.id }));
    expect(dataOf(await gql(M.accept, { id: v3.id })).acceptQuote.total.amount).toBe('150.00');

    const revised = await h.outboxEvents(tenantId, 'crm.sales.quote.revised.v1');
    expect(revised.map((e) => [e.key, e.data.supersededById, e.data.supersededByNumber, e.data.version])).toEqual([
      [v1.id, v2.id, `${v1.number}-2`, 1],
      [v2.id, v3.id, `${v1.number}-3`, 2],
    ]);
    expect((await h.outboxEvents(tenantId, 'crm.sales.quote.created.v1')).map((e) => e.data.number)).toEqual([v1.number, `${v1.number}-2`, `${v1.number}-3`]);
  });
});
