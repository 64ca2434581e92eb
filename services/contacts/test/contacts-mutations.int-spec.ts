import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, eventsOf, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

describe('contact mutations (GraphQL → Postgres → outbox → Kafka)', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  async function create(gql: Gql, input: Record<string, unknown>) {
    return dataOf(await gql(Q.create, { i: input })).createContact;
  }
  async function update(gql: Gql, id: string, input: Record<string, unknown>) {
    return dataOf(await gql(Q.update, { id, i: input })).updateContact;
  }
  async function read(gql: Gql, id: string) {
    return dataOf(await gql(Q.contact, { id })).contact;
  }

  it('createContact stores every field, reads back the same, and emits contact.created with the full snapshot', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'owner-7' });
    const company = dataOf(await gql(Q.createCompany, { i: { name: 'Analytical Engines', domains: ['engines.example'] } })).createCompany;
    const created = await create(gql, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: '  Ada.Lovelace@Example.com ',
      otherEmails: ['ada@work.example'],
      phone: '020 7183 8750',
      otherPhones: ['020 7946 0018'],
      phoneCountry: 'GB',
      companyId: company.id,
      tags: ['vip', ' vip ', 'beta'],
      preferredChannels: ['SMS', 'EMAIL'],
      lifecycleStage: 'lead',
      source: { leadSource: 'paid-search', source: 'web', medium: 'cpc', campaign: 'spring', keyword: 'open source crm' },
      addresses: [{ label: 'home', line1: '12 St James Sq', city: 'London', country: 'GB' }],
    });

    expect(created).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      email: 'Ada.Lovelace@Example.com',
      phone: '+442071838750',
      emails: [
        { email: 'Ada.Lovelace@Example.com', primary: true },
        { email: 'ada@work.example', primary: false },
      ],
      phones: [
        { phone: '020 7183 8750', e164: '+442071838750', primary: true },
        { phone: '020 7946 0018', e164: '+442079460018', primary: false },
      ],
      company: { id: company.id, name: 'Analytical Engines', domains: ['engines.example'] },
      tags: ['vip', 'beta'],
      preferredChannels: ['SMS', 'EMAIL'],
      lifecycleStage: 'lead',
      ownerId: 'owner-7',
      // The one attribution model (@crm/shared-kernel), the same type as a deal's source.
      source: { leadSource: 'paid-search', source: 'web', medium: 'cpc', campaign: 'spring', term: null, content: null, keyword: 'open source crm' },
      addresses: [{ label: 'home', line1: '12 St James Sq', line2: null, city: 'London', region: null, postalCode: null, country: 'GB' }],
      consents: [],
      customFields: [],
      version: 1,
      mergedIntoId: null,
      erased: false,
    });
    // Persisted, not just echoed.
    expect(await read(gql, created.id)).toEqual(created);
    expect(await h.count('contacts', tenantId)).toBe(1);
    expect(await h.count('contact_emails', tenantId)).toBe(2);
    expect(await h.count('contact_phones', tenantId)).toBe(2);

    const ev = await expectEvent(rec, { type: EVENT.created, subject: created.id, tenantId });
    expect(ev.data).toEqual({
      contactId: created.id,
      version: 1,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      emails: [
        { email: 'ada.lovelace@example.com', primary: true },
        { email: 'ada@work.example', primary: false },
      ],
      phones: [
        { phone: '+442071838750', primary: true },
        { phone: '+442079460018', primary: false },
      ],
      companyId: company.id,
      companyName: 'Analytical Engines',
      tags: ['vip', 'beta'],
      ownerId: 'owner-7',
      lifecycleStage: 'lead',
      preferredChannels: ['sms', 'email'],
      consents: [],
      // The fields added to the snapshot after v1 (optional in the contract, always filled by contacts).
      addresses: [{ label: 'home', line1: '12 St James Sq', line2: null, city: 'London', region: null, postalCode: null, country: 'GB', primary: true }],
      socialHandles: [],
      country: 'GB',
      timeZone: null,
      customFields: {},
      createdAt: new Date(created.createdAt).toISOString(),
    });
  });

  it('updateContact changes fields, bumps the version by one per call and emits contact.updated naming the changed fields', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    await h.provision(tenantId, 'user-9');
    const c = await create(gql, { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example', lifecycleStage: 'lead' });

    const u1 = await update(gql, c.id, { firstName: 'Rear Admiral Grace', lifecycleStage: 'customer', ownerId: 'user-9', source: { source: 'event', term: 'cobol' } });
    expect(u1).toMatchObject({
      firstName: 'Rear Admiral Grace',
      lastName: 'Hopper',
      displayName: 'Rear Admiral Grace Hopper',
      lifecycleStage: 'customer',
      ownerId: 'user-9',
      source: { leadSource: null, source: 'event', medium: null, campaign: null, term: 'cobol', content: null, keyword: null },
      email: 'grace@navy.example',
      version: 2,
    });
    expect(new Date(u1.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(c.updatedAt).getTime());
    const u2 = await update(gql, c.id, { addresses: [{ city: 'Arlington', country: 'us' }] });
    expect(u2.addresses).toEqual([{ label: null, line1: null, line2: null, city: 'Arlington', region: null, postalCode: null, country: 'us' }]);
    expect(u2.version).toBe(3);
    expect(await read(gql, c.id)).toEqual(u2);

    const e1 = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(e1.data.changed.sort()).toEqual(['firstName', 'lifecycleStage', 'ownerId', 'source']);
    expect(e1.data).toMatchObject({ contactId: c.id, firstName: 'Rear Admiral Grace', displayName: 'Rear Admiral Grace Hopper', lifecycleStage: 'customer', ownerId: 'user-9' });
    const e2 = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 3 });
    expect(e2.data.changed).toEqual(['addresses']);
    // Per-contact order on the topic: created v1, updated v2, updated v3.
    expect(eventsOf(rec, tenantId).filter((e) => e.subject === c.id).map((e) => [e.type, e.data.version])).toEqual([
      [EVENT.created, 1],
      [EVENT.updated, 2],
      [EVENT.updated, 3],
    ]);

    // An update with no fields is refused and changes nothing.
    expectError(await gql(Q.update, { id: c.id, i: {} }), 'BAD_USER_INPUT', /nothing to update/);
    expect((await read(gql, c.id)).version).toBe(3);
  });

  it('changing the primary email/phone keeps the old ones as secondary; choosing an existing secondary promotes it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await create(gql, { firstName: 'Alan', email: 'alan@bletchley.example', otherEmails: ['turing@cam.example'], phone: '+1 415 555 2671' });

    const newPrimary = await update(gql, c.id, { email: 'Alan.Turing@Manchester.example', phone: '(212) 555-0100' });
    expect(newPrimary.email).toBe('Alan.Turing@Manchester.example');
    expect(newPrimary.emails).toEqual([
      { email: 'Alan.Turing@Manchester.example', primary: true },
      { email: 'alan@bletchley.example', primary: false },
      { email: 'turing@cam.example', primary: false },
    ]);
    expect(newPrimary.phone).toBe('+12125550100');
    expect(newPrimary.phones).toEqual([
      { phone: '(212) 555-0100', e164: '+12125550100', primary: true },
      { phone: '+1 415 555 2671', e164: '+14155552671', primary: false },
    ]);

    // The existing secondary, typed in another case: promoted, not added twice.
    const promoted = await update(gql, c.id, { email: 'TURING@cam.example' });
    expect(promoted.email).toBe('TURING@cam.example');
    expect(promoted.emails.filter((e: { primary: boolean }) => e.primary)).toEqual([{ email: 'TURING@cam.example', primary: true }]);
    expect(promoted.emails).toHaveLength(3);
    expect(await h.count('contact_emails', tenantId)).toBe(3);

    const ev = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === promoted.version });
    expect(ev.data.changed).toEqual(['email']);
    expect(ev.data.emails).toEqual([
      { email: 'turing@cam.example', primary: true },
      { email: 'alan.turing@manchester.example', primary: false },
      { email: 'alan@bletchley.example', primary: false },
    ]);
  });

  it('null clears nullable fields; clearing the primary email promotes the next one; clearing everything falls back in the display name', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    await h.provision(tenantId, 'user-3');
    const company = dataOf(await gql(Q.createCompany, { i: { name: 'Difference Engines' } })).createCompany;
    const c = await create(gql, {
      firstName: 'Charles', lastName: 'Babbage', email: 'charles@engines.example', otherEmails: ['cb@royal.example'], phone: '+44 20 7183 8750',
      companyId: company.id, lifecycleStage: 'lead', ownerId: 'user-3', source: { source: 'web' },
    });

    const cleared = await update(gql, c.id, { lastName: null, companyId: null, lifecycleStage: null, ownerId: null, source: null, email: null });
    expect(cleared).toMatchObject({
      firstName: 'Charles', lastName: null, displayName: 'Charles', company: null, lifecycleStage: null, ownerId: null, source: null,
      // The remaining address is the primary one now, in the flag and in `email`.
      email: 'cb@royal.example',
      emails: [{ email: 'cb@royal.example', primary: true }],
    });
    const ev = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(ev.data).toMatchObject({ lastName: null, companyId: null, companyName: null, lifecycleStage: null, ownerId: null, emails: [{ email: 'cb@royal.example', primary: true }] });
    expect(ev.data.changed.sort()).toEqual(['companyId', 'email', 'lastName', 'lifecycleStage', 'ownerId', 'source']);

    const noName = await update(gql, c.id, { firstName: null, email: null });
    expect(noName).toMatchObject({ firstName: null, lastName: null, email: null, emails: [], displayName: '+442071838750' });
    const nothing = await update(gql, c.id, { phone: null });
    expect(nothing).toMatchObject({ phone: null, phones: [], displayName: 'Unnamed contact', version: 4 });
    expect(await h.count('contact_emails', tenantId)).toBe(0);
    expect(await h.count('contact_phones', tenantId)).toBe(0);
  });

  it('tags are replaced (trimmed, de-duplicated, [] clears) and preferredChannels keep the given order', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await create(gql, { firstName: 'Tag', tags: ['a'], preferredChannels: ['EMAIL', 'POST', 'SMS'] });
    expect(c.preferredChannels).toEqual(['EMAIL', 'POST', 'SMS']);

    const t = await update(gql, c.id, { tags: ['b', 'c', ' b', 'a '], preferredChannels: ['SOCIAL', 'SMS', 'EMAIL'] });
    expect(t.tags).toEqual(['b', 'c', 'a']);
    expect(t.preferredChannels).toEqual(['SOCIAL', 'SMS', 'EMAIL']);
    const ev = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(ev.data).toMatchObject({ tags: ['b', 'c', 'a'], preferredChannels: ['social', 'sms', 'email'] });
    expect(ev.data.changed.sort()).toEqual(['preferredChannels', 'tags']);

    const reordered = await update(gql, c.id, { preferredChannels: ['EMAIL', 'SOCIAL'] });
    expect(reordered.preferredChannels).toEqual(['EMAIL', 'SOCIAL']);
    expect(reordered.tags).toEqual(['b', 'c', 'a']);
    const none = await update(gql, c.id, { tags: [] });
    expect(none.tags).toEqual([]);
    expect((await read(gql, c.id)).tags).toEqual([]);

    const dup = await gql(Q.update, { id: c.id, i: { preferredChannels: ['EMAIL', 'EMAIL'] } });
    expectError(dup, 'BAD_USER_INPUT', /input\.preferredChannels/);
    expect((await read(gql, c.id)).preferredChannels).toEqual(['EMAIL', 'SOCIAL']);
  });

  it('setConsent records grant and withdrawal per channel, bumps the version and emits contact.updated with the consents', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await create(gql, { firstName: 'Con', email: 'con@example.com' });

    const granted = dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'web-form' } })).setConsent;
    expect(granted.consents).toEqual([{ channel: 'EMAIL', granted: true, legalBasis: 'consent', source: 'web-form', recordedAt: expect.any(String) }]);
    expect(granted.version).toBe(2);
    const sms = dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'SMS', granted: true, legalBasis: 'CONTRACT' } })).setConsent;
    expect(sms.consents.map((k: any) => [k.channel, k.granted])).toEqual([
      ['EMAIL', true],
      ['SMS', true],
    ]);
    const withdrawn = dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: false } })).setConsent;
    expect(withdrawn.consents).toEqual([
      { channel: 'EMAIL', granted: false, legalBasis: null, source: null, recordedAt: expect.any(String) },
      { channel: 'SMS', granted: true, legalBasis: 'contract', source: null, recordedAt: expect.any(String) },
    ]);
    expect(withdrawn.version).toBe(4);
    expect(await h.count('consents', tenantId)).toBe(2);

    const e2 = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(e2.data.changed).toEqual(['consents']);
    expect(e2.data.consents).toEqual([{ channel: 'email', status: 'granted', legalBasis: 'consent', recordedAt: granted.consents[0].recordedAt }]);
    const e4 = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 4 });
    expect(e4.data.consents.map((k: any) => [k.channel, k.status])).toEqual([
      ['email', 'withdrawn'],
      ['sms', 'granted'],
    ]);

    expectError(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'banana' } }), 'BAD_USER_INPUT', /legalBasis.*LegalBasis/);
  });

  it('logInteraction appends to the timeline (newest first, paginated) and emits interaction.logged', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'agent-5' });
    const c = await create(gql, { firstName: 'Tim', email: 'tim@example.com' });
    const logged = [];
    for (const [i, kind] of ['CALL', 'EMAIL', 'MEETING', 'NOTE', 'CALL'].entries()) {
      const occurredAt = new Date(Date.UTC(2026, 0, 10 + i, 9, 30)).toISOString();
      const it = dataOf(await gql(Q.logInteraction, { i: { contactId: c.id, kind, summary: `entry ${i}`, body: i === 2 ? 'met at the office' : null, occurredAt } })).logInteraction;
      expect(it).toEqual({ id: expect.any(String), kind: kind.toLowerCase(), summary: `entry ${i}`, body: i === 2 ? 'met at the office' : null, occurredAt, actorId: 'agent-5', sourceModule: 'contacts' });
      logged.push(it);
    }
    const newestFirst = [...logged].reverse();
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = dataOf(await gql(Q.timeline, { id: c.id, first: 2, after })).contact.timelineEntries;
      expect(page.totalCount).toBe(5);
      expect(page.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.edges.map((x: { node: { id: string } }) => x.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(newestFirst.map((x) => x.id));

    for (const it of logged) {
      const ev = await expectEvent(rec, { type: EVENT.interaction, subject: c.id, tenantId, where: (d) => d.interactionId === it.id });
      expect(ev.data).toEqual({ interactionId: it.id, contactId: c.id, kind: it.kind, summary: it.summary, occurredAt: it.occurredAt, actorId: 'agent-5' });
    }
    expect(await h.count('interactions', tenantId)).toBe(5);

    expectError(await gql(Q.logInteraction, { i: { contactId: c.id, kind: 'NOTE', summary: '   ' } }), 'BAD_USER_INPUT', /input\.summary/);
    // An id inside the input that names nothing: BAD_USER_INPUT naming the field (not NOT_FOUND, which is for the operation's own id).
    const unknown = expectError(await gql(Q.logInteraction, { i: { contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', kind: 'NOTE', summary: 'x' } }), 'BAD_USER_INPUT', /does not exist/);
    expect(unknown.extensions?.fields).toEqual([{ field: 'input.contactId', message: expect.stringMatching(/does not exist/) }]);
    // Every bad field at once.
    const several = expectError(await gql(Q.logInteraction, { i: { contactId: 'nope', kind: 'NOTE', summary: '', body: 'b'.repeat(20001) } }), 'BAD_USER_INPUT');
    expect(several.extensions?.fields.map((f: { field: string }) => f.field).sort()).toEqual(['input.body', 'input.contactId', 'input.summary']);
    expectError(await gql(Q.timeline, { id: c.id, first: 2, after: 'garbage' }), 'BAD_USER_INPUT', /after/);
    expect(await h.count('interactions', tenantId)).toBe(5);
  });

  it('createCompany/updateCompany emit company.upserted; contact.company and search follow a rename', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const co = dataOf(await gql(Q.createCompany, { i: { name: 'Zebra Widgets', domains: ['HTTPS://Zebra.Example/about', 'zebra.example'] } })).createCompany;
    expect(co).toMatchObject({ name: 'Zebra Widgets', domains: ['zebra.example'] });
    const c = await create(gql, { firstName: 'Wid', lastName: 'Get', companyId: co.id });
    expect(c.company).toEqual({ id: co.id, name: 'Zebra Widgets', domains: ['zebra.example'] });

    const renamed = dataOf(await gql(Q.updateCompany, { id: co.id, i: { name: 'Quagga Gadgets', domains: ['quagga.example'] } })).updateCompany;
    expect(renamed).toEqual({ id: co.id, name: 'Quagga Gadgets', domains: ['quagga.example'] });
    expect((await read(gql, c.id)).company).toEqual({ id: co.id, name: 'Quagga Gadgets', domains: ['quagga.example'] });
    const found = dataOf(await gql(Q.list, { filter: { search: 'quagga' } })).contacts;
    expect(found.edges.map((e: any) => e.node.id)).toEqual([c.id]);
    expect(dataOf(await gql(Q.list, { filter: { search: 'zebra' } })).contacts.totalCount).toBe(0);

    const v1 = await expectEvent(rec, { type: EVENT.company, subject: co.id, tenantId, where: (d) => d.version === 1 });
    expect(v1.data).toMatchObject({ companyId: co.id, name: 'Zebra Widgets', domains: ['zebra.example'], version: 1 });
    const v2 = await expectEvent(rec, { type: EVENT.company, subject: co.id, tenantId, where: (d) => d.version === 2 });
    expect(v2.data).toMatchObject({ companyId: co.id, name: 'Quagga Gadgets', domains: ['quagga.example'], version: 2 });

    const dup = expectError(await gql(Q.createCompany, { i: { name: 'quagga gadgets' } }), 'CONFLICT', /already exists/);
    expect(dup.extensions?.existingCompanyId).toBe(co.id);
    expectError(await gql(Q.updateCompany, { id: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', i: { name: 'Nope' } }), 'NOT_FOUND');
    expectError(await gql(Q.createCompany, { i: { name: 'Bad Domain', domains: ['not a domain'] } }), 'BAD_USER_INPUT', /input\.domains/);
    const bad = expectError(await gql(Q.createCompany, { i: { name: ' ', domains: ['ok.example', 'not a domain'] } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual([
      { field: 'input.name', message: 'must be 1-200 characters' },
      { field: 'input.domains.1', message: 'not a domain name' },
    ]);
    expect(await h.count('companies', tenantId)).toBe(1);
  });

  it('defineCustomField (admin) adds a definition and emits custom-field.defined; setting a value on a contact emits contact.updated', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const def = dataOf(await gql(Q.defineField, { i: { key: 'shoe_size', label: 'Shoe size', type: 'NUMBER' } })).defineCustomField;
    expect(def).toEqual({ key: 'shoe_size', label: 'Shoe size', type: 'NUMBER', options: [] });
    expect(dataOf(await gql(Q.fieldDefs)).customFieldDefinitions).toEqual([def]);
    // Subject and key of this event are the field key (a definition is not about one contact).
    const defined = await expectEvent(rec, { type: EVENT.customField, subject: 'shoe_size', tenantId });
    expect(defined.data).toEqual({ key: 'shoe_size', label: 'Shoe size', type: 'number', options: [] });
    expectError(await gql(Q.defineField, { i: { key: 'shoe_size', label: 'Again', type: 'TEXT' } }), 'CONFLICT', /shoe_size/);
    expect(await h.outboxCount(tenantId, EVENT.customField)).toBe(1);

    const c = await create(gql, { firstName: 'Cinder', customFields: [{ key: 'shoe_size', value: '37.5' }] });
    expect(c.customFields).toEqual([{ key: 'shoe_size', type: 'number', value: '37.5' }]);
    const u = await update(gql, c.id, { customFields: [{ key: 'shoe_size', value: '38' }] });
    expect(u.customFields).toEqual([{ key: 'shoe_size', type: 'number', value: '38' }]);
    const ev = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(ev.data.changed).toEqual(['customFields']);
  });
});
