import { dataOf, uniqueTenant } from '@crm/testing';
import { Q, startContacts, type Gql, type Harness } from './harness';

/**
 * One pagination shape (Relay connections through `keysetPage`): every list of contacts pages
 * through more rows than one page without gaps or duplicates — also rows sharing a timestamp to
 * the microsecond — refuses `first` above the maximum naming `first`, and counts only when asked.
 */
describe('connections of the contacts module', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startContacts();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Every id of a connection, page by page (`first` per page); the totalCount seen on each page. */
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
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
      after = conn.pageInfo.endCursor;
    }
    throw new Error('more than 50 pages');
  }

  function expectFirstRefused(r: { errors?: readonly any[] }) {
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'first', message: expect.stringMatching(/at most|between 1 and 100/) }] });
  }

  it('contacts: same created_at to the microsecond, paged 2 at a time, every contact exactly once in order', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(dataOf(await gql(Q.create, { i: { firstName: `P${i}` } })).createContact.id);
    // Three share one instant, two another (microseconds apart from the first): the id breaks the ties.
    const at = ['2026-03-01T10:00:00.000001Z', '2026-03-01T10:00:00.000001Z', '2026-03-01T10:00:00.000001Z', '2026-03-01T10:00:00.000002Z', '2026-03-01T10:00:00.000002Z'];
    for (const [i, t] of at.entries()) await h.sql(`UPDATE "${h.schema}".contacts SET created_at = $2 WHERE id = $1`, [ids[i], t]);
    const expected = (await h.sql(`SELECT id FROM "${h.schema}".contacts WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, [tenantId])).map((r) => r.id);
    const query = `query($first: Int, $after: String) { contacts(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`;
    const r = await pageThrough(gql, query, {}, (d) => d.contacts, 2);
    expect(r.ids).toEqual(expected);
    expect(r.counts).toEqual([7]);
    expectFirstRefused(await gql(query, { first: 101 }));
  });

  it('companies: by name, paged, filtered in `filter:`, counted', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const names = ['delta', 'Alpha', 'charlie', 'Bravo', 'echo', 'Foxtrot', 'golf'];
    const byName = new Map<string, string>();
    for (const name of names) byName.set(name, dataOf(await gql(Q.createCompany, { i: { name, domains: [`${name.toLowerCase()}.example`] } })).createCompany.id);
    const query = `query($first: Int, $after: String, $filter: CompanyFilter) { companies(first: $first, after: $after, filter: $filter) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } }`;
    const r = await pageThrough(gql, query, {}, (d) => d.companies, 3);
    expect(r.ids).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).map((n) => byName.get(n)));
    expect(r.counts).toEqual([7]);
    const filtered = await pageThrough(gql, query, { filter: { search: 'o' } }, (d) => d.companies, 1);
    expect(filtered.ids).toEqual(['Bravo', 'echo', 'Foxtrot', 'golf'].map((n) => byName.get(n)));
    expect(filtered.counts).toEqual([4]);
    expect((await pageThrough(gql, query, { filter: { search: 'golf.example' } }, (d) => d.companies, 5)).ids).toEqual([byName.get('golf')]);
    expectFirstRefused(await gql(query, { first: 101 }));
  });

  it('timelineEntries: entries at the same instant, paged, counted only when selected', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Tim' } })).createContact;
    const same = '2026-02-02T09:00:00.123456Z';
    for (let i = 0; i < 5; i++) dataOf(await gql(Q.logInteraction, { i: { contactId: c.id, kind: 'NOTE', summary: `n${i}`, occurredAt: i < 4 ? same : '2026-02-01T00:00:00Z' } }));
    // The API takes milliseconds; make four entries share the microsecond instant exactly.
    await h.sql(`UPDATE "${h.schema}".interactions SET occurred_at = $2 WHERE tenant_id = $1 AND occurred_at > '2026-02-02'`, [tenantId, same]);
    const expected = (await h.sql(`SELECT id FROM "${h.schema}".interactions WHERE tenant_id = $1 ORDER BY occurred_at DESC, id DESC`, [tenantId])).map((r) => r.id);
    const query = `query($id: ID!, $first: Int, $after: String) { contact(id: $id) { timelineEntries(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount } } }`;
    const r = await pageThrough(gql, query, { id: c.id }, (d) => d.contact.timelineEntries, 2);
    expect(r.ids).toEqual(expected);
    expect(r.counts).toEqual([5]);
    expectFirstRefused(await gql(query, { id: c.id, first: 101 }));
    // Not selected, totalCount is not computed (and nothing fails for its absence).
    expect(dataOf(await gql(`query($id: ID!) { contact(id: $id) { timelineEntries(first: 1) { edges { node { id } } } } }`, { id: c.id })).contact.timelineEntries.edges).toHaveLength(1);
  });
});
