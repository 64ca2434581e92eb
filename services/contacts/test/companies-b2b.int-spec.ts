import { randomUUID } from 'node:crypto';
import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const COMPANY = `id name legalName domains industry size address { line1 city postalCode country } vatId ownerId tags customFields { key type value } mergedIntoId version createdAt updatedAt`;
const M = {
  create: `mutation($i: CreateCompanyInput!) { createCompany(input: $i) { ${COMPANY} } }`,
  update: `mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { ${COMPANY} } }`,
  merge: `mutation($s: ID!, $d: ID!) { mergeCompanies(survivorId: $s, duplicateId: $d) { ${COMPANY} } }`,
  company: `query($id: ID!) { company(id: $id) { ${COMPANY} } }`,
  contactsOf: `query($id: ID!, $first: Int, $after: String) { company(id: $id) { id contacts(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id displayName company { id } } } } } }`,
  list: `query($filter: CompanyFilter) { companies(first: 50, filter: $filter) { totalCount edges { node { id name } } } }`,
  contact: `query($id: ID!) { contact(id: $id) { id version company { id name } } }`,
  search: `query($s: String) { contacts(first: 50, filter: { search: $s }) { totalCount } }`,
};

describe('companies for B2B: fields, contacts, dedup by domain, merge', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const create = async (gql: Gql, i: object) => dataOf(await gql(M.create, { i })).createCompany;

  it('createCompany/updateCompany store the B2B fields (legal name, industry, size, address, VAT id, owner, tags, custom fields) and emit company.upserted', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'seller-1' });
    await h.provision(tenantId, 'seller-2');
    dataOf(await gql(Q.defineField, { i: { key: 'tier', label: 'Tier', type: 'ENUM', options: ['gold', 'silver'] } }));
    const c = await create(gql, {
      name: 'Analytical Engines', legalName: 'Analytical Engines Ltd', domains: ['engines.example'], industry: 'Machinery', size: 'EMPLOYEES_51_200',
      address: { line1: '1 Babbage St', city: 'London', postalCode: 'N1 1AA', country: 'GB' }, vatId: 'gb 123 4567 89', tags: ['key-account'],
      customFields: [{ key: 'tier', value: 'gold' }],
    });
    expect(c).toMatchObject({
      legalName: 'Analytical Engines Ltd', industry: 'Machinery', size: 'EMPLOYEES_51_200', address: { line1: '1 Babbage St', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
      vatId: 'GB123456789', ownerId: 'seller-1', tags: ['key-account'], customFields: [{ key: 'tier', type: 'enum', value: 'gold' }], mergedIntoId: null, version: 1,
    });
    const u = dataOf(await gql(M.update, { id: c.id, i: { industry: null, size: 'EMPLOYEES_201_500', ownerId: 'seller-2', customFields: [{ key: 'tier', value: 'silver' }] } })).updateCompany;
    expect(u).toMatchObject({ legalName: 'Analytical Engines Ltd', industry: null, size: 'EMPLOYEES_201_500', ownerId: 'seller-2', customFields: [{ key: 'tier', value: 'silver' }], version: 2 });
    expect(dataOf(await gql(M.company, { id: c.id })).company).toEqual(u);
    // The event carries the full company (the B2B fields are additive, optional properties of company.upserted.v1).
    const ev = await expectEvent(rec, { type: EVENT.company, subject: c.id, tenantId, where: (d: any) => d.version === 2 });
    expect(ev.data).toEqual({
      companyId: c.id, name: 'Analytical Engines', domains: ['engines.example'], version: 2, legalName: 'Analytical Engines Ltd', industry: null, size: '201-500',
      address: { label: null, line1: '1 Babbage St', line2: null, city: 'London', region: null, postalCode: 'N1 1AA', country: 'GB' },
      vatId: 'GB123456789', ownerId: 'seller-2', tags: ['key-account'], customFields: { tier: 'silver' },
    });

    const before = await h.footprint(tenantId);
    const bad = expectError(await gql(M.update, { id: c.id, i: { vatId: '??', legalName: 'x'.repeat(301), address: { country: 'Britain' } } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual(expect.arrayContaining([
      { field: 'input.vatId', message: expect.any(String) },
      { field: 'input.legalName', message: expect.any(String) },
      { field: 'input.address.country', message: expect.any(String) },
    ]));
    expectError(await gql(M.update, { id: c.id, i: { customFields: [{ key: 'tier', value: 'bronze' }] } }), 'BAD_USER_INPUT', /tier/);
    expectError(await gql(M.update, { id: c.id, i: {} }), 'BAD_USER_INPUT', /nothing to update/);
    expect(await h.footprint(tenantId)).toEqual(before);
  });

  it('a domain belongs to one company: create or update with a domain another company has is CONFLICT naming it, nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await create(gql, { name: 'Acme', domains: ['acme.example'] });
    const b = await create(gql, { name: 'Other', domains: ['other.example'] });
    const before = await h.footprint(tenantId);
    const e1 = expectError(await gql(M.create, { i: { name: 'Acme Europe', domains: ['acme.eu', 'https://ACME.example/contact'] } }), 'CONFLICT', /acme\.example.*"Acme"/);
    expect(e1.extensions?.existingCompanyId).toBe(a.id);
    const e2 = expectError(await gql(M.update, { id: b.id, i: { domains: ['other.example', 'acme.example'] } }), 'CONFLICT', /Acme/);
    expect(e2.extensions?.existingCompanyId).toBe(a.id);
    expect(await h.footprint(tenantId)).toEqual(before);
    // Its own domains again is no conflict; ten concurrent creates with one domain: exactly one wins.
    expect(dataOf(await gql(M.update, { id: a.id, i: { domains: ['acme.example', 'acme.eu'] } })).updateCompany.domains).toEqual(['acme.example', 'acme.eu']);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(M.create, { i: { name: `Racer ${i}`, domains: ['race.example'] } })));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT').length).toBe(9);
  });

  it('Company.contacts is a paginated connection of its active contacts', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const co = await create(gql, { name: 'Paged' });
    const other = await create(gql, { name: 'Elsewhere' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(dataOf(await gql(Q.create, { i: { firstName: `P${i}`, companyId: co.id } })).createContact.id);
    dataOf(await gql(Q.create, { i: { firstName: 'Not here', companyId: other.id } }));
    dataOf(await gql(`mutation($id: ID!) { archiveContact(id: $id) { id } }`, { id: ids[4] }));
    const p1 = dataOf(await gql(M.contactsOf, { id: co.id, first: 2 })).company.contacts;
    expect(p1.totalCount).toBe(4);
    expect(p1.edges.map((e: any) => e.node.displayName)).toEqual(['P0', 'P1']);
    const p2 = dataOf(await gql(M.contactsOf, { id: co.id, first: 5, after: p1.pageInfo.endCursor })).company.contacts;
    expect(p2.edges.map((e: any) => e.node.displayName)).toEqual(['P2', 'P3']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect(p2.edges.every((e: any) => e.node.company.id === co.id)).toBe(true);
  });

  it('mergeCompanies moves the contacts to the survivor, unions domains and tags, fills gaps, leaves a tombstone; events for the company and each moved contact', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'merger', roles: ['manager'] });
    const survivor = await create(gql, { name: 'Initech', domains: ['initech.example'], tags: ['a'] });
    const dup = await create(gql, { name: 'Initech Inc', domains: ['initech.com'], tags: ['b', 'a'], legalName: 'Initech Incorporated', vatId: 'US12345678' });
    const moved = [];
    for (const n of ['Peter', 'Milton']) moved.push(dataOf(await gql(Q.create, { i: { firstName: n, companyId: dup.id } })).createContact.id);
    const stay = dataOf(await gql(Q.create, { i: { firstName: 'Bill', companyId: survivor.id } })).createContact.id;

    const merged = dataOf(await gql(M.merge, { s: survivor.id, d: dup.id })).mergeCompanies;
    expect(merged).toMatchObject({ id: survivor.id, name: 'Initech', domains: ['initech.example', 'initech.com'], tags: ['a', 'b'], legalName: 'Initech Incorporated', vatId: 'US12345678', version: 2 });
    expect(dataOf(await gql(M.company, { id: dup.id })).company).toMatchObject({ id: dup.id, mergedIntoId: survivor.id, domains: [] });
    expect(dataOf(await gql(M.list, {})).companies.edges.map((e: any) => e.node.id)).toEqual([survivor.id]);
    const members = dataOf(await gql(M.contactsOf, { id: survivor.id, first: 10 })).company.contacts;
    expect(new Set(members.edges.map((e: any) => e.node.id))).toEqual(new Set([...moved, stay]));
    for (const id of moved) expect(dataOf(await gql(M.contact, { id })).contact).toMatchObject({ version: 2, company: { id: survivor.id, name: 'Initech' } });
    // The moved contacts are found by the survivor's name; the duplicate's domain now names the survivor.
    expect(dataOf(await gql(M.search, { s: 'Initech Inc' })).contacts.totalCount).toBe(0);
    expectError(await gql(M.create, { i: { name: 'Again', domains: ['initech.com'] } }), 'CONFLICT', /Initech/);
    // A contact cannot be linked to the tombstone; the error names the survivor.
    const linked = expectError(await gql(Q.create, { i: { firstName: 'Late', companyId: dup.id } }), 'BAD_USER_INPUT', new RegExp(survivor.id));
    expect(linked.extensions?.fields).toEqual([{ field: 'input.companyId', message: `merged into ${survivor.id}` }]);
    expectError(await gql(Q.update, { id: stay, i: { companyId: dup.id } }), 'BAD_USER_INPUT', /merged into/);

    const ev = await expectEvent(rec, { type: EVENT.companyMerged, subject: survivor.id, tenantId });
    expect(ev.data).toEqual({ survivorId: survivor.id, duplicateId: dup.id, survivor: { companyId: survivor.id, name: 'Initech', domains: ['initech.example', 'initech.com'], version: 2 }, movedContacts: 2 });
    for (const id of moved) {
      const u = await expectEvent(rec, { type: EVENT.updated, subject: id, tenantId });
      expect(u.data).toMatchObject({ changed: ['companyId'], companyId: survivor.id, companyName: 'Initech', version: 2 });
    }
    const [row] = await h.sql(`SELECT merged_by, moved_contacts FROM "${h.schema}".company_merges WHERE duplicate_id = $1`, [dup.id]);
    expect(row).toEqual({ merged_by: 'merger', moved_contacts: 2 });
  });

  it('mergeCompanies: same id, unknown or merged ids, a rep without the right: refused, nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, roles: ['manager'] });
    const a = await create(gql, { name: 'A' });
    const b = await create(gql, { name: 'B' });
    const c = await create(gql, { name: 'C' });
    dataOf(await gql(M.merge, { s: a.id, d: b.id }));
    const before = await h.footprint(tenantId);
    const same = expectError(await gql(M.merge, { s: a.id, d: a.id }), 'BAD_USER_INPUT');
    expect(same.extensions?.fields).toEqual([{ field: 'duplicateId', message: expect.any(String) }]);
    expectError(await gql(M.merge, { s: 'nope', d: a.id }), 'BAD_USER_INPUT');
    expectError(await gql(M.merge, { s: a.id, d: randomUUID() }), 'NOT_FOUND');
    expectError(await gql(M.merge, { s: c.id, d: b.id }), 'CONFLICT', /already merged/);
    expectError(await gql(M.update, { id: b.id, i: { industry: 'x' } }), 'CONFLICT', /merged into/);
    expectError(await h.client({ tenantId, roles: ['rep'] })(M.merge, { s: a.id, d: c.id }), 'FORBIDDEN');
    expect(await h.footprint(tenantId)).toEqual(before);
    expect(await h.outboxCount(tenantId, EVENT.companyMerged)).toBe(1);
  });
});
