import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { CONTACT_FIELDS, EVENT, Q, eventsOf, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const M = {
  setEmails: `mutation($id: ID!, $i: SetContactEmailsInput!) { setContactEmails(id: $id, input: $i) { ${CONTACT_FIELDS} archivedAt } }`,
  setPhones: `mutation($id: ID!, $i: SetContactPhonesInput!) { setContactPhones(id: $id, input: $i) { ${CONTACT_FIELDS} archivedAt } }`,
  archive: `mutation($id: ID!) { archiveContact(id: $id) { id version archivedAt } }`,
  restore: `mutation($id: ID!) { restoreContact(id: $id) { id version archivedAt } }`,
  bulk: `mutation($f: ContactFilter!, $i: BulkUpdateContactsInput!) { bulkUpdateContacts(filter: $f, input: $i) { updated updatedIds remaining } }`,
  ids: `query($filter: ContactFilter) { contacts(first: 100, filter: $filter) { totalCount edges { node { id tags ownerId lifecycleStage } } } }`,
  read: `query($id: ID!) { contact(id: $id) { id archivedAt displayName email emails { email primary } } }`,
};

describe('contacts for daily use: emails and phones, archive, bulk update', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  async function create(gql: Gql, input: Record<string, unknown>) {
    return dataOf(await gql(Q.create, { i: input })).createContact;
  }

  it('setContactEmails adds, removes and re-orders (first = primary), keeps the order, and emits contact.updated', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await create(gql, { firstName: 'Ada', email: 'ada@one.example', otherEmails: ['ada@two.example', 'ada@three.example'] });

    const r = dataOf(await gql(M.setEmails, { id: c.id, i: { emails: ['ada@three.example', 'ada@one.example', 'Ada@Four.example'] } })).setContactEmails;
    expect(r.email).toBe('ada@three.example');
    expect(r.emails).toEqual([
      { email: 'ada@three.example', primary: true },
      { email: 'ada@one.example', primary: false },
      { email: 'Ada@Four.example', primary: false },
    ]);
    expect(r.version).toBe(2);
    // The order is stored, not derived (it is not alphabetical): read back the same.
    expect(dataOf(await gql(M.read, { id: c.id })).contact.emails.map((e: { email: string }) => e.email)).toEqual(['ada@three.example', 'ada@one.example', 'Ada@Four.example']);
    // Search finds the new address, no longer the removed one.
    expect(dataOf(await gql(M.ids, { filter: { search: 'ada@four.example' } })).contacts.totalCount).toBe(1);
    expect(dataOf(await gql(M.ids, { filter: { search: 'ada@two.example' } })).contacts.totalCount).toBe(0);

    const ev = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d: any) => d.version === 2 });
    expect(ev.data).toMatchObject({ changed: ['emails'], emails: [{ email: 'ada@three.example', primary: true }, { email: 'ada@one.example', primary: false }, { email: 'ada@four.example', primary: false }] });

    // An empty list removes them all.
    const none = dataOf(await gql(M.setEmails, { id: c.id, i: { emails: [] } })).setContactEmails;
    expect(none).toMatchObject({ email: null, emails: [] });
  });

  it('setContactEmails: an address of another contact is CONFLICT naming it; a bad one is BAD_USER_INPUT naming its index; nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await create(gql, { firstName: 'A', email: 'a@x.example' });
    const b = await create(gql, { firstName: 'B', email: 'b@x.example' });
    const before = await h.footprint(tenantId);

    const dup = expectError(await gql(M.setEmails, { id: b.id, i: { emails: ['b@x.example', 'A@X.example'] } }), 'CONFLICT', /a@x\.example/);
    expect(dup.extensions?.existingContactId).toBe(a.id);
    const bad = expectError(await gql(M.setEmails, { id: b.id, i: { emails: ['b@x.example', 'not-an-email'] } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual([{ field: 'input.emails.1', message: expect.stringMatching(/not a valid email/) }]);
    expect(await h.footprint(tenantId)).toEqual(before);
    expect(dataOf(await gql(M.read, { id: b.id })).contact.emails).toEqual([{ email: 'b@x.example', primary: true }]);
    expectError(await gql(M.setEmails, { id: '6f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', i: { emails: [] } }), 'NOT_FOUND');
  });

  it('setContactPhones normalises with phoneCountry, re-orders, and refuses a phone of another contact', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await create(gql, { firstName: 'A', phone: '+442071838750' });
    const b = await create(gql, { firstName: 'B', phone: '+442079460018' });
    const r = dataOf(await gql(M.setPhones, { id: a.id, i: { phones: ['020 7946 0019', '+44 20 7183 8750'], phoneCountry: 'GB' } })).setContactPhones;
    expect(r.phone).toBe('+442079460019');
    expect(r.phones.map((p: { e164: string; primary: boolean }) => [p.e164, p.primary])).toEqual([['+442079460019', true], ['+442071838750', false]]);
    expectError(await gql(M.setPhones, { id: a.id, i: { phones: ['+442079460018'] } }), 'CONFLICT', /\+442079460018/);
    const bad = expectError(await gql(M.setPhones, { id: a.id, i: { phones: ['12'] } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual([{ field: 'input.phones.0', message: expect.stringMatching(/not a valid phone/) }]);
    expect(dataOf(await gql(M.read, { id: b.id })).contact).toBeTruthy();
  });

  it('archive hides the contact from lists and search, keeps it readable by id and flagged, refuses edits until restored; both emit their event', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'archivist' });
    const c = await create(gql, { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example', tags: ['cobol'] });
    const archived = dataOf(await gql(M.archive, { id: c.id })).archiveContact;
    expect(archived.archivedAt).toEqual(expect.any(String));
    expect(archived.version).toBe(2);

    expect(dataOf(await gql(M.ids, { filter: { search: 'grace' } })).contacts.totalCount).toBe(0);
    expect(dataOf(await gql(M.ids, { filter: { tags: ['cobol'] } })).contacts.totalCount).toBe(0);
    expect(dataOf(await gql(M.ids, { filter: { archived: true } })).contacts.edges.map((e: any) => e.node.id)).toEqual([c.id]);
    expect(dataOf(await gql(M.read, { id: c.id })).contact).toMatchObject({ id: c.id, displayName: 'Grace Hopper', archivedAt: archived.archivedAt });
    // Archiving is not erasing: the email still belongs to her, a second Grace is a duplicate.
    expectError(await gql(Q.create, { i: { email: 'grace@navy.example' } }), 'CONFLICT');
    expectError(await gql(Q.update, { id: c.id, i: { tags: ['x'] } }), 'CONFLICT', /archived/);
    // Archiving again changes nothing and emits nothing.
    expect(dataOf(await gql(M.archive, { id: c.id })).archiveContact.version).toBe(2);

    const ev = await expectEvent(rec, { type: EVENT.archived, subject: c.id, tenantId });
    expect(ev.data).toEqual({ contactId: c.id, version: 2, archivedAt: expect.any(String), archivedBy: 'archivist' });

    const restored = dataOf(await gql(M.restore, { id: c.id })).restoreContact;
    expect(restored).toMatchObject({ archivedAt: null, version: 3 });
    expect(dataOf(await gql(M.ids, { filter: { search: 'grace' } })).contacts.totalCount).toBe(1);
    const rev = await expectEvent(rec, { type: EVENT.restored, subject: c.id, tenantId });
    expect(rev.data).toMatchObject({ contactId: c.id, version: 3, displayName: 'Grace Hopper', tags: ['cobol'] });
    expect(await h.outboxCount(tenantId, EVENT.archived)).toBe(1);
    expectError(await gql(M.archive, { id: '6f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11' }), 'NOT_FOUND');
  });

  it('bulkUpdateContacts changes tags, owner and stage of the filtered selection in bounded batches, one contact.updated per changed contact', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    await h.provision(tenantId, 'rep-9');
    const leads: string[] = [];
    for (let i = 0; i < 5; i++) leads.push((await create(gql, { firstName: `Lead${i}`, lifecycleStage: 'lead', tags: i === 0 ? ['q3', 'old'] : ['old'] })).id);
    const other = await create(gql, { firstName: 'Customer', lifecycleStage: 'customer', tags: ['old'] });

    const first = dataOf(await gql(M.bulk, { f: { lifecycleStage: 'lead' }, i: { addTags: ['q3'], removeTags: ['old'], ownerId: 'rep-9', limit: 3 } })).bulkUpdateContacts;
    expect(first.updated).toBe(3);
    expect(first.remaining).toBe(2);
    const second = dataOf(await gql(M.bulk, { f: { lifecycleStage: 'lead' }, i: { addTags: ['q3'], removeTags: ['old'], ownerId: 'rep-9', limit: 3 } })).bulkUpdateContacts;
    expect(second).toMatchObject({ updated: 2, remaining: 0 });
    expect(new Set([...first.updatedIds, ...second.updatedIds])).toEqual(new Set(leads));
    // Nothing left to change: a third call changes nothing.
    expect(dataOf(await gql(M.bulk, { f: { lifecycleStage: 'lead' }, i: { addTags: ['q3'], removeTags: ['old'], ownerId: 'rep-9' } })).bulkUpdateContacts).toMatchObject({ updated: 0, remaining: 0 });

    const list = dataOf(await gql(M.ids, { filter: {} })).contacts.edges.map((e: any) => e.node);
    for (const n of list.filter((x: any) => leads.includes(x.id))) expect(n).toMatchObject({ tags: ['q3'], ownerId: 'rep-9', lifecycleStage: 'lead' });
    expect(list.find((x: any) => x.id === other.id)).toMatchObject({ tags: ['old'], lifecycleStage: 'customer' });

    for (const id of leads) {
      const ev = await expectEvent(rec, { type: EVENT.updated, subject: id, tenantId });
      expect(ev.data).toMatchObject({ changed: ['tags', 'ownerId'], tags: ['q3'], ownerId: 'rep-9', version: 2 });
    }
    expect(await h.outboxCount(tenantId, EVENT.updated)).toBe(5);
  });

  it('bulkUpdateContacts: bad input names the field and writes nothing; it needs the bulk-update right', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    await create(gql, { firstName: 'X', tags: ['a'] });
    const before = await h.footprint(tenantId);
    const e1 = expectError(await gql(M.bulk, { f: {}, i: { addTags: ['a'], removeTags: ['a'] } }), 'BAD_USER_INPUT');
    expect(e1.extensions?.fields).toEqual([{ field: 'input.removeTags', message: expect.stringMatching(/also in addTags/) }]);
    const e2 = expectError(await gql(M.bulk, { f: {}, i: { lifecycleStage: 'x'.repeat(51), limit: 5000 } }), 'BAD_USER_INPUT');
    expect(e2.extensions?.fields).toEqual(expect.arrayContaining([{ field: 'input.lifecycleStage', message: expect.any(String) }, { field: 'input.limit', message: expect.any(String) }]));
    const e3 = expectError(await gql(M.bulk, { f: { companyId: 'nope' }, i: { ownerId: 'x' } }), 'BAD_USER_INPUT');
    expect(e3.extensions?.fields).toEqual([{ field: 'filter.companyId', message: expect.any(String) }]);
    expectError(await gql(M.bulk, { f: {}, i: {} }), 'BAD_USER_INPUT', /nothing to update/);
    expectError(await h.client({ tenantId, roles: ['rep'] })(M.bulk, { f: {}, i: { ownerId: 'x' } }), 'FORBIDDEN');
    expect(await h.footprint(tenantId)).toEqual(before);
    expect(eventsOf(rec, tenantId, EVENT.updated)).toEqual([]);
  });

  it("another tenant's ids are NOT_FOUND for every new operation, and its bulk update never reaches them", async () => {
    const a = h.client({ tenantId: uniqueTenant() });
    const tenantB = uniqueTenant();
    const b = h.client({ tenantId: tenantB });
    const c = await create(a, { firstName: 'Mine', email: 'mine@a.example', tags: ['t'] });
    const i = dataOf(await a(Q.logInteraction, { i: { contactId: c.id, kind: 'NOTE', summary: 'n' } })).logInteraction;
    const co1 = dataOf(await a(Q.createCompany, { i: { name: 'A1', domains: ['a1.example'] } })).createCompany;
    const co2 = dataOf(await a(Q.createCompany, { i: { name: 'A2' } })).createCompany;
    expectError(await b(M.archive, { id: c.id }), 'NOT_FOUND');
    expectError(await b(M.restore, { id: c.id }), 'NOT_FOUND');
    expectError(await b(M.setEmails, { id: c.id, i: { emails: [] } }), 'NOT_FOUND');
    expectError(await b(`mutation($id: ID!) { deleteInteraction(id: $id) { id } }`, { id: i.id }), 'NOT_FOUND');
    expectError(await b(`mutation($s: ID!, $d: ID!) { mergeCompanies(survivorId: $s, duplicateId: $d) { id } }`, { s: co1.id, d: co2.id }), 'NOT_FOUND');
    expect(dataOf(await b(M.bulk, { f: { tags: ['t'] }, i: { addTags: ['stolen'] } })).bulkUpdateContacts).toEqual({ updated: 0, updatedIds: [], remaining: 0 });
    // Domains are per tenant: B may use A's.
    expect(dataOf(await b(Q.createCompany, { i: { name: 'B1', domains: ['a1.example'] } })).createCompany.domains).toEqual(['a1.example']);
    expect(dataOf(await a(M.read, { id: c.id })).contact).toMatchObject({ archivedAt: null, emails: [{ email: 'mine@a.example', primary: true }] });
    expect(await h.outboxCount(tenantB, EVENT.updated)).toBe(0);
  });
});
