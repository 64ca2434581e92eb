import { requestStore } from '@crm/platform';
import { dataOf, recordStatements, uniqueTenant } from '@crm/testing';
import { Q, startSales, type Harness } from './harness';

const PAGE = `edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount`;
const LIST = {
  deals: `query($first: Int, $after: String, $filter: DealFilter) { deals(first: $first, after: $after, filter: $filter) { ${PAGE} } }`,
  quotes: `query($first: Int, $after: String, $filter: QuoteFilter) { quotes(first: $first, after: $after, filter: $filter) { ${PAGE} } }`,
  orders: `query($first: Int, $after: String, $filter: OrderFilter) { orders(first: $first, after: $after, filter: $filter) { ${PAGE} } }`,
  tasks: `query($first: Int, $after: String, $filter: TaskFilter) { tasks(first: $first, after: $after, filter: $filter) { ${PAGE} } }`,
};
const CONTACT_SALES = `query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on Contact { id
  deals(first: $first, after: $after) { ${PAGE} } orders(first: $first, after: $after) { ${PAGE} } } } }`;
const CONTACT_FIELD = (field: 'deals' | 'orders') => `query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on Contact { id ${field}(first: $first, after: $after) { ${PAGE} } } } }`;

/**
 * One pagination shape in sales: every list that grows with use (deals, quotes, orders, tasks and
 * the contact's deals and orders) is a connection that pages through rows sharing a timestamp to the
 * microsecond without gaps or duplicates, refuses `first` above 100 naming `first`, and counts right.
 */
