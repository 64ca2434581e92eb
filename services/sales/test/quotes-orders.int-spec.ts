import { createHash } from 'node:crypto';
import { TenantProfiles } from '@crm/documents';
import { extractPdfText } from '@crm/documents/test/pdf-text';
import { requestStore } from '@crm/platform';
import { dataOf, recordStatements, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { RenderQuote } from '../src/quotes/use-cases/render-quote.use-case';
import { expectError, Q, SALES_EVENT, startSales, type Harness } from './harness';
import { checkStructure, infoEntry, pageCount, parsePdf } from './pdf-inspect';

const LINE = `id productId sku description quantity unitPrice { amount currency } discountPercent discount { amount } taxRate net { amount } tax { amount } gross { amount }`;
const DOC = `id number currency pricesIncludeTax status lines { ${LINE} } subtotal { amount currency } discountTotal { amount } taxTotal { amount } total { amount currency } taxes { rate net { amount } tax { amount } }`;
const M = {
  product: `mutation($i: CreateProductInput!) { createProduct(input: $i) { id sku name taxRate } }`,
  priceList: `mutation($i: CreatePriceListInput!) { createPriceList(input: $i) { id currency isDefault items { productId unitPrice { amount currency } } } }`,
  quote: `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { ${DOC} contact { id } } }`,
  send: `mutation($id: ID!) { sendQuote(id: $id) { id status sentAt } }`,
  accept: `mutation($id: ID!) { acceptQuote(id: $id) { id number channel status quoteId: id lines { ${LINE} } total { amount currency } } }`,
  render: `query($id: ID!) { renderQuote(id: $id) { fileName contentType content } }`,
  pdf: `query($id: ID!) { renderQuotePdf(id: $id) { fileName contentType base64 bytes } }`,
  place: `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id number channel status externalRef total { amount currency } taxTotal { amount } } }`,
  pay: `mutation($id: ID!) { markOrderPaid(id: $id) { id status paidAt } }`,
  template: `mutation($h: String!) { setQuoteTemplate(html: $h) }`,
  decline: `mutation($id: ID!) { declineQuote(id: $id) { id status } }`,
  setPrice: `mutation($l: ID!, $i: PriceInput!) { setPrice(priceListId: $l, input: $i) { id isDefault items { productId unitPrice { amount currency } } } }`,
  deal: `mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`,
};

describe('products, quotes with taxes, orders (sales alone)', () => {
  let h: Harness;
  let rec: TopicRecorder;
  beforeAll(async () => {
    h = await startSales();
    rec = await h.recorder();
  });
  afterAll(async () => {
    await rec?.stop();
    await h?.stop();
  });

  it('prices lines from the price list, taxes per line (exclusive and inclusive, mixed rates), totals exact to the cent', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { displayName: 'Ada <Lovelace>' });
    const lic = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '19' } })).createProduct;
    const book = dataOf(await gql(M.product, { i: { sku: 'BOOK', name: 'Manual', taxRate: '7' } })).createProduct;
    expectError(await gql(M.product, { i: { sku: 'lic', name: 'Dup' } }), 'CONFLICT', /^input\.sku: a product with SKU lic already exists/);
    dataOf(await gql(M.priceList, { i: { name: 'EUR list', currency: 'EUR', items: [{ productId: lic.id, unitPrice: '19.99' }, { productId: book.id, unitPrice: '4.99' }] } }));

    // Exclusive: 3 × 19.99 = 59.97, 19% = 11.3943 → 11.39 | 2 × 4.99 = 9.98, 7% = 0.6986 → 0.70 | 0.05 at 10% → tax 0.005 → 0.01
    //            1 × 100.00 at 0% with 10% discount → net 90.00, tax 0
    const ex = dataOf(
      await gql(M.quote, {
        i: {
          contactId: c.contactId, currency: 'EUR',
          lines: [{ productId: lic.id, quantity: '3' }, { productId: book.id, quantity: '2' }, { description: 'Stamp', quantity: '1', unitPrice: '0.05', taxRate: '10' },
            { description: 'Setup', quantity: '1', unitPrice: '100.00', taxRate: '0', discountPercent: '10' }],
        },
      }),
    ).createQuote;
    expect(ex.lines.map((l: any) => [l.sku, l.description, l.quantity, l.unitPrice.amount, l.taxRate, l.discount.amount, l.net.amount, l.tax.amount, l.gross.amount])).toEqual([
      ['LIC', 'Licence', '3', '19.99', '19', '0.00', '59.97', '11.39', '71.36'],
      ['BOOK', 'Manual', '2', '4.99', '7', '0.00', '9.98', '0.70', '10.68'],
      [null, 'Stamp', '1', '0.05', '10', '0.00', '0.05', '0.01', '0.06'],
      [null, 'Setup', '1', '100.00', '0', '10.00', '90.00', '0.00', '90.00'],
    ]);
    // subtotal 59.97 + 9.98 + 0.05 + 90.00 = 160.00; tax 11.39 + 0.70 + 0.01 = 12.10; total 172.10
    expect([ex.subtotal.amount, ex.discountTotal.amount, ex.taxTotal.amount, ex.total.amount, ex.number, ex.status]).toEqual(['160.00', '10.00', '12.10', '172.10', 'Q-000001', 'DRAFT']);
    expect(ex.taxes.map((t: any) => [t.rate, t.net.amount, t.tax.amount])).toEqual([['0', '90.00', '0.00'], ['7', '9.98', '0.70'], ['10', '0.05', '0.01'], ['19', '59.97', '11.39']]);

    // Inclusive: 119.00 at 19% → net 100.00 tax 19.00 | 10.00 at 7% → net 9.35 tax 0.65 | 3 × 9.99 = 29.97 at 21% → net 24.77 tax 5.20
    const inc = dataOf(
      await gql(M.quote, {
        i: {
          contactId: c.contactId, currency: 'EUR', pricesIncludeTax: true,
          lines: [{ productId: lic.id, quantity: '1', unitPrice: '119.00' }, { productId: book.id, quantity: '1', unitPrice: '10.00' }, { description: 'Svc', quantity: '3', unitPrice: '9.99', taxRate: '21' }],
        },
      }),
    ).createQuote;
    expect(inc.lines.map((l: any) => [l.net.amount, l.tax.amount, l.gross.amount])).toEqual([['100.00', '19.00', '119.00'], ['9.35', '0.65', '10.00'], ['24.77', '5.20', '29.97']]);
    expect([inc.subtotal.amount, inc.taxTotal.amount, inc.total.amount, inc.number]).toEqual(['134.12', '24.85', '158.97', 'Q-000002']);

    // Bad lines: negative / zero quantity, too many decimals, unknown product, a product without a price.
    const before = await h.outboxCount(tenantId);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ productId: lic.id, quantity: '-1' }] } }), 'BAD_USER_INPUT', /^input\.lines\.0\.quantity: must not be negative/);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ productId: lic.id, quantity: '0' }] } }), 'BAD_USER_INPUT', /^input\.lines\.0\.quantity: must be greater than 0/);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.005' }] } }), 'BAD_USER_INPUT', /^input\.lines\.0\.unitPrice: 1\.005 has 3 decimal places but EUR has 2/);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'USD', lines: [{ productId: lic.id, quantity: '1' }] } }), 'BAD_USER_INPUT', /^input\.lines\.0\.unitPrice: product LIC has no USD price/);
    expectError(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [] } }), 'BAD_USER_INPUT', /^input\.lines: at least one line/);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".quotes WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(2);
    expect(await h.outboxCount(tenantId)).toBe(before);

    // Send → quote.sent.v1 with the exact lines and totals; render → HTML with the customer escaped.
    dataOf(await gql(M.send, { id: ex.id }));
    const sent = await rec.waitFor((e) => e.event?.type === SALES_EVENT.quoteSent && e.event.subject === ex.id);
    expect(sent.event.data.totals).toMatchObject({ pricesIncludeTax: false, subtotal: { amount: '160.00', currency: 'EUR' }, taxTotal: { amount: '12.10' }, total: { amount: '172.10' } });
    expect(sent.event.data.lines).toHaveLength(4);
    expectError(await gql(M.send, { id: ex.id }), 'CONFLICT', /only a draft can be sent/);
    const doc = dataOf(await gql(M.render, { id: ex.id })).renderQuote;
    expect(doc).toMatchObject({ fileName: 'Q-000001.html', contentType: 'text/html; charset=utf-8' });
    expect(doc.content).toContain('Ada &lt;Lovelace&gt;');
    expect(doc.content).toContain('€172.10'); // en-US while the tenant has no profile
    expect(doc.content).toContain('Tax 19% on €59.97');
    expectError(await gql(M.template, { h: '{{#lines}}oops' }), 'BAD_USER_INPUT', /^html: \{\{#lines\}\} is never closed/);
    dataOf(await gql(M.template, { h: '<p>{{number}}: {{total}} {{currency}} for {{customer.name}}</p>' }));
    expect(dataOf(await gql(M.render, { id: ex.id })).renderQuote.content).toBe('<p>Q-000001: 172.10 EUR for Ada &lt;Lovelace&gt;</p>');

    // Accept → an order with the same lines and totals, order.placed.v1 with lines, totals and channel.
    const order = dataOf(await gql(M.accept, { id: ex.id })).acceptQuote;
    expect(order).toMatchObject({ number: 'O-000001', channel: 'DIRECT', status: 'PLACED', total: { amount: '172.10', currency: 'EUR' } });
    expect(order.lines.map((l: any) => l.gross.amount)).toEqual(['71.36', '10.68', '0.06', '90.00']);
    const placed = await rec.waitFor((e) => e.event?.type === SALES_EVENT.orderPlaced && e.event.subject === order.id);
    expect(placed.event.data).toMatchObject({ channel: 'direct', quoteId: ex.id, contactId: c.contactId, totals: { total: { amount: '172.10', currency: 'EUR' } } });
    expect(placed.event.data.lines.map((l: any) => l.net.amount)).toEqual(['59.97', '9.98', '0.05', '90.00']);
    expectError(await gql(M.accept, { id: ex.id }), 'CONFLICT', /is accepted/);
  });

  it('records point-of-sale and web-shop purchases (idempotent per external ref) and shows them on the contact with its lifetime value', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const other = await h.contact(tenantId);
    const pos = dataOf(await gql(M.place, { i: { contactId: c.contactId, channel: 'POINT_OF_SALE', currency: 'EUR', pricesIncludeTax: true, paid: true, lines: [{ description: 'Coffee beans', quantity: '2', unitPrice: '12.50', taxRate: '7' }] } })).placeOrder;
    // 25.00 incl. 7% → net 23.36 (23.3644…), tax 1.64
    expect(pos).toMatchObject({ channel: 'POINT_OF_SALE', status: 'PAID', total: { amount: '25.00' }, taxTotal: { amount: '1.64' } });
    const web = { contactId: c.contactId, channel: 'WEB_SHOP', currency: 'JPY', externalRef: 'shop-1', lines: [{ description: 'Tea', quantity: '3', unitPrice: '333', taxRate: '10' }] };
    const w1 = dataOf(await gql(M.place, { i: web })).placeOrder;
    const w2 = dataOf(await gql(M.place, { i: web })).placeOrder;
    expect(w2.id).toBe(w1.id);
    expect(w1.total).toEqual({ amount: '1099', currency: 'JPY' }); // 999 + 99.9 → 100
    expect(await h.outboxCount(tenantId, SALES_EVENT.orderPlaced)).toBe(2);
    const placed = await rec.waitFor((e) => e.event?.type === SALES_EVENT.orderPlaced && e.event.subject === w1.id);
    expect(placed.event.data).toMatchObject({ channel: 'web_shop', externalRef: 'shop-1', totals: { total: { amount: '1099', currency: 'JPY' } } });

    const ents = dataOf(await gql(Q.entities, { r: [{ __typename: 'Contact', id: c.contactId }, { __typename: 'Contact', id: other.contactId }] }))._entities;
    expect(ents[0].orders.edges.map((o: any) => o.node.channel).sort()).toEqual(['POINT_OF_SALE', 'WEB_SHOP']);
    expect(ents[0].lifetimeValue).toEqual([{ amount: '25.00', currency: 'EUR' }, { amount: '1099', currency: 'JPY' }]);
    expect(ents[1]).toEqual({ id: other.contactId, deals: { edges: [] }, orders: { edges: [] }, lifetimeValue: [] });
  });
  it('reads of orders and quotes load their lines only when the operation selects them, in one statement for every document of the request', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const other = await h.contact(tenantId);
    const line = (description: string, unitPrice: string) => ({ description, quantity: '1', unitPrice, taxRate: '0' });
    for (const [contact, lines] of [[c, [line('A', '1.00'), line('B', '2.00')]], [c, [line('C', '3.00')]], [other, [line('D', '4.00')]]] as const)
      dataOf(await gql(M.place, { i: { contactId: contact.contactId, channel: 'PHONE', currency: 'EUR', lines } }));
    const quote = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines: [line('Q', '5.00')] } })).createQuote;
    const lineStatements = async (query: string, variables: Record<string, unknown>) => {
      const recorded = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
      try {
        return { data: dataOf(await gql(query, variables)), lines: recorded.statements.filter((s) => /FROM (order|quote)_lines/.test(s.sql)).length };
      } finally {
        recorded.restore();
      }
    };
    const refs = { r: [{ __typename: 'Contact', id: c.contactId }, { __typename: 'Contact', id: other.contactId }] };
    const ordersOf = (fields: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { orders(first: 10) { edges { node { ${fields} } } } } } }`;
    const without = await lineStatements(ordersOf('number total { amount }'), refs);
    expect(without.lines).toBe(0);
    expect(without.data._entities.map((e: any) => e.orders.edges.length)).toEqual([2, 1]);
    const withLines = await lineStatements(ordersOf('total { amount } lines { description net { amount } }'), refs);
    expect(withLines.lines).toBe(1);
    expect(withLines.data._entities.map((e: any) => e.orders.edges.map((o: any) => [o.node.total.amount, o.node.lines.map((l: any) => l.description)]))).toEqual([
      [['3.00', ['C']], ['3.00', ['A', 'B']]],
      [['4.00', ['D']]],
    ]);
    const quoteRead = (fields: string) => lineStatements(`query($id: ID!) { quote(id: $id) { ${fields} } }`, { id: quote.id });
    expect((await quoteRead('number total { amount }')).lines).toBe(0);
    const q = await quoteRead('lines { description } revisions { lines { description } }');
    expect(q.data.quote).toEqual({ lines: [{ description: 'Q' }], revisions: [{ lines: [{ description: 'Q' }] }] });
    // The only version is the quote itself: its lines come from the request's loader, not a second statement.
    expect(q.lines).toBe(1);
  });

  it('placeOrder retried concurrently with the same externalRef places one order and returns it to every retry', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const input = { contactId: c.contactId, channel: 'WEB_SHOP', currency: 'EUR', externalRef: 'cart-42', lines: [{ description: 'Mug', quantity: '1', unitPrice: '9.90', taxRate: '19' }] };
    const results = await Promise.all(Array.from({ length: 8 }, () => gql(M.place, { i: input })));
    expect(results.map((r) => r.errors ?? null)).toEqual(results.map(() => null));
    const ids = new Set(results.map((r) => r.data!.placeOrder.id));
    expect(ids.size).toBe(1);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".orders WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(1);
    expect(await h.outboxCount(tenantId, SALES_EVENT.orderPlaced)).toBe(1);
    // The same reference on another channel is another order.
    expect(dataOf(await gql(M.place, { i: { ...input, channel: 'MARKETPLACE' } })).placeOrder.id).not.toBe([...ids][0]);
  });

  it('refuses an order or a quote acceptance that does not fit: another contact’s deal, an expired quote, an erased contact — nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const other = await h.contact(tenantId);
    const deal = dataOf(await gql(M.deal, { i: { contactId: other.contactId, title: 'Theirs', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    const line = [{ description: 'x', quantity: '1', unitPrice: '1.00' }];
    const before = await h.outboxCount(tenantId);
    expectError(await gql(M.place, { i: { contactId: c.contactId, dealId: deal.id, channel: 'PHONE', currency: 'EUR', lines: line } }), 'BAD_USER_INPUT', new RegExp(`^input\\.dealId: deal ${deal.id} belongs to another contact`));
    expect(await h.outboxCount(tenantId)).toBe(before);
    expect(await h.sql(`SELECT id FROM "${h.schema}".orders WHERE tenant_id = $1`, [tenantId])).toEqual([]);
    // The deal's own contact may order on it.
    expect(dataOf(await gql(M.place, { i: { contactId: other.contactId, dealId: deal.id, channel: 'PHONE', currency: 'EUR', lines: line } })).placeOrder.number).toBe('O-000001');

    // Expired (valid until yesterday or earlier): CONFLICT, the quote stays as it was; it may still be declined.
    const expired = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', validUntil: '2020-01-31', lines: line } })).createQuote;
    const beforeAccept = await h.outboxCount(tenantId);
    expectError(await gql(M.accept, { id: expired.id }), 'CONFLICT', /^quote Q-000001 expired on 2020-01-31/);
    expect(await h.outboxCount(tenantId)).toBe(beforeAccept);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".orders WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(1);
    expect(dataOf(await gql(M.decline, { id: expired.id })).declineQuote.status).toBe('DECLINED');
    // Valid until today is still acceptable.
    const today = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', validUntil: (await h.sql(`SELECT current_date::text AS d`))[0].d, lines: line } })).createQuote;
    expect(dataOf(await gql(M.accept, { id: today.id })).acceptQuote.status).toBe('PLACED');

    // The contact was erased after the quote was made: no order for them.
    const gone = await h.contact(tenantId);
    const q = dataOf(await gql(M.quote, { i: { contactId: gone.contactId, currency: 'EUR', lines: line } })).createQuote;
    await h.erase(tenantId, gone.contactId);
    const beforeErased = await h.outboxCount(tenantId);
    expectError(await gql(M.accept, { id: q.id }), 'BAD_USER_INPUT', /its contact was erased/);
    expect(await h.outboxCount(tenantId)).toBe(beforeErased);
    expect((await h.sql(`SELECT status FROM "${h.schema}".quotes WHERE id = $1`, [q.id]))[0].status).toBe('draft');
  });

  it('emits events for catalogue, price lists, templates and every quote transition', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'mgr', roles: ['manager'] });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(M.product, { i: { sku: 'KB', name: 'Keyboard', taxRate: '7.5' } })).createProduct;
    const pe = await rec.waitFor((e) => e.event?.type === SALES_EVENT.productUpserted && e.event.subject === p.id);
    expect(pe.key).toBe(p.id);
    expect(pe.event.data).toEqual({ productId: p.id, sku: 'KB', name: 'Keyboard', description: null, unit: null, taxRate: '7.5', active: true, upsertedBy: 'mgr' });

    const l1 = dataOf(await gql(M.priceList, { i: { name: 'Retail', currency: 'EUR', items: [{ productId: p.id, unitPrice: '49.00' }] } })).createPriceList;
    const l2 = dataOf(await gql(M.priceList, { i: { name: 'Promo', currency: 'EUR', isDefault: true } })).createPriceList;
    dataOf(await gql(M.setPrice, { l: l2.id, i: { productId: p.id, unitPrice: '39.50' } }));
    expectError(await gql(M.setPrice, { l: l2.id, i: { productId: p.id, unitPrice: '1.001' } }), 'BAD_USER_INPUT', /^input\.unitPrice:/);
    const lists = await h.outboxEvents(tenantId, SALES_EVENT.priceListUpserted);
    expect(lists.map((e) => [e.key, e.data.isDefault, e.data.prices])).toEqual([
      [l1.id, true, [{ productId: p.id, unitPrice: { amount: '49.00', currency: 'EUR' } }]],
      [l2.id, true, []],
      [l1.id, false, []], // no longer the EUR default
      [l2.id, true, [{ productId: p.id, unitPrice: { amount: '39.50', currency: 'EUR' } }]],
    ]);
    expect(lists[0].data).toMatchObject({ priceListId: l1.id, name: 'Retail', currency: 'EUR', upsertedBy: 'mgr' });

    dataOf(await gql(M.template, { h: '<p>{{number}}</p>' }));
    const te = await rec.waitFor((e) => e.event?.type === SALES_EVENT.quoteTemplateUpdated && e.event.tenantid === tenantId);
    expect(te.key).toBe(tenantId);
    expect(te.event.data).toMatchObject({ sha256: createHash('sha256').update('<p>{{number}}</p>').digest('hex'), length: '<p>{{number}}</p>'.length, updatedBy: 'mgr' });

    const lines = [{ productId: p.id, quantity: '2' }];
    const q1 = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', validUntil: '2099-12-31', lines } })).createQuote;
    const created = await rec.waitFor((e) => e.event?.type === SALES_EVENT.quoteCreated && e.event.subject === q1.id);
    expect(created.event.data).toMatchObject({
      quoteId: q1.id, number: q1.number, contactId: c.contactId, dealId: null, ownerId: 'mgr', priceListId: l2.id, validUntil: '2099-12-31', createdBy: 'mgr',
      totals: { total: { amount: '84.93', currency: 'EUR' } }, // 2 × 39.50 = 79.00 + 7.5% = 5.925 → 5.93
    });
    expect(created.event.data.lines).toHaveLength(1);
    expect(JSON.stringify(created.event.data)).not.toMatch(/recipient|@example/);

    dataOf(await gql(M.decline, { id: q1.id }));
    const declined = await rec.waitFor((e) => e.event?.type === SALES_EVENT.quoteDeclined && e.event.subject === q1.id);
    expect(declined.event.data).toMatchObject({ quoteId: q1.id, number: q1.number, contactId: c.contactId, total: { amount: '84.93', currency: 'EUR' }, declinedBy: 'mgr' });
    expectError(await gql(M.decline, { id: q1.id }), 'CONFLICT', /cannot be declined/);

    const q2 = dataOf(await gql(M.quote, { i: { contactId: c.contactId, currency: 'EUR', lines } })).createQuote;
    const order = dataOf(await gql(M.accept, { id: q2.id })).acceptQuote;
    const accepted = await rec.waitFor((e) => e.event?.type === SALES_EVENT.quoteAccepted && e.event.subject === q2.id);
    expect(accepted.key).toBe(q2.id);
    expect(accepted.event.data).toMatchObject({ quoteId: q2.id, number: q2.number, contactId: c.contactId, orderId: order.id, total: { amount: '84.93', currency: 'EUR' }, acceptedBy: 'mgr' });
    await rec.waitFor((e) => e.event?.type === SALES_EVENT.orderPlaced && e.event.subject === order.id);
  });

  it('concurrent catalogue writes: first price lists of a currency get one default, duplicates are CONFLICT — never an internal error', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const lists = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((name) => gql(M.priceList, { i: { name, currency: 'USD' } })));
    expect(lists.map((r) => r.errors ?? null)).toEqual(lists.map(() => null));
    expect(lists.filter((r) => r.data!.createPriceList.isDefault)).toHaveLength(1);
    const sameList = await Promise.all([1, 2, 3, 4].map(() => gql(M.priceList, { i: { name: 'Same', currency: 'GBP' } })));
    expect(sameList.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of sameList.filter((x) => x.errors)) expectError(r, 'CONFLICT', /^input\.name: a price list named "Same"/);
    const sameSku = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => gql(M.product, { i: { sku: 'DUP', name: `Dup ${n}` } })));
    expect(sameSku.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of sameSku.filter((x) => x.errors)) expectError(r, 'CONFLICT', /^input\.sku: a product with SKU DUP/);
    expect(await h.outboxCount(tenantId, SALES_EVENT.productUpserted)).toBe(1);
    expect(await h.outboxCount(tenantId, SALES_EVENT.priceListUpserted)).toBe(6);
  });
  it('renders a quote as a PDF: metadata, pages and the exact figures of the document, tenant-scoped, reproducible', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { displayName: 'Grace Hopper' });
    const lic = dataOf(await gql(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '19' } })).createProduct;
    dataOf(await gql(M.priceList, { i: { name: 'EUR list', currency: 'EUR', items: [{ productId: lic.id, unitPrice: '19.99' }] } }));
    // 3 × 19.99 = 59.97 at 19 % → 11.39 | 2 × 4.99 at 7 % → 0.70 | 100.00 − 12.5 % = 87.50 at 0 % | 40.00 − 5.00 at 19 % → 35.00, 6.65
    const q = dataOf(
      await gql(M.quote, {
        i: {
          contactId: c.contactId, currency: 'EUR', validUntil: '2099-12-31', notes: 'Delivery within 30 days.',
          lines: [
            { productId: lic.id, quantity: '3' }, { description: 'Manual', quantity: '2', unitPrice: '4.99', taxRate: '7' },
            { description: 'Setup', quantity: '1', unitPrice: '100.00', taxRate: '0', discountPercent: '12.5' },
            { description: 'Training', quantity: '1', unitPrice: '40.00', taxRate: '19', discountAmount: '5.00' },
          ],
        },
      }),
    ).createQuote;
    expect([q.subtotal.amount, q.discountTotal.amount, q.taxTotal.amount, q.total.amount]).toEqual(['192.45', '17.50', '18.74', '211.19']);

    const out = dataOf(await gql(M.pdf, { id: q.id })).renderQuotePdf;
    expect(out).toMatchObject({ fileName: `${q.number}.pdf`, contentType: 'application/pdf' });
    const buf = Buffer.from(out.base64, 'base64');
    expect(out.bytes).toBe(buf.length);
    expect(buf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(buf.toString('latin1')).toMatch(/%%EOF\n?$/);
    const pdf = parsePdf(buf);
    checkStructure(pdf);
    expect(infoEntry(pdf, 'Title')).toBe(`Quote ${q.number}`);
    expect(infoEntry(pdf, 'Author')).toBe(tenantId) // the issuer: here the tenant, which has no profile yet;
    expect(pageCount(pdf)).toBeGreaterThanOrEqual(1);
    // The same document twice is the same file (CreationDate = the quote's creation).
    expect(dataOf(await gql(M.pdf, { id: q.id })).renderQuotePdf.base64).toBe(out.base64);

    // What a reader extracts: the quote's figures in the issuer's locale. No tenant profile yet: the From
    // block names the tenant and asks the admin for the profile; en-US, dates in UTC.
    const text = await extractPdfText(buf);
    expect(text.items).toEqual(expect.arrayContaining([
      `Quote ${q.number}`, tenantId, 'Grace Hopper', 'December 31, 2099', 'exclude tax', 'Licence', 'SKU LIC', 'discount 12.5%',
      ...q.lines.flatMap((l: any) => [l.quantity, l.unitPrice.amount, l.discount.amount, `${l.taxRate}%`, l.net.amount, l.tax.amount, l.gross.amount]),
      ...q.taxes.map((t: any) => `Tax ${t.rate}% on €${t.net.amount}`), ...q.taxes.map((t: any) => `€${t.tax.amount}`),
      '€192.45', '€17.50', '€18.74', '€211.19', 'Delivery within 30 days.',
    ]));
    expect(text.text).toContain('Company profile not set yet');
    // Compression changes only the encoding of the same drawing.
    const plainBuf = await h.svc.app.get(RenderQuote, { strict: false }).pdf({ tenantId, userId: 'user-1', roles: ['admin'] }, q.id, { compress: false });
    const plain = Buffer.from(plainBuf.base64, 'base64');
    expect(plain.toString('latin1')).not.toContain('/FlateDecode');
    expect(buf.toString('latin1')).toContain('/FlateDecode');
    expect((await extractPdfText(plain)).items).toEqual(text.items);

    // With a tenant profile (bound to the documents' port), the From block is the company's, in its locale and time zone.
    const profiles = h.svc.app.get(TenantProfiles, { strict: false });
    const lookup = jest.spyOn(profiles, 'documentIssuer').mockResolvedValue({
      legalName: 'Ромашка 株式会社 GmbH', addressLines: ['Hauptstraße 1', '10115 Berlin'], vatId: 'DE123456789', locale: 'de-DE', timeZone: 'Europe/Berlin', currency: 'EUR',
    });
    try {
      const issued = await extractPdfText(Buffer.from(dataOf(await gql(M.pdf, { id: q.id })).renderQuotePdf.base64, 'base64'));
      expect(issued.items).toEqual(expect.arrayContaining(['Hauptstraße 1', '10115 Berlin', 'VAT ID DE123456789', '31. Dezember 2099', '211,19 €', 'Tax 7 % on 9,98 €']));
      expect(issued.text).toContain('Ромашка 株式会社 GmbH');
      expect(issued.text).not.toContain(tenantId);
      const html = dataOf(await gql(M.render, { id: q.id })).renderQuote.content;
      expect(html).toContain('<strong>Ромашка 株式会社 GmbH</strong><br>Hauptstraße 1<br>10115 Berlin<br>VAT ID DE123456789');
    } finally {
      lookup.mockRestore();
    }

    // Same rules as renderQuote: any user of the tenant; another tenant's id is NOT_FOUND, a malformed one BAD_USER_INPUT.
    expect(dataOf(await h.client({ tenantId, userId: 'rep', roles: ['rep'] })(M.pdf, { id: q.id })).renderQuotePdf.base64).toBe(out.base64);
    expectError(await h.client()(M.pdf, { id: q.id }), 'NOT_FOUND', /^quote .* does not exist/);
    expectError(await gql(M.pdf, { id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
    expectError(await gql(M.pdf, { id: 'nope' }), 'BAD_USER_INPUT', /^id: /);

    // An erased contact's name leaves the quote and so its PDF.
    await h.erase(tenantId, c.contactId);
    const after = await extractPdfText(Buffer.from(dataOf(await gql(M.pdf, { id: q.id })).renderQuotePdf.base64, 'base64'));
    expect(after.items).toContain('Customer');
    expect(after.text).not.toContain('Grace Hopper');
  });

  it('input errors have one shape: one BAD_USER_INPUT naming every bad field, an unknown or erased contact names input.contactId, an unknown id argument is NOT_FOUND — nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const fieldsOf = (r: Awaited<ReturnType<typeof gql>>) => expectError(r, 'BAD_USER_INPUT').extensions?.fields;
    const line = [{ description: 'Beans', quantity: '1', unitPrice: '10.00' }];
    const before = await h.outboxCount(tenantId);

    // Every bad field of the input at once, before anything is read or written.
    expect(fieldsOf(await gql(M.place, { i: { contactId: 'nope', dealId: 'bad', channel: 'PHONE', currency: 'EUR', lines: [], externalRef: 'x'.repeat(201) } }))).toEqual([
      { field: 'input.contactId', message: '"nope" is not a contact id' },
      { field: 'input.dealId', message: '"bad" is not a deal id' },
      { field: 'input.lines', message: 'at least one line is needed' },
      { field: 'input.externalRef', message: 'must be at most 200 characters' },
    ]);
    expect(fieldsOf(await gql(M.product, { i: { sku: ' ', name: 'n'.repeat(201) } }))).toEqual([
      { field: 'input.sku', message: 'must not be empty' },
      { field: 'input.name', message: 'must be at most 200 characters' },
    ]);

    // A contact id inside the input that names no active contact: the replica's one rule.
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    expect(fieldsOf(await gql(M.quote, { i: { contactId: unknown, currency: 'EUR', lines: line } }))).toEqual([
      { field: 'input.contactId', message: expect.stringMatching(/^contact 00000000-0000-4000-8000-00000000abcd does not exist/) },
    ]);
    const gone = await h.contact(tenantId);
    await h.erase(tenantId, gone.contactId);
    expect(fieldsOf(await gql(M.place, { i: { contactId: gone.contactId, channel: 'PHONE', currency: 'EUR', lines: line } }))).toEqual([
      { field: 'input.contactId', message: `contact ${gone.contactId} was erased` },
    ]);

    // The operation's own id: NOT_FOUND when it names nothing, BAD_USER_INPUT naming `id` when it is not an id.
    expectError(await gql(M.send, { id: unknown }), 'NOT_FOUND', /^quote .* does not exist/);
    expectError(await gql(M.pay, { id: unknown }), 'NOT_FOUND', /^order .* does not exist/);
    expect(fieldsOf(await gql(M.decline, { id: 'nope' }))).toEqual([{ field: 'id', message: '"nope" is not a quote id' }]);
    expect(await h.outboxCount(tenantId)).toBe(before);
  });
});
