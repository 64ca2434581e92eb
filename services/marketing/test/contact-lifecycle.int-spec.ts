import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { startMarketing, type Harness } from './harness';

/**
 * A contact merge or erasure arrives as a contact event on Kafka and reaches every marketing context
 * through ContactLifecycle, in the transaction that applies the event: list memberships, campaign
 * messages and their delivery rows follow the survivor; an erasure removes the person's data here
 * while the campaign's counts stay. (Each context's own rules are tested with it; this pins the wiring.)
 */
describe('marketing: contact merge and erasure reach every context', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startMarketing();
  });
  afterAll(async () => h?.stop());

  const rowsOf = async (table: string, tenantId: string, contactId: string) =>
    (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".${table} WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]))[0].n;

  it('a merge moves list membership and campaign messages to the survivor; an erasure blanks the messages and removes the person', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const consent = [{ channel: 'email' as const, status: 'granted' as const, legalBasis: 'consent', recordedAt: '2026-01-01T00:00:00.000Z' }];
    const survivor = await h.contact(tenantId, { firstName: 'Ada', displayName: 'Ada', emails: [{ email: 'ada@example.com', primary: true }], preferredChannels: ['email'], consents: consent });
    const duplicate = await h.contact(tenantId, { firstName: 'A.', displayName: 'A.', emails: [{ email: 'a.lovelace@example.com', primary: true }], preferredChannels: ['email'], consents: consent });

    const list = dataOf(await gql(`mutation { createSegment(input: { name: "VIP", kind: STATIC }) { id } }`)).createSegment;
    dataOf(await gql(`mutation($id: ID!, $c: [ID!]!) { addToList(id: $id, contactIds: $c) { size } }`, { id: list.id, c: [duplicate.contactId] }));
    const campaign = dataOf(
      await gql(`mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }`, {
        i: { name: 'Hello', includeSegmentIds: [list.id], channels: ['EMAIL'], email: { subject: 'Hi {{firstName}}', html: '<p>Hi {{firstName}}</p>', text: 'Hi {{firstName}}' } },
      }),
    ).createCampaign;
    dataOf(await gql(`mutation($id: ID!) { scheduleCampaign(id: $id) { status } }`, { id: campaign.id }));
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".campaign_messages WHERE tenant_id = $1 AND contact_id = $2 AND status = 'sent'`, [tenantId, duplicate.contactId])).length === 1, 30000, 'the message sent');
    expect(await rowsOf('delivery_messages', tenantId, duplicate.contactId)).toBe(1);

    await h.merge(tenantId, survivor, duplicate.contactId);
    // Everything of the duplicate is the survivor's now, in every context.
    expect(await rowsOf('segment_members', tenantId, duplicate.contactId)).toBe(0);
    expect(await rowsOf('campaign_messages', tenantId, duplicate.contactId)).toBe(0);
    expect(await rowsOf('delivery_messages', tenantId, duplicate.contactId)).toBe(0);
    const card = await gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { segments { id } campaignMessages(first: 5) { edges { node { status channel } } } } } }`, {
      r: [{ __typename: 'Contact', id: survivor.contactId }],
    });
    expect(dataOf(card)._entities).toEqual([{ segments: [{ id: list.id }], campaignMessages: { edges: [{ node: { status: 'SENT', channel: 'EMAIL' } }] } }]);

    await h.erase(tenantId, survivor.contactId);
    expect(await rowsOf('segment_members', tenantId, survivor.contactId)).toBe(0);
    expect(await rowsOf('delivery_messages', tenantId, survivor.contactId)).toBe(0);
    // The message row stays for the campaign's counts, without the address or the body it was sent with.
    expect(await h.sql(`SELECT status, address, subject, body_text, body_html FROM "${h.schema}".campaign_messages WHERE tenant_id = $1 AND campaign_id = $2`, [tenantId, campaign.id])).toEqual([
      { status: 'sent', address: null, subject: null, body_text: null, body_html: null },
    ]);
    const stats = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { stats { sent } } }`, { id: campaign.id })).campaign.stats;
    expect(stats).toEqual({ sent: 1 });
  }, 90000);
});
