import { dataOf, uniqueTenant } from '@crm/testing';
import { Q, expectError, startContacts, type Gql, type Harness } from './harness';

/** Sort key as Postgres' lower() computes it (JS lower-cases the Turkish dotted İ to i + U+0307, Postgres to i). */
const lowerKey = (s: string | null | undefined) => (s ?? '').toLowerCase().replace(/i\u0307/g, 'i');
const byKeyThenId = (key: (n: any) => string | bigint, dir: 1 | -1) => (a: any, b: any) => {
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
  return (a.id < b.id ? -1 : 1) * dir;
};

describe('contacts query: search, filters, sorting, cursor pagination', () => {
  let h: Harness;
  let gql: Gql;
  const tenantId = uniqueTenant();
  const ids: Record<string, string> = {};
  let acme: string;
  let globex: string;
  let all: any[];

  const list = async (vars: Record<string, unknown>) => dataOf(await gql(Q.list, vars)).contacts;
  const searchIds = async (search: string, extra: Record<string, unknown> = {}) => {
    const r = await list({ first: 100, filter: { search, ...extra } });
    expect(r.totalCount).toBe(r.edges.length);
    return r.edges.map((e: any) => e.node.id).sort();
  };
  const idsOf = (...names: string[]) => names.map((n) => ids[n]).sort();

  beforeAll(async () => {
    h = await startContacts();
    gql = h.client({ tenantId });
    acme = dataOf(await gql(Q.createCompany, { i: { name: 'Acme Rockets' } })).createCompany.id;
    globex = dataOf(await gql(Q.createCompany, { i: { name: 'Globex' } })).createCompany.id;
    const people: [string, Record<string, unknown>][] = [
      ['ada', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@analytical.example', phone: '+44 20 7183 8750', companyId: acme, tags: ['vip', 'uk'], lifecycleStage: 'lead' }],
      ['adam', { firstName: 'Adam', lastName: 'Smith', email: 'adam.smith@econ.example', phone: '+1 212 555 0100', tags: ['vip'], lifecycleStage: 'customer' }],
      ['grace', { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example', phone: '(415) 555-2671', companyId: globex, tags: ['us'], lifecycleStage: 'customer' }],
      ['alan', { firstName: 'Alan', lastName: 'Turing', email: 'alan@bletchley.example', companyId: acme, tags: ['uk'], lifecycleStage: 'lead' }],
      ['picard', { firstName: 'Jean-Luc', lastName: 'Picard', email: 'captain@enterprise.example' }],
      ['zola', { firstName: 'Émile', lastName: 'Zola', email: 'emile@paris.example' }],
      ['ince', { firstName: 'Ayşe', lastName: 'İnce', phone: '+1 202 555 0143' }],
      ['anon', { email: 'anon@example.org' }],
    ];
    for (const [key, input] of people) ids[key] = dataOf(await gql(Q.create, { i: input })).createContact.id;
    await gql(Q.setConsent, { i: { contactId: ids.ada, channel: 'EMAIL', granted: true } });
    await gql(Q.setConsent, { i: { contactId: ids.grace, channel: 'SMS', granted: true } });
    await gql(Q.setConsent, { i: { contactId: ids.grace, channel: 'EMAIL', granted: false } });

    // 40 more in one import: one transaction, so they share created_at exactly (ties broken by id).
    const lastNames = ['Ivanov', 'Ince', 'Zhang', 'Garcia', 'ivanov', 'Müller', 'Őri', ''];
    const rows = Array.from({ length: 40 }, (_, i) => `Imp${i},${lastNames[i % lastNames.length]},imp${i}@bulk.example,,,import,,`);
    const report = dataOf(await gql(Q.importCsv, { csv: ['firstName,lastName,email,phone,company,tags,lifecycleStage,ownerId', ...rows].join('\n') })).importContactsCsv;
    expect(report).toMatchObject({ rows: 40, created: 40, failed: 0 });

    // Ground truth for the ordering checks, straight from the table (microsecond timestamps).
    const truth = await h.sql<{ id: string; first_name: string; last_name: string | null; display_name: string; created_us: string; updated_us: string }>(
      `SELECT id, first_name, last_name, display_name, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us,
         (extract(epoch FROM updated_at) * 1000000)::bigint::text AS updated_us FROM "${h.schema}".contacts WHERE tenant_id = $1`,
      [tenantId],
    );
    all = truth.map((t) => ({ ...t, created: BigInt(t.created_us), updated: BigInt(t.updated_us) }));
    expect(all).toHaveLength(48);
  });
  afterAll(async () => {
    await h?.stop();
  });

  describe('full-text and prefix search', () => {
    it.each([
      ['a first-name prefix (case-insensitive)', 'ADA', ['ada', 'adam']],
      ['a last name', 'lovelace', ['ada']],
      ['a last-name prefix', 'Love', ['ada']],
      ['all words must match', 'ada lovelace', ['ada']],
      ['a whole email', 'grace@navy.example', ['grace']],
      ['an email prefix', 'grace@na', ['grace']],
      ['an email domain word', 'bletchley', ['alan']],
      ['E.164 digits', '14155552671', ['grace']],
      ['national digits', '4155552671', ['grace']],
      ['a digit prefix', '415555', ['grace']],
      ['a +E.164 number', '+442071838750', ['ada']],
      ['a phone as formatted by people', '(415) 555-2671', ['grace']],
      ['a phone with spaces', '+1 202 555 0143', ['ince']],
      ['a company name', 'acme', ['ada', 'alan']],
      ['a second word of the company name', 'rockets', ['ada', 'alan']],
      ['a hyphenated name', 'jean-luc', ['picard']],
      ['part of a hyphenated name', 'luc', ['picard']],
      ['accented letters', 'émile', ['zola']],
      ['a name with a dotted capital I', 'Ayşe', ['ince']],
      ['no match', 'zzzzzz', []],
    ])('finds by %s (%s)', async (_what, search, expected) => {
      expect(await searchIds(search)).toEqual(idsOf(...expected));
    });

    it('treats SQL / tsquery syntax in the search text as plain text', async () => {
      for (const s of ["Robert'); DROP TABLE contacts;--", 'ada:* | grace', '!(ada) & <-> grace', '\\', "'", '%_%']) {
        const r = await gql(Q.list, { filter: { search: s } });
        expect(r.errors).toBeUndefined();
      }
      expect(await searchIds("ada'")).toEqual(idsOf('ada', 'adam'));
      expect((await list({ first: 1 })).totalCount).toBe(48);
    });
  });

  describe('filters', () => {
    it.each([
      ['tags (one)', { tags: ['vip'] }, ['ada', 'adam']],
      ['tags (all of them)', { tags: ['vip', 'uk'] }, ['ada']],
      ['companyId', { companyId: 'ACME' }, ['ada', 'alan']],
      ['lifecycleStage', { lifecycleStage: 'customer' }, ['adam', 'grace']],
      ['consentedChannel EMAIL (granted only, not withdrawn)', { consentedChannel: 'EMAIL' }, ['ada']],
      ['consentedChannel SMS', { consentedChannel: 'SMS' }, ['grace']],
      ['search + tags', { search: 'a', tags: ['uk'] }, ['ada', 'alan']],
      ['companyId + lifecycleStage', { companyId: 'GLOBEX', lifecycleStage: 'customer' }, ['grace']],
      ['no match', { tags: ['vip'], lifecycleStage: 'churned' }, []],
    ])('%s', async (_what, rawFilter, expected) => {
      const filter: Record<string, unknown> = { ...rawFilter };
      if (filter.companyId === 'ACME') filter.companyId = acme;
      if (filter.companyId === 'GLOBEX') filter.companyId = globex;
      const r = await list({ first: 100, filter });
      expect(r.totalCount).toBe(expected.length);
      expect(r.edges.map((e: any) => e.node.id).sort()).toEqual(idsOf(...expected));
    });

    it('tags filter on imported contacts and createdAfter/createdBefore', async () => {
      expect((await list({ first: 100, filter: { tags: ['import'] } })).totalCount).toBe(40);
      const importedAt = new Date(Number(all.find((c) => c.first_name === 'Imp0').created / 1000n));
      const after = await list({ first: 100, filter: { createdAfter: importedAt.toISOString() } });
      const expected = all.filter((c) => c.created >= BigInt(importedAt.getTime()) * 1000n);
      expect(after.totalCount).toBe(expected.length);
      const before = await list({ first: 100, filter: { createdBefore: importedAt.toISOString() } });
      expect(before.totalCount + after.totalCount).toBe(48);
    });
  });

  describe('sorting and cursor pagination', () => {
    const orders: [string, (a: any, b: any) => number][] = [
      ['CREATED_AT_DESC', byKeyThenId((c) => c.created, -1)],
      ['CREATED_AT_ASC', byKeyThenId((c) => c.created, 1)],
      ['UPDATED_AT_DESC', byKeyThenId((c) => c.updated, -1)],
      ['LAST_NAME_ASC', byKeyThenId((c) => lowerKey(c.last_name), 1)],
      ['DISPLAY_NAME_ASC', byKeyThenId((c) => lowerKey(c.display_name), 1)],
    ];

    it.each(orders)('%s: one page has the right order', async (orderBy, cmp) => {
      const r = await list({ first: 100, orderBy });
      expect(r.totalCount).toBe(48);
      expect(r.pageInfo.hasNextPage).toBe(false);
      expect(r.edges.map((e: any) => e.node.id)).toEqual([...all].sort(cmp).map((c) => c.id));
    });

    it.each(orders.flatMap(([o, cmp]) => [1, 7, 48].map((size) => [o, size, cmp] as const)))(
      '%s in pages of %i walks every row exactly once, in order',
      async (orderBy, size, cmp) => {
        const seen: string[] = [];
        let after: string | null = null;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(60);
          const r: any = await list({ first: size, after, orderBy });
          expect(r.totalCount).toBe(48);
          expect(r.edges.length).toBeLessThanOrEqual(size);
          seen.push(...r.edges.map((e: any) => e.node.id));
          if (!r.pageInfo.hasNextPage) break;
          expect(r.pageInfo.endCursor).toBe(r.edges.at(-1).cursor);
          after = r.pageInfo.endCursor;
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...all].sort(cmp).map((c) => c.id));
      },
    );

    it('paginates a filtered result with the filtered totalCount', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const r: any = await list({ first: 6, after, filter: { tags: ['import'] }, orderBy: 'LAST_NAME_ASC' });
        expect(r.totalCount).toBe(40);
        seen.push(...r.edges.map((e: any) => e.node.id));
        after = r.pageInfo.hasNextPage ? r.pageInfo.endCursor : null;
      } while (after);
      expect(new Set(seen).size).toBe(40);
    });

    it('rejects bad cursors and page sizes with BAD_USER_INPUT', async () => {
      const lastNameCursor = (await list({ first: 2, orderBy: 'LAST_NAME_ASC' })).pageInfo.endCursor;
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const bad = [
        'not a cursor',
        b64({ v: 'x' }),
        b64({ v: 'x', id: '------------------------------------' }),
        b64({ v: 'yesterday', id: ids.ada }),
        lastNameCursor, // a cursor of another ordering
      ];
      for (const after of bad) {
        const r = await gql(Q.list, { first: 5, after, orderBy: 'CREATED_AT_DESC' });
        expectError(r, 'BAD_USER_INPUT', /after/);
      }
      expectError(await gql(Q.list, { first: 0 }), 'BAD_USER_INPUT', /first/);
      expectError(await gql(Q.list, { first: 101 }), 'BAD_USER_INPUT', /first/);
      expectError(await gql(Q.list, { filter: { search: 'x'.repeat(201) } }), 'BAD_USER_INPUT', /filter\.search/);
      expectError(await gql(Q.list, { filter: { companyId: 'not-a-uuid' } }), 'BAD_USER_INPUT', /companyId/);
    });
  });
});
