import { randomUUID } from 'node:crypto';
import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectError, expectEvent, startContacts, type Gql, type Harness } from './harness';

describe('bad input is refused with BAD_USER_INPUT naming the field, and nothing is partly written', () => {
  let h: Harness;
  let rec: TopicRecorder;
  let gql: Gql;
  const tenantId = uniqueTenant();
  let target: any;
  let before: Record<string, number>;

  beforeAll(async () => {
    h = await startContacts();
    rec = await h.recorder();
    gql = h.client({ tenantId });
    target = dataOf(await gql(Q.create, { i: { firstName: 'Target', lastName: 'Person', email: 'target@example.com', tags: ['t'] } })).createContact;
  });
  afterAll(async () => {
    await rec?.stop();
    await h?.stop();
  });

  const long = (n: number) => 'x'.repeat(n);
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i}`);

  describe('on createContact and updateContact', () => {
    beforeEach(async () => {
      // Owners must be users of the tenant: the path-like owner below is one (a sub is any string).
      await h.provision(tenantId, '../../etc/passwd');
      before = await h.footprint(tenantId);
    });
    afterEach(async () => {
      expect(await h.footprint(tenantId)).toEqual(before);
      expect(dataOf(await gql(Q.contact, { id: target.id })).contact).toEqual(target);
    });

    it.each([
      ['an invalid email', { email: 'not-an-email' }, 'input.email', /input\.email: "not-an-email" is not a valid email address/],
      ['an email without a domain dot', { email: 'ada@localhost' }, 'input.email', /input\.email/],
      ['an email with spaces inside', { email: 'ada lovelace@example.com' }, 'input.email', /input\.email/],
      ['an over-long email', { email: `${long(321)}@example.com` }, 'input.email', /input\.email: must be at most 320 characters/],
      ['an invalid phone', { phone: '12345' }, 'input.phone', /input\.phone: "12345" is not a valid phone number/],
      ['a phone with letters', { phone: 'call me maybe' }, 'input.phone', /input\.phone/],
      ['an invalid other email', { firstName: 'A', otherEmails: ['ok@example.com', 'bad@'] }, 'input.otherEmails', /input\.otherEmails: "bad@"/],
      ['an invalid other phone', { firstName: 'A', otherPhones: ['+1 000'] }, 'input.otherPhones', /input\.otherPhones/],
      ['a firstName of 201 characters', { firstName: long(201) }, 'input.firstName', /input\.firstName: must be at most 200 characters/],
      ['a lastName of 201 characters', { lastName: long(201) }, 'input.lastName', /input\.lastName: must be at most 200 characters/],
      ['101 tags', { firstName: 'A', tags: tags(101) }, 'input.tags', /input\.tags: at most 100 tags/],
      ['a tag of 65 characters', { firstName: 'A', tags: ['ok', long(65)] }, 'input.tags.1', /input\.tags\.1: must be at most 64 characters/],
      ['an empty tag', { firstName: 'A', tags: [''] }, 'input.tags.0', /input\.tags\.0: must not be empty/],
      ['a malformed companyId', { firstName: 'A', companyId: 'acme' }, 'input.companyId', /input\.companyId/],
      ['a bad phoneCountry', { phone: '020 7183 8750', phoneCountry: 'GBR' }, 'input.phoneCountry', /input\.phoneCountry: must be an ISO 3166-1 alpha-2 code/],
      ['a bad address country', { firstName: 'A', addresses: [{ city: 'X', country: 'Narnia' }] }, 'input.addresses.0.country', /input\.addresses\.0\.country/],
      ['an over-long lifecycleStage', { firstName: 'A', lifecycleStage: long(51) }, 'input.lifecycleStage', /input\.lifecycleStage/],
      ['21 other emails', { firstName: 'A', otherEmails: Array.from({ length: 21 }, (_, i) => `e${i}@example.com`) }, 'input.otherEmails', /input\.otherEmails/],
    ])('%s', async (_what, input, field, message) => {
      const created = await gql(Q.create, { i: input });
      const err = expectError(created, 'BAD_USER_INPUT', message);
      expect(err.extensions?.fields?.map((f: { field: string }) => f.field)).toContain(field);
      expect(created.data).toBeNull();

      // UpdateContactInput has no otherEmails/otherPhones (they are added through `email`/`phone`).
      if (!('otherEmails' in input) && !('otherPhones' in input)) {
        const updated = await gql(Q.update, { id: target.id, i: { ...input, firstName: (input as any).firstName === 'A' ? 'Changed' : (input as any).firstName } });
        expectError(updated, 'BAD_USER_INPUT', message);
      }
    });

    it('an unknown companyId', async () => {
      const companyId = randomUUID();
      const err = expectError(await gql(Q.create, { i: { firstName: 'A', email: 'fresh@example.com', companyId } }), 'BAD_USER_INPUT', new RegExp(`input\\.companyId: company ${companyId} does not exist`));
      expect(err.extensions?.fields).toEqual([{ field: 'input.companyId', message: 'unknown company' }]);
      expectError(await gql(Q.update, { id: target.id, i: { firstName: 'Changed', companyId } }), 'BAD_USER_INPUT', /input\.companyId/);
    });

    it('several bad fields at once are all named', async () => {
      const err = expectError(await gql(Q.create, { i: { firstName: long(201), tags: tags(101), lastName: 'ok' } }), 'BAD_USER_INPUT', /input\.firstName.*input\.tags|input\.tags.*input\.firstName/);
      expect(err.extensions?.fields.map((f: any) => f.field).sort()).toEqual(['input.firstName', 'input.tags']);
      // Emails and phones are checked together too: every bad one is named, not only the first.
      const points = expectError(await gql(Q.create, { i: { email: 'nope', phone: '12345', otherEmails: ['ok@example.com', 'bad@'] } }), 'BAD_USER_INPUT');
      expect(points.extensions?.fields.map((f: any) => f.field).sort()).toEqual(['input.email', 'input.otherEmails', 'input.phone']);
      expectError(await gql(Q.update, { id: target.id, i: { email: '  ' } }), 'BAD_USER_INPUT', /input\.email: must not be blank/);
    });

    it('a value of the wrong GraphQL type or enum is refused before the resolver runs', async () => {
      const r = await gql(Q.create, { i: { firstName: 'A', preferredChannels: ['FAX'] } });
      expectError(r, 'BAD_USER_INPUT', /preferredChannels/);
      const r2 = await gql(Q.create, { i: { firstName: 'A', tags: 'not-a-list-of-one', unknownField: 1 } });
      expectError(r2, 'BAD_USER_INPUT', /unknownField/);
    });

    it('malformed and unknown contact ids', async () => {
      expectError(await gql(Q.update, { id: 'robert-tables', i: { firstName: 'X' } }), 'BAD_USER_INPUT', /id: "robert-tables" is not a contact id/);
      expectError(await gql(Q.update, { id: randomUUID(), i: { firstName: 'X' } }), 'NOT_FOUND', /does not exist/);
      expectError(await gql(Q.setConsent, { i: { contactId: "1'; DROP TABLE consents;--", channel: 'EMAIL', granted: true } }), 'BAD_USER_INPUT', /is not a contact id/);
      expect(dataOf(await gql(Q.contact, { id: 'not-an-id' })).contact).toBeNull();
    });
  });

  it('the boundary values are accepted: 200-character names, 100 tags of 64 characters', async () => {
    const c = dataOf(await gql(Q.create, { i: { firstName: long(200), lastName: 'y'.repeat(200), tags: tags(100).map((t) => t.padEnd(64, '-')) } })).createContact;
    expect(c.firstName).toHaveLength(200);
    expect(c.tags).toHaveLength(100);
  });

  it('injection-looking and unusual strings are stored verbatim and read back identically', async () => {
    const evil = {
      firstName: "Robert'); DROP TABLE contacts;--",
      lastName: '<script>alert(1)</script>',
      tags: ["' OR '1'='1", '<img src=x onerror=alert(1)>', '${jndi:ldap://x}', 'ünïcödé 😀', '李小龍'],
      lifecycleStage: "'; DELETE FROM contacts; --",
      ownerId: '../../etc/passwd',
      source: { source: '"quoted"', medium: 'back\\slash', campaign: 'new\nline', term: '%_%', content: 'NULL' },
      addresses: [{ line1: '1 "Main" St; DROP', city: "O'Fallon", country: 'US' }],
    };
    const created = dataOf(await gql(Q.create, { i: evil })).createContact;
    expect(created).toMatchObject({ ...evil, displayName: `${evil.firstName} ${evil.lastName}` });
    const read = dataOf(await gql(Q.contact, { id: created.id })).contact;
    expect(read).toEqual(created);
    const [row] = await h.sql(`SELECT first_name, last_name, tags, lifecycle_stage, owner_id FROM "${h.schema}".contacts WHERE id = $1`, [created.id]);
    expect(row).toEqual({ first_name: evil.firstName, last_name: evil.lastName, tags: evil.tags, lifecycle_stage: evil.lifecycleStage, owner_id: evil.ownerId });
    // The tables are all still there, and the strings are searchable as text.
    expect(await h.count('contacts', tenantId)).toBeGreaterThanOrEqual(2);
    expect(dataOf(await gql(Q.list, { first: 10, filter: { search: 'Robert' } })).contacts.edges.map((e: any) => e.node.id)).toEqual([created.id]);
    expect(dataOf(await gql(Q.list, { first: 10, filter: { tags: ["' OR '1'='1"] } })).contacts.edges.map((e: any) => e.node.id)).toEqual([created.id]);
    const ev = await expectEvent(rec, { type: EVENT.created, subject: created.id, tenantId });
    expect(ev.data).toMatchObject({ firstName: evil.firstName, lastName: evil.lastName, tags: evil.tags });

    const updated = dataOf(await gql(Q.update, { id: created.id, i: { firstName: '<b>bold</b>', lastName: "x' || pg_sleep(5) || '" } })).updateContact;
    expect(updated).toMatchObject({ firstName: '<b>bold</b>', lastName: "x' || pg_sleep(5) || '", displayName: "<b>bold</b> x' || pg_sleep(5) || '" });
  });

  it('contact ids in upper case address the same contact, and events still use the canonical id as subject and key', async () => {
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Case', email: 'case@example.com' } })).createContact;
    const upper = c.id.toUpperCase();
    expect(dataOf(await gql(Q.contact, { id: upper })).contact?.id).toBe(c.id);
    const u = dataOf(await gql(Q.update, { id: upper, i: { lastName: 'Sensitive' } })).updateContact;
    expect(u.id).toBe(c.id);
    await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(rec.events.filter((e) => e.event?.subject === upper)).toEqual([]);
    // Merging a contact into itself is refused however the id is spelled.
    expectError(await gql(Q.merge, { s: upper, d: c.id }), 'BAD_USER_INPUT', /same contact/);
    expect(dataOf(await gql(Q.contact, { id: c.id })).contact).toMatchObject({ mergedIntoId: null, email: 'case@example.com', version: 2 });
  });
});
