import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { CONTACT_FIELDS, EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const PAIRS = `query($first: Int, $after: String, $minScore: Int) {
  possibleDuplicates(first: $first, after: $after, minScore: $minScore) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { score reasons a { id displayName createdAt } b { id displayName createdAt } } } } }`;
const ARCHIVE = `mutation($id: ID!) { archiveContact(id: $id) { id archivedAt } }`;
const MERGE_KEEP = `mutation($s: ID!, $d: ID!, $keep: MergeFieldChoices) { mergeContacts(survivorId: $s, duplicateId: $d, keep: $keep) { ${CONTACT_FIELDS} } }`;

type Pair = { score: number; reasons: string[]; a: { id: string; createdAt: string }; b: { id: string; createdAt: string } };

describe('possible duplicates and per-field merge', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const create = async (gql: Gql, input: Record<string, unknown>) => dataOf(await gql(Q.create, { i: input })).createContact;
  const allPairs = async (gql: Gql, minScore?: number): Promise<Pair[]> => {
    const out: Pair[] = [];
    let after: string | null = null;
    do {
      const page: any = dataOf(await gql(PAIRS, { first: 2, after, minScore })).possibleDuplicates;
      out.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return out;
  };
  /** A pair as [older id, newer id] → "score reasons". */
  const byIds = (pairs: Pair[]) => Object.fromEntries(pairs.map((p) => [`${p.a.id}|${p.b.id}`, `${p.score} ${p.reasons.join(',')}`]));
  const key = (a: { id: string }, b: { id: string }) => `${a.id}|${b.id}`;

  describe('possibleDuplicates', () => {
    const tenantId = uniqueTenant();
    let gql: Gql;
    const c: Record<string, any> = {};

    beforeAll(async () => {
      gql = h.client({ tenantId });
      const acme = dataOf(await gql(Q.createCompany, { i: { name: 'Acme', domains: ['acme.com', 'acme.de'] } })).createCompany;
      const other = dataOf(await gql(Q.createCompany, { i: { name: 'Other', domains: ['other.org'] } })).createCompany;
      // Created one after the other: `a` of a pair is the older one.
      c.ada1 = await create(gql, { firstName: 'Ada', lastName: 'Lovelace', companyId: acme.id, email: 'ada.l@acme.com' });
      c.ada2 = await create(gql, { firstName: 'LOVELACE', lastName: 'Adá', companyId: acme.id }); // swapped, accented, other case
      c.grace1 = await create(gql, { firstName: 'Grace', lastName: 'H', email: 'grace@acme.com' });
      c.grace2 = await create(gql, { firstName: 'G.', lastName: 'Hopper', email: 'grace@acme.de' });
      c.alan1 = await create(gql, { firstName: 'Alan', email: 'alan.turing@gmail.com' });
      c.alan2 = await create(gql, { firstName: 'A. T.', email: 'AlanTuring+news@googlemail.com' });
      c.marie1 = await create(gql, { firstName: 'Marie', phone: '06 12 34 56 78', phoneCountry: 'FR' });
      c.marie2 = await create(gql, { lastName: 'Curie', phone: '06 12 34 56 78', phoneCountry: 'NL' }); // read with the wrong default country
      c.kj1 = await create(gql, { firstName: 'Katherine', lastName: 'Johnson', companyId: acme.id, email: 'kj@acme.com' });
      c.kj2 = await create(gql, { firstName: 'Katherine', lastName: 'Johnson', companyId: acme.id, email: 'kj+nasa@acme.com' });
      // Not duplicates at the default threshold: a common name without a company; one local part at two companies.
      c.john1 = await create(gql, { firstName: 'John', lastName: 'Smith' });
      c.john2 = await create(gql, { firstName: 'john', lastName: 'SMITH', companyId: other.id });
      c.bob1 = await create(gql, { firstName: 'Bob', email: 'bob@acme.com' });
      c.bob2 = await create(gql, { firstName: 'Robert', email: 'bob@other.org' });
      c.bob3 = await create(gql, { firstName: 'Bobby', email: 'bob@elsewhere.net' });
      // Would pair with ada1 / alan1, but are archived or erased (merged ones: see below).
      c.adaArchived = await create(gql, { firstName: 'Ada', lastName: 'Lovelace', companyId: acme.id });
      dataOf(await gql(ARCHIVE, { id: c.adaArchived.id }));
      c.alanErased = await create(gql, { firstName: 'Alan', email: 'alan.turing+old@gmail.com' });
      dataOf(await gql(Q.erase, { id: c.alanErased.id }));
    });

    it('lists the likely pairs with their reasons and documented scores, older contact first, highest score first', async () => {
      const pairs = await allPairs(gql);
      expect(byIds(pairs)).toEqual({
        [key(c.kj1, c.kj2)]: '100 EMAIL_ALIAS,SAME_NAME_AND_COMPANY',
        [key(c.alan1, c.alan2)]: '70 EMAIL_ALIAS',
        [key(c.marie1, c.marie2)]: '70 PHONE_IN_OTHER_FORMAT',
        [key(c.ada1, c.ada2)]: '60 SAME_NAME_AND_COMPANY',
        [key(c.grace1, c.grace2)]: '50 EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN',
      });
      expect(pairs.map((p) => p.score)).toEqual([...pairs.map((p) => p.score)].sort((x, y) => y - x));
      for (const p of pairs) expect(new Date(p.a.createdAt).getTime()).toBeLessThanOrEqual(new Date(p.b.createdAt).getTime());
      const first = dataOf(await gql(PAIRS, { first: 3 })).possibleDuplicates;
      expect(first.totalCount).toBe(5);
      expect(first.pageInfo.hasNextPage).toBe(true);
    });

    it('minScore lowers or raises the threshold: a shared name alone scores 30', async () => {
      expect(byIds(await allPairs(gql, 30))[key(c.john1, c.john2)]).toBe('30 SAME_NAME');
      expect(Object.values(byIds(await allPairs(gql, 70))).sort()).toEqual(['100 EMAIL_ALIAS,SAME_NAME_AND_COMPANY', '70 EMAIL_ALIAS', '70 PHONE_IN_OTHER_FORMAT']);
      const low = await allPairs(gql, 1);
      const ids = new Set(low.flatMap((p) => [p.a.id, p.b.id]));
      // Never listed: one local part at domains of different companies; archived and erased contacts.
      for (const n of ['bob1', 'bob2', 'bob3', 'adaArchived', 'alanErased']) expect(ids.has(c[n].id)).toBe(false);
    });

    it('a pair disappears once merged', async () => {
      const tenant = uniqueTenant();
      const g = h.client({ tenantId: tenant });
      const x = await create(g, { firstName: 'Ines', email: 'ines@example.com' });
      const y = await create(g, { firstName: 'Inès', email: 'ines+promo@example.com' });
      expect(byIds(await allPairs(g))).toEqual({ [key(x, y)]: '70 EMAIL_ALIAS' });
      dataOf(await g(Q.merge, { s: x.id, d: y.id }));
      expect(await allPairs(g, 1)).toEqual([]);
    });

    it('is bound to the tenant: the same people in another tenant are neither listed here nor paired across tenants', async () => {
      const other = h.client({ tenantId: uniqueTenant() });
      const lone = await create(other, { firstName: 'Alan', email: 'alan.turing+other@gmail.com' });
      expect(await allPairs(other, 1)).toEqual([]);
      const o1 = await create(other, { firstName: 'Ada', lastName: 'Lovelace', phone: '+33 6 12 34 56 78' });
      const o2 = await create(other, { firstName: 'Ada', lastName: 'Lovelace', phone: '+31 6 12 34 56 78' });
      expect(byIds(await allPairs(other, 1))).toEqual({ [key(o1, o2)]: '100 PHONE_IN_OTHER_FORMAT,SAME_NAME' });
      const here = new Set((await allPairs(gql, 1)).flatMap((p) => [p.a.id, p.b.id]));
      for (const id of [lone.id, o1.id, o2.id]) expect(here.has(id)).toBe(false);
    });

    it.each([
      ['minScore 0', { minScore: 0 }, 'minScore'],
      ['minScore 101', { minScore: 101 }, 'minScore'],
      ['first 0', { first: 0 }, 'first'],
      ['first 101', { first: 101 }, 'first'],
      ['a cursor that is not one', { after: 'garbage' }, 'after'],
    ])('refuses %s with BAD_USER_INPUT naming the field', async (_what, vars, field) => {
      const err = expectError(await gql(PAIRS, vars), 'BAD_USER_INPUT');
      expect(err.extensions?.fields).toEqual([expect.objectContaining({ field })]);
    });

    it('refuses a cursor of the contacts list', async () => {
      const cursor = dataOf(await gql(Q.list, { first: 1 })).contacts.pageInfo.endCursor;
      const err = expectError(await gql(PAIRS, { after: cursor }), 'BAD_USER_INPUT');
      expect(err.extensions?.fields).toEqual([expect.objectContaining({ field: 'after' })]);
    });
  });

  describe('mergeContacts with keep', () => {
    it('keeps the chosen side per field, fills gaps from the other, and the merged event carries the result', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      await h.provision(tenantId, 'owner-s', 'owner-d');
      const acme = dataOf(await gql(Q.createCompany, { i: { name: 'Acme', domains: ['acme.com'] } })).createCompany;
      const s = await create(gql, { firstName: 'Sam', email: 'sam@example.com', phone: '+1 212 555 0100', ownerId: 'owner-s', lifecycleStage: 'lead' });
      const d = await create(gql, {
        firstName: 'Samuel', lastName: 'Smith', email: 'samuel@acme.com', phone: '+1 202 555 0143', ownerId: 'owner-d', lifecycleStage: 'customer', companyId: acme.id,
        addresses: [{ city: 'Berlin', country: 'DE' }],
      });
      const merged = dataOf(await gql(MERGE_KEEP, { s: s.id, d: d.id, keep: { firstName: 'DUPLICATE', email: 'DUPLICATE', ownerId: 'DUPLICATE', lifecycleStage: 'SURVIVOR' } })).mergeContacts;
      expect(merged).toMatchObject({
        id: s.id,
        firstName: 'Samuel', // chosen
        lastName: 'Smith', // gap filled
        displayName: 'Samuel Smith',
        email: 'samuel@acme.com', // the duplicate's primary stays primary
        phone: '+12125550100', // default: the survivor's
        ownerId: 'owner-d',
        lifecycleStage: 'lead', // chosen explicitly: the survivor's
        company: { id: acme.id },
        addresses: [expect.objectContaining({ city: 'Berlin' })],
      });
      expect(merged.emails).toEqual([
        { email: 'samuel@acme.com', primary: true },
        { email: 'sam@example.com', primary: false },
      ]);
      const ev = await expectEvent(rec, { type: EVENT.merged, subject: s.id, tenantId });
      expect(ev.data).toMatchObject({ survivorId: s.id, duplicateId: d.id });
      expect(ev.data.survivor).toMatchObject({ contactId: s.id, version: merged.version, firstName: 'Samuel', lastName: 'Smith', ownerId: 'owner-d', lifecycleStage: 'lead' });
      expect(ev.data.survivor.emails).toEqual(expect.arrayContaining([{ email: 'samuel@acme.com', primary: true }, { email: 'sam@example.com', primary: false }]));
    });

    it('without keep the survivor wins, as before', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      await h.provision(tenantId, 'owner-s', 'owner-d');
      const s = await create(gql, { firstName: 'Sam', email: 'sam@example.com', ownerId: 'owner-s' });
      const d = await create(gql, { firstName: 'Samuel', lastName: 'Smith', email: 'samuel@example.com', ownerId: 'owner-d' });
      const merged = dataOf(await gql(MERGE_KEEP, { s: s.id, d: d.id })).mergeContacts;
      expect(merged).toMatchObject({ firstName: 'Sam', lastName: 'Smith', email: 'sam@example.com', ownerId: 'owner-s' });
    });

    it('refuses an unknown side or field, writing nothing', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const s = await create(gql, { firstName: 'Sam' });
      const d = await create(gql, { firstName: 'Samuel' });
      const before = await h.footprint(tenantId);
      for (const keep of [{ firstName: 'BOTH' }, { nickname: 'DUPLICATE' }]) {
        const r = await gql(MERGE_KEEP, { s: s.id, d: d.id, keep });
        expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.message).toMatch(/keep/);
      }
      expect(await h.footprint(tenantId)).toEqual(before);
    });
  });
});
