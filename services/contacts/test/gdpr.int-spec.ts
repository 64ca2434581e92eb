import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const UNKNOWN_ID = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11';

describe('GDPR: access (exportContactData) and erasure (eraseContact)', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const PII = { first: 'Henrietta', last: 'Lacks-Pleasant', email: 'Henrietta.Lacks@Hopkins.example', other: 'hl@private.example', phone: '+1 212 555 0100', other2: '(415) 555-2671' };

  async function seedPerson(gql: Gql) {
    await gql(Q.defineField, { i: { key: 'nickname', label: 'Nickname', type: 'TEXT' } });
    const company = dataOf(await gql(Q.createCompany, { i: { name: 'Hopkins Labs' } })).createCompany;
    const c = dataOf(
      await gql(Q.create, {
        i: {
          firstName: PII.first, lastName: PII.last, email: PII.email, otherEmails: [PII.other], phone: PII.phone, otherPhones: [PII.other2],
          companyId: company.id, tags: ['patient'], lifecycleStage: 'customer', preferredChannels: ['EMAIL'], source: { source: 'referral' },
          addresses: [{ line1: '1 Hospital Way', city: 'Baltimore', country: 'US' }], customFields: [{ key: 'nickname', value: 'Hela' }],
        },
      }),
    ).createContact;
    dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'paper form' } }));
    dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'SMS', granted: false } }));
    for (const summary of ['First visit', 'Follow-up call']) {
      dataOf(await gql(Q.logInteraction, { i: { contactId: c.id, kind: 'CALL', summary, body: `notes about ${PII.first}` } }));
    }
    return { c, company };
  }

  it('exportContactData contains the contact, its emails, phones, consents, interactions and company', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'agent-1' });
    const { c, company } = await seedPerson(gql);
    const doc = JSON.parse(dataOf(await gql(Q.exportData, { id: c.id })).exportContactData);
    expect(doc).toMatchObject({
      service: 'contacts',
      tenantId,
      exportedAt: expect.any(String),
      contact: {
        id: c.id, first_name: PII.first, last_name: PII.last, display_name: `${PII.first} ${PII.last}`, company_id: company.id, tags: ['patient'],
        lifecycle_stage: 'customer', preferred_channels: ['email'], custom_fields: { nickname: 'Hela' }, source: { source: 'referral' },
        addresses: [{ line1: '1 Hospital Way', city: 'Baltimore', country: 'US' }], merged_into: null, erased_at: null,
      },
      company: { id: company.id, name: 'Hopkins Labs' },
      merges: [],
    });
    expect(doc.emails.map((e: any) => [e.email, e.normalized, e.is_primary]).sort()).toEqual([
      [PII.email, PII.email.toLowerCase(), true],
      [PII.other, PII.other, false],
    ]);
    expect(doc.phones.map((p: any) => [p.phone, p.e164, p.is_primary]).sort()).toEqual([
      [PII.other2, '+14155552671', false],
      [PII.phone, '+12125550100', true],
    ]);
    expect(doc.consents.map((k: any) => [k.channel, k.status, k.legal_basis, k.source]).sort()).toEqual([
      ['email', 'granted', 'consent', 'paper form'],
      ['sms', 'withdrawn', null, null],
    ]);
    expect(doc.interactions.map((i: any) => [i.kind, i.summary, i.body, i.actor_id, i.source_module])).toEqual([
      ['call', 'First visit', `notes about ${PII.first}`, 'agent-1', 'contacts'],
      ['call', 'Follow-up call', `notes about ${PII.first}`, 'agent-1', 'contacts'],
    ]);

    expectError(await gql(Q.exportData, { id: UNKNOWN_ID }), 'NOT_FOUND');
    expectError(await gql(Q.exportData, { id: 'nope' }), 'BAD_USER_INPUT', /id/);
    // Another tenant cannot export it.
    expectError(await h.client({ tenantId: uniqueTenant() })(Q.exportData, { id: c.id }), 'NOT_FOUND');
  });

  it('eraseContact (admin) wipes the personal data, hides the contact from search and emits a PII-free contact.erased', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const { c } = await seedPerson(gql);
    const bystander = dataOf(await gql(Q.create, { i: { firstName: 'Henrietta', lastName: 'Bystander', email: 'by@example.com' } })).createContact;

    // Non-admins may not erase.
    const beforeForbidden = await h.footprint(tenantId);
    for (const roles of [['sales'], ['user'], []]) expectError(await h.client({ tenantId, roles })(Q.erase, { id: c.id }), 'FORBIDDEN', /admin, dpo/);
    expect(await h.footprint(tenantId)).toEqual(beforeForbidden);
    expect(dataOf(await gql(Q.contact, { id: c.id })).contact.erased).toBe(false);

    const erasure = dataOf(await gql(Q.erase, { id: c.id })).eraseContact;
    expect(erasure.contactId).toBe(c.id);
    // Copies on Kafka outlive the erasure by the topic retention (default 7 days) plus at most one
    // segment (a day) and the broker's 5-minute check: the answer says until when.
    const lagHours = (Date.parse(erasure.eventLogCopiesExpireBy) - Date.parse(erasure.erasedAt)) / 3_600_000;
    expect(lagHours).toBeGreaterThanOrEqual(168);
    expect(lagHours).toBeLessThanOrEqual(168 + 24 + 0.1);
    // Asked again, the answer keeps the first erasure's time.
    expect(dataOf(await gql(Q.erase, { id: c.id })).eraseContact).toEqual(erasure);

    const erased = dataOf(await gql(Q.contact, { id: c.id })).contact;
    expect(erased).toMatchObject({
      id: c.id, erased: true, displayName: 'Erased contact', firstName: null, lastName: null, email: null, phone: null, emails: [], phones: [],
      consents: [], tags: [], preferredChannels: [], customFields: [], addresses: [], source: null, lifecycleStage: null, ownerId: null,
      version: c.version + 3, // two consents, then the erasure
    });
    expect(dataOf(await gql(Q.timeline, { id: c.id, first: 10 })).contact.timelineEntries).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });

    // Nothing personal left in the contact's rows.
    const [row] = await h.sql(`SELECT * FROM "${h.schema}".contacts WHERE id = $1`, [c.id]);
    expect(row).toMatchObject({ first_name: null, last_name: null, display_name: 'Erased contact', search_text: '', import_key: null, custom_fields: {}, addresses: [], source: null });
    expect(row.erased_at).toBeInstanceOf(Date);
    for (const t of ['contact_emails', 'contact_phones', 'consents', 'interactions']) {
      const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".${t} WHERE contact_id = $1`, [c.id]);
      expect({ table: t, rows: n }).toEqual({ table: t, rows: 0 });
    }
    for (const table of ['contacts', 'contact_emails', 'contact_phones', 'consents', 'interactions', 'contact_merges']) {
      const hits = await h.sql(`SELECT 1 FROM "${h.schema}".${table} t WHERE tenant_id = $1 AND t::text ~* $2`, [tenantId, `lacks|hopkins\\.example|private\\.example|2125550100|4155552671|hospital way`]);
      expect({ table, hits: hits.length }).toEqual({ table, hits: 0 });
    }

    // Search no longer finds it; the bystander with the same first name still is.
    for (const search of [PII.first, PII.last, PII.email, 'hl@private', '2125550100', '(415) 555-2671', 'hopkins labs']) {
      const r = dataOf(await gql(Q.list, { first: 50, filter: { search } })).contacts;
      expect({ search, ids: r.edges.map((e: any) => e.node.id) }).toEqual({ search, ids: search === PII.first ? [bystander.id] : [] });
    }
    expect(dataOf(await gql(Q.list, { first: 50 })).contacts.edges.map((e: any) => e.node.id)).toEqual([bystander.id]);

    const ev = await expectEvent(rec, { type: EVENT.erased, subject: c.id, tenantId });
    expect(Object.keys(ev.data).sort()).toEqual(['contactId', 'erasedAt']);
    expect(ev.data.contactId).toBe(c.id);
    expect(new Date(ev.data.erasedAt).getTime()).toBe(row.erased_at.getTime());
    const raw = rec.events.find((e) => e.event?.type === EVENT.erased && e.event.subject === c.id)!.raw;
    for (const secret of [PII.first, PII.last, PII.email.toLowerCase(), PII.other, '2125550100', '4155552671', 'Baltimore', 'Hela', 'Hopkins']) {
      expect(raw.toLowerCase()).not.toContain(secret.toLowerCase());
    }

    // The export after erasure holds nothing personal either.
    const doc = JSON.parse(dataOf(await gql(Q.exportData, { id: c.id })).exportContactData);
    expect(doc).toMatchObject({ contact: { first_name: null, last_name: null, display_name: 'Erased contact' }, emails: [], phones: [], consents: [], interactions: [] });
    expect(doc.contact.erased_at).toEqual(expect.any(String));

    // Erasing again is a no-op (no second event); changing it is refused; its email is free again.
    expect(dataOf(await gql(Q.erase, { id: c.id })).eraseContact.contactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await h.outboxCount(tenantId, EVENT.erased)).toBe(1);
    expectError(await gql(Q.update, { id: c.id, i: { firstName: 'Back' } }), 'BAD_USER_INPUT', /was erased/);
    expectError(await gql(Q.logInteraction, { i: { contactId: c.id, kind: 'NOTE', summary: 'x' } }), 'BAD_USER_INPUT', /was erased/);
    expectError(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true } }), 'BAD_USER_INPUT', /was erased/);
    const fresh = dataOf(await gql(Q.create, { i: { email: PII.email } })).createContact;
    expect(fresh.id).not.toBe(c.id);
  });

  it('the dpo role may erase; erasing a survivor also erases what was merged into it and the merge snapshots', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const s = dataOf(await gql(Q.create, { i: { firstName: 'Survivor', email: 'survivor@example.com' } })).createContact;
    const d = dataOf(await gql(Q.create, { i: { firstName: 'Duplicate', lastName: 'Person', email: 'duplicate@example.com', phone: '+1 202 555 0143' } })).createContact;
    dataOf(await gql(Q.merge, { s: s.id, d: d.id }));

    expect(dataOf(await h.client({ tenantId, roles: ['dpo'] })(Q.erase, { id: s.id })).eraseContact.contactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(dataOf(await gql(Q.contact, { id: d.id })).contact).toMatchObject({ erased: true, mergedIntoId: s.id, emails: [], phones: [] });
    const [merge] = await h.sql(`SELECT duplicate_snapshot FROM "${h.schema}".contact_merges WHERE duplicate_id = $1`, [d.id]);
    expect(merge.duplicate_snapshot).toBeNull();
    const doc = JSON.parse(dataOf(await gql(Q.exportData, { id: s.id })).exportContactData);
    expect(doc.merges).toEqual([expect.objectContaining({ survivor_id: s.id, duplicate_id: d.id, duplicate_snapshot: null })]);
    expect(JSON.stringify(doc)).not.toMatch(/duplicate@example\.com|Duplicate|2025550143/);
    await expectEvent(rec, { type: EVENT.erased, subject: s.id, tenantId });
  });

  it('erasing an unknown id → NOT_FOUND, a malformed id → BAD_USER_INPUT, another tenant’s contact → NOT_FOUND', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    expectError(await gql(Q.erase, { id: UNKNOWN_ID }), 'NOT_FOUND', new RegExp(UNKNOWN_ID));
    expectError(await gql(Q.erase, { id: 'not-a-contact' }), 'BAD_USER_INPUT', /id/);
    const other = dataOf(await h.client()(Q.create, { i: { firstName: 'Elsewhere' } })).createContact;
    expectError(await gql(Q.erase, { id: other.id }), 'NOT_FOUND');
    expect((await h.footprint(tenantId)).outbox).toBe(0);
  });
});
