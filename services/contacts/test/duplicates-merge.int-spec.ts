import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, eventsOf, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const UNKNOWN_ID = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11';

describe('duplicate detection and merge', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const create = async (gql: Gql, input: Record<string, unknown>) => dataOf(await gql(Q.create, { i: input })).createContact;
  const read = async (gql: Gql, id: string) => dataOf(await gql(Q.contact, { id })).contact;

  describe('duplicate detection', () => {
    const tenantId = uniqueTenant();
    let gql: Gql;
    let existing: any;
    let before: Record<string, number>;

    beforeAll(async () => {
      gql = h.client({ tenantId });
      existing = await create(gql, { firstName: 'Linus', lastName: 'Torvalds', email: 'Linus@Kernel.example', phone: '+1 415 555 2671' });
      before = await h.footprint(tenantId);
    });

    afterEach(async () => {
      // Whatever a refused call tried, nothing of it was written (rows, outbox events).
      expect(await h.footprint(tenantId)).toEqual(before);
    });

    it.each([
      ['the same email in another case with whitespace', { firstName: 'L', email: '  linus@KERNEL.example ' }, 'email', /email linus@kernel\.example already exists/],
      ['the same phone in another format', { firstName: 'L', phone: '(415) 555-2671' }, 'phone', /phone \+14155552671 already exists/],
      ['the same phone as 415.555.2671 with phoneCountry', { firstName: 'L', phone: '415.555.2671', phoneCountry: 'us' }, 'phone', /phone \+14155552671/],
      ['the email among otherEmails', { firstName: 'L', email: 'new@example.com', otherEmails: ['LINUS@kernel.example'] }, 'email', /linus@kernel\.example/],
      ['the phone among otherPhones', { firstName: 'L', otherPhones: ['+1-415-555-2671'] }, 'phone', /\+14155552671/],
    ])('createContact with %s → CONFLICT naming the existing contact', async (_what, input, field, message) => {
      const r = await gql(Q.create, { i: input });
      const err = expectError(r, 'CONFLICT', message);
      expect(err.extensions).toMatchObject({ existingContactId: existing.id, field });
      expect(err.message).toContain(existing.id);
      expect(r.data).toBeNull();
    });

    it('updateContact to an email or phone of another contact → CONFLICT, the other contact is unchanged', async () => {
      const other = await create(gql, { firstName: 'Other', email: 'other@example.com' });
      before = await h.footprint(tenantId);
      const byEmail = expectError(await gql(Q.update, { id: other.id, i: { email: 'LINUS@kernel.example ' } }), 'CONFLICT');
      expect(byEmail.extensions?.existingContactId).toBe(existing.id);
      const byPhone = expectError(await gql(Q.update, { id: other.id, i: { phone: '+14155552671', firstName: 'Changed' } }), 'CONFLICT');
      expect(byPhone.extensions?.existingContactId).toBe(existing.id);
      expect(await read(gql, other.id)).toMatchObject({ firstName: 'Other', email: 'other@example.com', phone: null, version: 1 });
      // Setting its own email again (other case) is no conflict.
      const own = dataOf(await gql(Q.update, { id: existing.id, i: { email: 'LINUS@kernel.example' } })).updateContact;
      expect(own.emails).toEqual([{ email: 'LINUS@kernel.example', primary: true }]);
      before = await h.footprint(tenantId);
    });

    it('no event reaches Kafka for a refused duplicate', async () => {
      await create(h.client({ tenantId }), { firstName: 'Marker', email: 'marker@example.com' });
      // Wait for the event of every contact that exists; then the topic holds exactly those, none for the refused calls.
      const rows = await h.sql<{ id: string }>(`SELECT id FROM "${h.schema}".contacts WHERE tenant_id = $1`, [tenantId]);
      for (const { id } of rows) await expectEvent(rec, { type: EVENT.created, subject: id, tenantId });
      expect(eventsOf(rec, tenantId, EVENT.created).map((e) => e.subject).sort()).toEqual(rows.map((r) => r.id).sort());
      expect(await h.outboxCount(tenantId, EVENT.created)).toBe(rows.length);
      before = await h.footprint(tenantId);
    });

    it('the same email and phone in another tenant is not a duplicate', async () => {
      const otherTenant = uniqueTenant();
      const c = await create(h.client({ tenantId: otherTenant }), { firstName: 'Linus', email: 'linus@kernel.example', phone: '(415) 555-2671' });
      expect(c.id).not.toBe(existing.id);
      expect(c.phone).toBe('+14155552671');
    });
  });

  describe('merge', () => {
    it("moves the duplicate's emails, phones, consents, timeline, tags and company to the survivor and emits contact.merged", async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId, userId: 'merger-1' });
      const company = dataOf(await gql(Q.createCompany, { i: { name: 'Smith & Co' } })).createCompany;
      const s = await create(gql, { firstName: 'Sam', email: 'sam@example.com', phone: '+1 212 555 0100', tags: ['a', 'b'], preferredChannels: ['EMAIL'] });
      const d = await create(gql, {
        firstName: 'Samuel', lastName: 'Smith', email: 'samuel.smith@example.com', otherEmails: ['ss@work.example'], phone: '+1 202 555 0143',
        tags: ['b', 'c'], preferredChannels: ['SMS', 'EMAIL'], companyId: company.id, lifecycleStage: 'customer',
      });
      await gql(Q.setConsent, { i: { contactId: s.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT' } });
      await gql(Q.setConsent, { i: { contactId: d.id, channel: 'SMS', granted: true, legalBasis: 'CONTRACT' } });
      // Recorded later than the survivor's grant: the withdrawal wins after the merge.
      await gql(Q.setConsent, { i: { contactId: d.id, channel: 'EMAIL', granted: false } });
      for (const [id, summary] of [[s.id, 's1'], [s.id, 's2'], [d.id, 'd1']]) {
        dataOf(await gql(Q.logInteraction, { i: { contactId: id, kind: 'NOTE', summary } }));
      }
      const sBefore = await read(gql, s.id);

      const merged = dataOf(await gql(Q.merge, { s: s.id, d: d.id })).mergeContacts;
      expect(merged).toMatchObject({
        id: s.id,
        firstName: 'Sam',
        lastName: 'Smith',
        displayName: 'Sam Smith',
        email: 'sam@example.com',
        phone: '+12125550100',
        company: { id: company.id, name: 'Smith & Co' },
        lifecycleStage: 'customer',
        tags: ['a', 'b', 'c'],
        preferredChannels: ['EMAIL', 'SMS'],
        mergedIntoId: null,
        version: sBefore.version + 1,
      });
      expect(merged.emails).toEqual([
        { email: 'sam@example.com', primary: true },
        { email: 'samuel.smith@example.com', primary: false },
        { email: 'ss@work.example', primary: false },
      ]);
      expect(merged.phones.map((p: any) => [p.e164, p.primary])).toEqual([
        ['+12125550100', true],
        ['+12025550143', false],
      ]);
      expect(merged.consents.map((k: any) => [k.channel, k.granted])).toEqual([
        ['EMAIL', false],
        ['SMS', true],
      ]);
      expect(await read(gql, s.id)).toEqual(merged);
      const timeline = dataOf(await gql(Q.timeline, { id: s.id, first: 10 })).contact.timelineEntries;
      expect(timeline.totalCount).toBe(3);
      expect(timeline.edges.map((x: any) => x.node.summary).sort()).toEqual(['d1', 's1', 's2']);

      const dup = await read(gql, d.id);
      expect(dup).toMatchObject({ id: d.id, mergedIntoId: s.id, erased: false, emails: [], phones: [], consents: [], tags: [], firstName: null });
      expect(dup.displayName).toBe(`Merged into ${merged.displayName}`);
      expect(dataOf(await gql(Q.timeline, { id: d.id, first: 10 })).contact.timelineEntries.totalCount).toBe(0);
      // Lists show the survivor only; the duplicate's address finds the survivor.
      const list = dataOf(await gql(Q.list, { first: 50 })).contacts;
      expect(list.edges.map((e: any) => e.node.id)).toEqual([s.id]);
      expect(dataOf(await gql(Q.list, { filter: { search: 'samuel.smith@example.com' } })).contacts.edges.map((e: any) => e.node.id)).toEqual([s.id]);

      const ev = await expectEvent(rec, { type: EVENT.merged, subject: s.id, tenantId });
      expect(ev.data).toMatchObject({ survivorId: s.id, duplicateId: d.id });
      expect(ev.data.survivor).toMatchObject({ contactId: s.id, version: merged.version, lastName: 'Smith', tags: ['a', 'b', 'c'], companyId: company.id });
      expect(ev.data.survivor.emails.map((e: any) => e.email).sort()).toEqual(['sam@example.com', 'samuel.smith@example.com', 'ss@work.example']);

      // The duplicate's old email is now the survivor's: a new contact with it conflicts with the survivor.
      const again = expectError(await gql(Q.create, { i: { email: 'SAMUEL.smith@example.com' } }), 'CONFLICT');
      expect(again.extensions?.existingContactId).toBe(s.id);
      // Interactions logged on the duplicate land on the survivor.
      const late = dataOf(await gql(Q.logInteraction, { i: { contactId: d.id, kind: 'CALL', summary: 'late call' } })).logInteraction;
      await expectEvent(rec, { type: EVENT.interaction, subject: s.id, tenantId, where: (x) => x.interactionId === late.id && x.contactId === s.id });
      expect(dataOf(await gql(Q.timeline, { id: s.id, first: 10 })).contact.timelineEntries.totalCount).toBe(4);

      // Merge history is part of the GDPR export of both.
      const exp = JSON.parse(dataOf(await gql(Q.exportData, { id: s.id })).exportContactData);
      expect(exp.merges).toEqual([
        expect.objectContaining({
          survivor_id: s.id,
          duplicate_id: d.id,
          merged_by: 'merger-1',
          duplicate_snapshot: expect.objectContaining({ contactId: d.id, firstName: 'Samuel', lastName: 'Smith', emails: expect.arrayContaining([{ email: 'samuel.smith@example.com', primary: true }]) }),
        }),
      ]);
      const expDup = JSON.parse(dataOf(await gql(Q.exportData, { id: d.id })).exportContactData);
      expect(expDup.contact).toMatchObject({ id: d.id, merged_into: s.id });
      expect(expDup.merges).toEqual([expect.objectContaining({ survivor_id: s.id, duplicate_id: d.id })]);
    });

    it('refuses merging again, into itself, unknown or malformed ids, and changing a merged contact — with clear errors and no writes', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const a = await create(gql, { firstName: 'A', email: 'a@example.com' });
      const b = await create(gql, { firstName: 'B', email: 'b@example.com' });
      dataOf(await gql(Q.merge, { s: a.id, d: b.id }));
      const before = await h.footprint(tenantId);

      const twice = expectError(await gql(Q.merge, { s: a.id, d: b.id }), 'BAD_USER_INPUT', new RegExp(`${b.id} was merged into ${a.id}`));
      expect(twice.extensions?.mergedIntoId).toBe(a.id);
      expectError(await gql(Q.merge, { s: b.id, d: a.id }), 'BAD_USER_INPUT', /was merged into/);
      expectError(await gql(Q.merge, { s: a.id, d: a.id }), 'BAD_USER_INPUT', /same contact/);
      expectError(await gql(Q.merge, { s: a.id, d: UNKNOWN_ID }), 'NOT_FOUND', new RegExp(UNKNOWN_ID));
      expectError(await gql(Q.merge, { s: 'not-an-id', d: a.id }), 'BAD_USER_INPUT', /survivorId/);
      expectError(await gql(Q.merge, { s: a.id, d: 'nope' }), 'BAD_USER_INPUT', /duplicateId/);
      expectError(await gql(Q.update, { id: b.id, i: { firstName: 'Zombie' } }), 'BAD_USER_INPUT', /was merged into/);
      expectError(await gql(Q.setConsent, { i: { contactId: b.id, channel: 'EMAIL', granted: true } }), 'BAD_USER_INPUT', /was merged into/);
      expect(await h.footprint(tenantId)).toEqual(before);
      expect(await h.outboxCount(tenantId, EVENT.merged)).toBe(1);
    });

    it('a chain of merges points every tombstone at the final survivor', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const [x, y, z] = [await create(gql, { firstName: 'X' }), await create(gql, { firstName: 'Y' }), await create(gql, { firstName: 'Z', tags: ['z'] })];
      dataOf(await gql(Q.merge, { s: y.id, d: z.id }));
      const final = dataOf(await gql(Q.merge, { s: x.id, d: y.id })).mergeContacts;
      expect(final.tags).toEqual(['z']);
      expect((await read(gql, z.id)).mergedIntoId).toBe(x.id);
      expect((await read(gql, y.id)).mergedIntoId).toBe(x.id);
      const exp = JSON.parse(dataOf(await gql(Q.exportData, { id: x.id })).exportContactData);
      expect(exp.merges.map((m: any) => [m.survivor_id, m.duplicate_id]).sort()).toEqual([[x.id, y.id], [x.id, z.id]].sort());
    });
  });
});