describe('connections of the sales module', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  type Gql = ReturnType<Harness['client']>;
  async function pageThrough(gql: Gql, query: string, vars: Record<string, unknown>, pick: (data: any) => any, first: number) {
    const ids: string[] = [];
    const counts = new Set<number>();
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const conn: any = pick(dataOf(await gql(query, { ...vars, first, after })));
      expect(conn.edges.length).toBeLessThanOrEqual(first);
      ids.push(...conn.edges.map((e: any) => e.node.id));
      counts.add(conn.totalCount);
      if (!conn.pageInfo.hasNextPage) return { ids, counts: [...counts] };
      after = conn.pageInfo.endCursor;
    }
    throw new Error('more than 50 pages');
  }
  const expectFirstRefused = (r: { errors?: readonly any[] }) =>
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'first', message: expect.stringMatching(/between 1 and 100/) }] });

  /** Gives rows 0-2 one instant and rows 3-4 another, microseconds apart (ids break the ties); the order the list must show. */
  async function sameInstants(table: string, column: string, ids: string[], tenantId: string, dir: 'ASC' | 'DESC') {
    const at = ['2026-04-01T08:00:00.000007Z', '2026-04-01T08:00:00.000007Z', '2026-04-01T08:00:00.000007Z', '2026-04-01T08:00:00.000008Z', '2026-04-01T08:00:00.000008Z'];
    for (const [i, t] of at.entries()) await h.sql(`UPDATE "${h.schema}".${table} SET ${column} = $2 WHERE id = $1`, [ids[i], t]);
    return (await h.sql(`SELECT id FROM "${h.schema}".${table} WHERE tenant_id = $1 ORDER BY ${column} ${dir}, id ${dir}`, [tenantId])).map((r: { id: string }) => r.id);
  }

  it('deals, quotes, orders and tasks page without gaps or duplicates, refuse first > 100, count right, filter in `filter:`', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const other = await h.contact(tenantId);
    const deals: string[] = [];
    const quotes: string[] = [];
    const orders: string[] = [];
    const tasks: string[] = [];
    for (let i = 0; i < 7; i++) {
      const contactId = i < 6 ? c.contactId : other.contactId;
      deals.push(dataOf(await gql(Q.createDeal, { i: { contactId, title: `D${i}`, amount: { amount: '1', currency: 'EUR' } } })).createDeal.id);
      const line = { description: `L${i}`, quantity: '1', unitPrice: '2.00', taxRate: '0' };
      quotes.push(dataOf(await gql(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id } }`, { i: { contactId, currency: 'EUR', lines: [line] } })).createQuote.id);
      orders.push(dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId, channel: 'WEB_SHOP', currency: 'EUR', lines: [line] } })).placeOrder.id);
      tasks.push(dataOf(await gql(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, { i: { title: `T${i}`, contactId, dueAt: new Date(Date.now() + 86400_000 * (i + 1)).toISOString() } })).createTask.id);
    }
    const cases: [keyof typeof LIST, string[], string, string, 'ASC' | 'DESC'][] = [
      ['deals', deals, 'deals', 'created_at', 'DESC'],
      ['quotes', quotes, 'quotes', 'created_at', 'DESC'],
      ['orders', orders, 'orders', 'placed_at', 'DESC'],
      ['tasks', tasks, 'tasks', 'due_at', 'ASC'],
    ];
    for (const [field, ids, table, column, dir] of cases) {
      const expected = await sameInstants(table, column, ids, tenantId, dir);
      const all = await pageThrough(gql, LIST[field], {}, (d) => d[field], 2);
      expect({ field, ids: all.ids }).toEqual({ field, ids: expected });
      expect({ field, counts: all.counts }).toEqual({ field, counts: [7] });
      const mine = await pageThrough(gql, LIST[field], { filter: { contactId: other.contactId } }, (d) => d[field], 2);
      expect({ field, ids: mine.ids, counts: mine.counts }).toEqual({ field, ids: [ids[6]], counts: [1] });
      expectFirstRefused(await gql(LIST[field], { first: 101 }));
      expect(dataOf(await gql(LIST[field], { first: 100 }))[field].edges).toHaveLength(7);
    }
  });

  it('Contact.deals and Contact.orders: a page per contact for many contacts in one request, paged deeper with after', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await h.contact(tenantId);
    const b = await h.contact(tenantId);
    const none = await h.contact(tenantId);
    const dealsOf: Record<string, string[]> = { [a.contactId]: [], [b.contactId]: [] };
    const ordersOf: Record<string, string[]> = { [a.contactId]: [], [b.contactId]: [] };
    for (let i = 0; i < 5; i++) {
      for (const contactId of [a.contactId, b.contactId]) {
        dealsOf[contactId].push(dataOf(await gql(Q.createDeal, { i: { contactId, title: `D${i}`, amount: { amount: '1', currency: 'EUR' } } })).createDeal.id);
        const line = { description: `L${i}`, quantity: '1', unitPrice: '2.00', taxRate: '0' };
        ordersOf[contactId].push(dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId, channel: 'WEB_SHOP', currency: 'EUR', lines: [line] } })).placeOrder.id);
      }
    }
    const expectedDeals: Record<string, string[]> = {};
    const expectedOrders: Record<string, string[]> = {};
    for (const contactId of [a.contactId, b.contactId]) {
      expectedDeals[contactId] = await sameInstants('deals', 'created_at', dealsOf[contactId], tenantId, 'DESC').then((all) => all.filter((id) => dealsOf[contactId].includes(id)));
      expectedOrders[contactId] = await sameInstants('orders', 'placed_at', ordersOf[contactId], tenantId, 'DESC').then((all) => all.filter((id) => ordersOf[contactId].includes(id)));
    }
    // A contact with fewer: each parent's count is its own.
    const few = await h.contact(tenantId);
    for (let i = 0; i < 3; i++) {
      dataOf(await gql(Q.createDeal, { i: { contactId: few.contactId, title: `F${i}`, amount: { amount: '1', currency: 'EUR' } } }));
      dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, { i: { contactId: few.contactId, channel: 'PHONE', currency: 'EUR', lines: [{ description: 'F', quantity: '1', unitPrice: '1.00', taxRate: '0' }] } }));
    }
    const refs = [a, b, none, few].map((c) => ({ __typename: 'Contact', id: c.contactId }));
    // First page for all four contacts in one request: each connection's page and its counts in one statement.
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    let first: any;
    try {
      first = dataOf(await gql(CONTACT_SALES, { r: refs, first: 2 }))._entities;
    } finally {
      rec.restore();
    }
    expect(rec.statements.filter((st) => /\bFROM (deals|orders)\b/.test(st.sql)).map((st) => /\bFROM (deals|orders)\b/.exec(st.sql)![1]).sort()).toEqual(['deals', 'orders']);
    expect(first.map((e: any) => [e.deals.edges.length, e.deals.totalCount, e.deals.pageInfo.hasNextPage, e.orders.edges.length, e.orders.totalCount])).toEqual([
      [2, 5, true, 2, 5],
      [2, 5, true, 2, 5],
      [0, 0, false, 0, 0],
      [2, 3, true, 2, 3],
    ]);
    // After a cursor, several contacts in one request: still each one's whole count.
    const later = dataOf(await gql(CONTACT_FIELD('deals'), { r: [refs[0], refs[3]], first: 2, after: first[0].deals.pageInfo.endCursor }))._entities;
    expect(later.map((e: any) => e.deals.totalCount)).toEqual([5, 3]);
    // Every page of each contact, one contact at a time: the whole list in order, each row once.
    for (const contactId of [a.contactId, b.contactId]) {
      const r = [{ __typename: 'Contact', id: contactId }];
      const d = await pageThrough(gql, CONTACT_FIELD('deals'), { r }, (x) => x._entities[0].deals, 2);
      expect(d).toEqual({ ids: expectedDeals[contactId], counts: [5] });
      const o = await pageThrough(gql, CONTACT_FIELD('orders'), { r }, (x) => x._entities[0].orders, 2);
      expect(o).toEqual({ ids: expectedOrders[contactId], counts: [5] });
    }
    const tooMany = await gql(CONTACT_SALES, { r: refs, first: 101 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'first' }] });
  });
});
