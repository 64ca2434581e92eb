import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { envelope, exampleCapture, FormSubmittedV1, MessageOpenedV1, topicName, UnsubscribedV1, type CloudEvent, type EventData, type LeadCapture } from '@crm/events';
import { dataOf, eventually, kafkaBrokers, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectEvent, startContacts, type Gql, type Harness } from './harness';

const CARD = `query($id: ID!) { contact(id: $id) { id firstName lastName displayName email phone tags lifecycleStage preferredChannels mergedIntoId erased version
  emails { email primary } phones { e164 primary } company { name } addresses { country } customFields { key value }
  source { leadSource source medium campaign term content keyword }
  consents { channel granted legalBasis source }
  consentHistory { channel granted legalBasis source wording recordedBy }
  timelineEntries(first: 20) { edges { node { kind summary sourceModule } } } } }`;

/**
 * What contacts does with marketing's events, each published on the (per-file) marketing topic by a
 * real Kafka producer as the marketing service would: an unsubscribe or complaint withdraws consent,
 * a form submission (a lead capture) creates or updates the contact, a message event lands on the
 * timeline.
 */
describe('marketing events in contacts (real Kafka + Postgres)', () => {
  let h: Harness;
  let rec: TopicRecorder;
  let producer: Producer;
  let marketingTopic: string;

  beforeAll(async () => {
    h = await startContacts();
    rec = await h.recorder();
    marketingTopic = topicName('marketing', h.topicPrefix);
    producer = new Kafka({ clientId: 'marketing-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await rec?.stop();
    await h?.stop();
  });

  const publish = async (ev: CloudEvent) => {
    await producer.send({ topic: marketingTopic, acks: -1, messages: [{ key: ev.subject ?? null, value: JSON.stringify(ev) }] });
  };
  const marketingEvent = <T>(tenantId: string, type: string, subject: string, data: T) => envelope({ type, subject, data, tenantId, source: 'crm/marketing' });
  const handled = (eventId: string, consumer: string) =>
    eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".inbox WHERE event_id = $1 AND consumer = $2`, [eventId, consumer])).length === 1, 30000, `event ${eventId} handled by ${consumer}`);
  const card = async (gql: Gql, id: string) => dataOf(await gql(CARD, { id })).contact;
  const historyRows = async (tenantId: string) => (await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".consent_history WHERE tenant_id = $1`, [tenantId]))[0].n;

  const unsubscribed = (tenantId: string, contactId: string, over: Partial<EventData<typeof UnsubscribedV1>> = {}) =>
    marketingEvent(tenantId, UnsubscribedV1.type, contactId, {
      ...UnsubscribedV1.example, contactId, channel: 'email' as const, reason: 'unsubscribe' as const,
      campaignId: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e', campaignName: 'Spring newsletter', messageId: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', unsubscribedAt: '2026-04-01T10:20:00.000Z',
      ...over,
    });
  const submitted = (tenantId: string, capture: Partial<LeadCapture>, formName = 'Webinar sign-up') => {
    const data: EventData<typeof FormSubmittedV1> = { submissionId: randomUUID(), formId: randomUUID(), formName, capture: { ...exampleCapture, contactId: randomUUID(), ...capture } };
    return marketingEvent(tenantId, FormSubmittedV1.type, data.submissionId, data);
  };

  describe('unsubscribe and complaint → consent withdrawn in contacts', () => {
    it('records a withdrawn email consent with marketing as its source and the campaign, and emits contact.updated with the new snapshot; a redelivery adds nothing', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const c = dataOf(await gql(Q.create, { i: { firstName: 'Una', lastName: 'Subscribe', email: 'una@example.com', preferredChannels: ['EMAIL', 'SMS'] } })).createContact;
      dataOf(await gql(Q.setConsent, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'signup' } }));
      const e = unsubscribed(tenantId, c.id);
      await publish(e);
      await publish(e); // the same event again (a redelivery)
      // Same key, so the same partition, after the copy: once it is handled, so is the copy. (About a contact contacts does not know: ignored.)
      const marker = { ...unsubscribed(tenantId, randomUUID()), subject: c.id };
      await publish(marker);
      await handled(marker.id, 'contacts.marketing-consent');
      await handled(e.id, 'contacts.marketing-consent');

      const after = await card(gql, c.id);
      expect(after.consents).toEqual([{ channel: 'EMAIL', granted: false, legalBasis: null, source: 'marketing: unsubscribe, campaign “Spring newsletter” (5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e)' }]);
      expect(after.consentHistory).toEqual([
        {
          channel: 'EMAIL', granted: false, legalBasis: null, source: 'marketing: unsubscribe, campaign “Spring newsletter” (5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e)',
          wording: 'Unsubscribed from email at 2026-04-01T10:20:00.000Z (message 9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f)', recordedBy: 'module:marketing',
        },
        { channel: 'EMAIL', granted: true, legalBasis: 'consent', source: 'signup', wording: null, recordedBy: 'user-1' },
      ]);
      // create (1) + setConsent (2) + the withdrawal (3): one new version, whatever the redelivery.
      expect(after.version).toBe(3);
      const updated = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d: any) => d.version === 3 });
      expect(updated.data).toMatchObject({ changed: ['consents'], consents: [{ channel: 'email', status: 'withdrawn', legalBasis: null }] });
      expect(await h.sql(`SELECT source_event_id FROM "${h.schema}".consent_history WHERE tenant_id = $1 AND source_event_id IS NOT NULL`, [tenantId])).toEqual([{ source_event_id: e.id }]);
      // The unsubscribe also shows on the timeline (the contract's timeline entry).
      expect(after.timelineEntries.edges.map((x: any) => x.node)).toEqual([{ kind: 'campaign', summary: 'Unsubscribed from email (campaign “Spring newsletter”)', sourceModule: 'marketing' }]);
    });

    it('a complaint about a merged contact withdraws the survivor\'s consent; one about an erased contact records nothing', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const survivor = dataOf(await gql(Q.create, { i: { firstName: 'Sur', email: 'sur@example.com' } })).createContact;
      const dup = dataOf(await gql(Q.create, { i: { firstName: 'Dup', phone: '+14155550101' } })).createContact;
      dataOf(await gql(Q.merge, { s: survivor.id, d: dup.id }));
      const gone = dataOf(await gql(Q.create, { i: { firstName: 'Gone', email: 'gone@example.com' } })).createContact;
      dataOf(await gql(Q.erase, { id: gone.id }));
      const before = await historyRows(tenantId);

      const complaint = unsubscribed(tenantId, dup.id, { channel: 'sms', reason: 'complaint', campaignName: null, campaignId: null, messageId: null });
      const erased = unsubscribed(tenantId, gone.id);
      await publish(erased);
      await publish(complaint);
      await handled(erased.id, 'contacts.marketing-consent');
      await handled(complaint.id, 'contacts.marketing-consent');

      const onSurvivor = await card(gql, survivor.id);
      // The current state is the survivor's own (history would also list records of the merged contact).
      expect(onSurvivor.consents).toEqual([{ channel: 'SMS', granted: false, legalBasis: null, source: 'marketing: complaint' }]);
      await expectEvent(rec, { type: EVENT.updated, subject: survivor.id, tenantId, where: (d: any) => d.consents.some((k: any) => k.channel === 'sms' && k.status === 'withdrawn') });
      expect(onSurvivor.consentHistory).toEqual([
        { channel: 'SMS', granted: false, legalBasis: null, source: 'marketing: complaint', wording: 'Reported a sms message as spam at 2026-04-01T10:20:00.000Z', recordedBy: 'module:marketing' },
      ]);
      expect(await historyRows(tenantId)).toBe(before + 1);
      expect(await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".consents WHERE contact_id = $1`, [gone.id])).toEqual([{ n: 0 }]);
    });
  });

  describe('form submitted (lead capture) → contact created or updated', () => {
    it('creates the contact under the proposed id with consent wording and basis, UTM source, a defined custom field, tags, country; unknown custom fields are ignored', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      dataOf(await gql(Q.defineField, { i: { key: 'seats', label: 'Seats', type: 'NUMBER' } }));
      const e = submitted(tenantId, {
        email: 'Grace.Hopper@Example.com', phone: null, firstName: 'Grace', lastName: 'Hopper', companyName: 'Navy', country: 'us',
        customFields: { seats: '12', favouriteColour: 'blue' }, tags: ['webinar-2026'],
        consents: [{ channel: 'email', status: 'granted', legalBasis: 'consent', text: 'Send me the newsletter. I can unsubscribe at any time.', recordedAt: '2026-04-01T09:00:00.000Z' }],
        attribution: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026', term: 'open source crm', content: null, keyword: 'open source crm' },
      });
      const proposed = e.data.capture.contactId;
      await publish(e);
      await handled(e.id, 'contacts.lead-capture');

      const c = await card(gql, proposed);
      expect(c).toMatchObject({
        id: proposed, firstName: 'Grace', lastName: 'Hopper', displayName: 'Grace Hopper', email: 'Grace.Hopper@Example.com', tags: ['webinar-2026'],
        lifecycleStage: 'lead', preferredChannels: ['EMAIL'], company: { name: 'Navy' }, addresses: [{ country: 'US' }],
        customFields: [{ key: 'seats', value: '12' }],
        source: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026', term: 'open source crm', content: null, keyword: 'open source crm' },
        consents: [{ channel: 'EMAIL', granted: true, legalBasis: 'consent', source: `marketing: form “Webinar sign-up” (submission ${e.data.submissionId})` }],
        consentHistory: [{
          channel: 'EMAIL', granted: true, legalBasis: 'consent', source: `marketing: form “Webinar sign-up” (submission ${e.data.submissionId})`,
          wording: 'Send me the newsletter. I can unsubscribe at any time.', recordedBy: 'module:marketing',
        }],
        timelineEntries: { edges: [{ node: { kind: 'form', summary: 'Submitted the form “Webinar sign-up”', sourceModule: 'marketing' } }] },
      });
      const created = await expectEvent(rec, { type: EVENT.created, subject: proposed, tenantId });
      expect(created.data).toMatchObject({
        version: 1, emails: [{ email: 'grace.hopper@example.com', primary: true }], country: 'US', customFields: { seats: 12 },
        consents: [{ channel: 'email', status: 'granted', legalBasis: 'consent' }],
      });
      // The company it named was created and announced like createCompany's.
      const [company] = await h.sql(`SELECT id, name FROM "${h.schema}".companies WHERE tenant_id = $1`, [tenantId]);
      expect(company.name).toBe('Navy');
      await expectEvent(rec, { type: EVENT.company, subject: company.id, tenantId });
    });

    it('a second capture with the same email in another case updates that contact: gaps filled, tags added, first touch kept, consent recorded again; no duplicate', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const first = submitted(tenantId, { email: 'lin@example.com', firstName: null, lastName: 'Lin', tags: ['ebook'], customFields: {}, companyName: null, country: null });
      await publish(first);
      await handled(first.id, 'contacts.lead-capture');
      const id = first.data.capture.contactId;
      const second = submitted(
        tenantId,
        {
          email: '  LIN@Example.COM ', firstName: 'Mei', lastName: 'Someone Else', tags: ['webinar', 'ebook'], customFields: {}, companyName: null, country: null,
          consents: [
            { channel: 'email', status: 'granted', legalBasis: 'consent', text: 'Email me about webinars.', recordedAt: '2026-05-01T09:00:00.000Z' },
            { channel: 'sms', status: 'granted', legalBasis: 'consent', text: 'Text me reminders.', recordedAt: '2026-05-01T09:00:00.000Z' },
          ],
          attribution: { leadSource: 'web-form', source: 'newsletter', medium: 'email', campaign: 'may', term: null, content: null, keyword: null },
        },
        'Webinar reminder',
      );
      await publish(second);
      await handled(second.id, 'contacts.lead-capture');

      expect(await h.count('contacts', tenantId)).toBe(1);
      const c = await card(gql, id);
      expect(c).toMatchObject({
        firstName: 'Mei', lastName: 'Lin', tags: ['ebook', 'webinar'], preferredChannels: ['EMAIL', 'SMS'], emails: [{ email: 'lin@example.com', primary: true }],
        source: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026' },
      });
      expect(c.consentHistory.map((k: any) => [k.channel, k.wording])).toEqual(
        expect.arrayContaining([['EMAIL', 'Email me about webinars.'], ['SMS', 'Text me reminders.'], ['EMAIL', 'Send me the newsletter. I can unsubscribe at any time.']]),
      );
      expect(c.consentHistory).toHaveLength(3);
      // The second submission's proposed id stays unused.
      expect(await h.sql(`SELECT 1 FROM "${h.schema}".contacts WHERE id = $1`, [second.data.capture.contactId])).toEqual([]);
      const updated = await expectEvent(rec, { type: EVENT.updated, subject: id, tenantId });
      expect(updated.data).toMatchObject({ version: 2, changed: ['firstName', 'tags', 'preferredChannels', 'consents'] });
      // Its timeline entry is on the contact it landed on.
      expect(c.timelineEntries.edges.map((x: any) => x.node.summary)).toEqual(expect.arrayContaining(['Submitted the form “Webinar reminder”', 'Submitted the form “Webinar sign-up”']));
    });

    it('a capture with only a phone finds the contact holding that phone (written differently)', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const c = dataOf(await gql(Q.create, { i: { firstName: 'Phoebe', phone: '+44 20 7183 8750' } })).createContact;
      const e = submitted(tenantId, { email: null, phone: '020 7183 8750', country: 'GB', firstName: 'Ignored', lastName: 'Phone', tags: ['callback'], companyName: null, customFields: {}, consents: [] });
      await publish(e);
      await handled(e.id, 'contacts.lead-capture');
      expect(await h.count('contacts', tenantId)).toBe(1);
      expect(await card(gql, c.id)).toMatchObject({ firstName: 'Phoebe', lastName: 'Phone', tags: ['callback'], phones: [{ e164: '+442071838750', primary: true }], addresses: [{ country: 'GB' }] });
    });

    it('never revives an erased contact: its proposed id is ignored, and its old email makes a new, unrelated contact', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const old = dataOf(await gql(Q.create, { i: { firstName: 'Eve', email: 'eve@example.com', tags: ['old-tag'] } })).createContact;
      dataOf(await gql(Q.erase, { id: old.id }));

      const racing = submitted(tenantId, { contactId: old.id, email: 'eve@example.com', firstName: 'Eve', tags: ['new'] });
      await publish(racing);
      await handled(racing.id, 'contacts.lead-capture');
      const erased = await card(gql, old.id);
      expect(erased).toMatchObject({ erased: true, firstName: null, email: null, tags: [], consents: [], consentHistory: [], timelineEntries: { edges: [] } });
      expect(await h.count('contacts', tenantId)).toBe(1);

      const later = submitted(tenantId, { email: 'eve@example.com', firstName: 'Eve', tags: ['new'], customFields: {}, companyName: null });
      await publish(later);
      await handled(later.id, 'contacts.lead-capture');
      const fresh = await card(gql, later.data.capture.contactId);
      expect(fresh).toMatchObject({ erased: false, email: 'eve@example.com', tags: ['new'] });
      expect(fresh.consentHistory).toHaveLength(1);
      expect((await card(gql, old.id)).email).toBeNull();
    });

    it('an archived contact matched by email is filled in and keeps its consent evidence, and stays archived', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const c = dataOf(await gql(Q.create, { i: { lastName: 'Shelved', email: 'shelved@example.com' } })).createContact;
      dataOf(await gql(`mutation($id: ID!) { archiveContact(id: $id) { id } }`, { id: c.id }));
      const e = submitted(tenantId, { email: 'shelved@example.com', firstName: 'Sheila', tags: ['back'], customFields: {}, companyName: null });
      await publish(e);
      await handled(e.id, 'contacts.lead-capture');
      expect(await card(gql, c.id)).toMatchObject({ firstName: 'Sheila', tags: ['back'], consents: [{ channel: 'EMAIL', granted: true }] });
      expect(await h.sql(`SELECT archived_at IS NOT NULL AS archived FROM "${h.schema}".contacts WHERE id = $1`, [c.id])).toEqual([{ archived: true }]);
    });

    it('a redelivered submission applies once: one contact, one consent record, one timeline entry', async () => {
      const tenantId = uniqueTenant();
      const gql = h.client({ tenantId });
      const e = submitted(tenantId, { email: 'twice@example.com', customFields: {}, companyName: null });
      await publish(e);
      await publish(e);
      // Same key as the copies (same partition, after them): once it is handled, so are they.
      const marker = { ...submitted(tenantId, { email: 'marker@example.com', customFields: {}, companyName: null, consents: [] }), subject: e.subject };
      await publish(marker);
      await handled(marker.id, 'contacts.lead-capture');
      await handled(e.id, 'contacts.lead-capture');
      expect(await h.count('contacts', tenantId)).toBe(2);
      expect(await historyRows(tenantId)).toBe(1);
      expect((await card(gql, e.data.capture.contactId)).timelineEntries.edges).toHaveLength(1);
    });

    it('the capture applies even when the inbox no longer knows the event (retention): the consent record of the event is the second guard', async () => {
      const tenantId = uniqueTenant();
      const e = submitted(tenantId, { email: 'purged@example.com', customFields: {}, companyName: null });
      await publish(e);
      await handled(e.id, 'contacts.lead-capture');
      await h.sql(`DELETE FROM "${h.schema}".inbox WHERE event_id = $1`, [e.id]);
      await publish(e);
      await handled(e.id, 'contacts.lead-capture');
      // The replayed copy found the contact (proposed id) and its consent record, and left both as they were.
      expect(await historyRows(tenantId)).toBe(1);
      expect(await h.sql(`SELECT version FROM "${h.schema}".contacts WHERE tenant_id = $1`, [tenantId])).toEqual([{ version: 1 }]);
    });
  });

  it('a message opened on the marketing topic lands on the contact\'s timeline', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Otto', email: 'otto@example.com' } })).createContact;
    const data: EventData<typeof MessageOpenedV1> = { ...MessageOpenedV1.example, messageId: randomUUID(), contactId: c.id, campaignName: 'Autumn sale' };
    const e = marketingEvent(tenantId, MessageOpenedV1.type, data.messageId, data);
    await publish(e);
    await handled(e.id, 'contacts.timeline');
    expect((await card(gql, c.id)).timelineEntries.edges.map((x: any) => x.node)).toEqual([{ kind: 'campaign', summary: 'Opened campaign “Autumn sale”', sourceModule: 'marketing' }]);
  });
});
