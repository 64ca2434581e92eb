import { randomUUID } from 'node:crypto';
import { inTenantTx } from '@crm/platform';
import { dataOf } from '@crm/testing';
import { CampaignRepository } from '../src/campaigns/campaign.repository';
import { CREATE, emailContent, expectError, granted, recorder, SCHEDULE, startCampaigns, uniqueTenant, type CampaignHarness } from './campaign-helpers';

const fieldsOf = (e: { extensions?: Record<string, unknown> }) => (e.extensions!.fields as { field: string; message: string }[]).map((f) => f.field).sort();

describe('campaigns API: validation, queries, suppressions, the contact’s messages, merge and erase', () => {
  let h: CampaignHarness;
  beforeAll(async () => {
    h = await startCampaigns();
  });
  afterAll(async () => h?.stop());

  it('refuses bad input naming every field, and writes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const seg = await h.segment(tenantId, []);
    const noChannel = expectError(await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg], channels: [] } }), 'BAD_USER_INPUT');
    expect(fieldsOf(noChannel)).toEqual(['input.channels']);
    const missing = expectError(await gql(CREATE, { i: { name: ' ', includeSegmentIds: [seg], channels: ['EMAIL', 'SMS'], email: { subject: '', html: '<p>x</p>', text: 'x' } } }), 'BAD_USER_INPUT');
    expect(fieldsOf(missing)).toEqual(['input.email.subject', 'input.name', 'input.sms']);
    const placeholder = expectError(await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg], channels: ['EMAIL'], email: { ...emailContent, html: '<p>{{favouriteColour|blue}} {{custom.plan}}</p>' } } }), 'BAD_USER_INPUT');
    expect(placeholder.extensions!.fields).toEqual([{ field: 'input.email.html', message: expect.stringContaining('unknown placeholder {{favouriteColour}}') }]);
    const unknownSegment = randomUUID();
    const segs = expectError(await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg, unknownSegment], excludeSegmentIds: ['nope'], channels: ['EMAIL'], email: emailContent } }), 'BAD_USER_INPUT');
    expect(fieldsOf(segs)).toEqual(['input.excludeSegmentIds.0']);
    const unknown = expectError(await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg, unknownSegment], channels: ['EMAIL'], email: emailContent } }), 'BAD_USER_INPUT');
    expect(unknown.extensions!.fields).toEqual([{ field: 'input.includeSegmentIds.1', message: `segment ${unknownSegment} does not exist` }]);
    const windows = expectError(
      await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, sendWindow: { start: '11:00', end: '09:00' }, quietHours: { start: '25:00', end: '08:00' }, throttle: [{ channel: 'SMS', perMinute: 10 }] } }),
      'BAD_USER_INPUT',
    );
    expect(fieldsOf(windows)).toEqual(['input.quietHours.start', 'input.sendWindow.end', 'input.throttle.0.channel']);
    const ab = expectError(await gql(CREATE, { i: { name: 'X', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, abTest: { variants: [{ key: 'A' }], testShare: 1.5, metric: 'OPEN', durationHours: 4 } } }), 'BAD_USER_INPUT');
    expect(fieldsOf(ab)).toEqual(['input.abTest.testShare', 'input.abTest.variants']);
    expect(await h.outboxTypes(tenantId)).toEqual([]);
    expect(await h.sql(`SELECT 1 FROM campaigns WHERE tenant_id = $1`, [tenantId])).toEqual([]);
  });

  it('creates, reads, edits a draft, refuses a schedule in the past, lists with cursors, and reports SMS segments', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const seg = await h.segment(tenantId, []);
    const input = { name: 'Spring', goal: 'Sell', includeSegmentIds: [seg], channels: ['SMS', 'EMAIL'], email: emailContent, sms: { text: 'Spring sale: 20% off — {{firstName|friend}}' }, followUps: [{ condition: 'NOT_OPENED', afterHours: 72, channels: ['SMS'], sms: { text: 'Did you see it?' } }] };
    const a = dataOf(await gql(CREATE, { i: input })).createCampaign;
    expect(a).toEqual({ id: expect.any(String), name: 'Spring', status: 'DRAFT', channels: ['SMS', 'EMAIL'] });
    const read = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { name goal status content { email { subject } sms { text encoding segments } } followUps { position condition afterHours channels } variants { key } } }`, { id: a.id })).campaign;
    // "—" (em dash) is outside GSM-7: UCS-2, 43 characters in one part of 70.
    expect(read).toEqual({ name: 'Spring', goal: 'Sell', status: 'DRAFT', content: { email: { subject: 'Hello {{firstName|there}}' }, sms: { text: input.sms.text, encoding: 'UCS_2', segments: 1 } }, followUps: [{ position: 1, condition: 'NOT_OPENED', afterHours: 72, channels: ['SMS'] }], variants: [] });
    const edited = dataOf(await gql(`mutation($id: ID!, $i: UpdateCampaignInput!) { updateCampaign(id: $id, input: $i) { name channels } }`, { id: a.id, i: { ...input, name: 'Spring (v2)', channels: ['EMAIL'] } })).updateCampaign;
    expect(edited).toEqual({ name: 'Spring (v2)', channels: ['EMAIL'] });
    const past = expectError(await gql(SCHEDULE, { id: a.id, at: '2020-01-01T00:00:00Z' }), 'BAD_USER_INPUT');
    expect(past.extensions!.fields).toEqual([{ field: 'at', message: '2020-01-01T00:00:00.000Z is in the past' }]);
    expectError(await gql(SCHEDULE, { id: randomUUID() }), 'NOT_FOUND');
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect(dataOf(await gql(SCHEDULE, { id: a.id, at: later })).scheduleCampaign).toEqual({ id: a.id, status: 'SCHEDULED', scheduledAt: later });
    expectError(await gql(`mutation($id: ID!, $i: UpdateCampaignInput!) { updateCampaign(id: $id, input: $i) { name } }`, { id: a.id, i: input }), 'CONFLICT');
    const b = dataOf(await gql(CREATE, { i: { ...input, name: 'Summer' } })).createCampaign;
    const LIST = `query($a: String, $s: CampaignStatus) { campaigns(first: 1, after: $a, status: $s) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
    const p1 = dataOf(await gql(LIST, {})).campaigns;
    expect(p1).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'Summer' } }], pageInfo: { hasNextPage: true } });
    expect(dataOf(await gql(LIST, { a: p1.pageInfo.endCursor })).campaigns).toMatchObject({ edges: [{ node: { name: 'Spring (v2)' } }], pageInfo: { hasNextPage: false } });
    expect(dataOf(await gql(LIST, { s: 'SCHEDULED' })).campaigns).toMatchObject({ totalCount: 1, edges: [{ node: { name: 'Spring (v2)' } }] });
    expect(b.id).not.toBe(a.id);
    // A read-only user reads but may not create or send.
    const ro = h.client(tenantId, ['read-only']);
    expect(dataOf(await ro(LIST, {})).campaigns.totalCount).toBe(2);
    expectError(await ro(CREATE, { i: input }), 'FORBIDDEN');
    expectError(await ro(SCHEDULE, { id: b.id }), 'FORBIDDEN');
  });

  it('suppressions: add (normalised), list, route around, remove', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const added = dataOf(await gql(`mutation { addSuppression(input: { channel: EMAIL, address: " Bob@Example.COM ", note: "asked by phone" }) { channel address reason note } }`)).addSuppression;
    expect(added).toEqual({ channel: 'EMAIL', address: 'bob@example.com', reason: 'MANUAL', note: 'asked by phone' });
    const bad = expectError(await gql(`mutation { addSuppression(input: { channel: SMS, address: "12" }) { address } }`), 'BAD_USER_INPUT');
    expect(fieldsOf(bad)).toEqual(['input.address']);
    expect(dataOf(await gql(`{ suppressions(first: 10) { totalCount edges { node { address reason } } } }`)).suppressions).toEqual({ totalCount: 1, edges: [{ node: { address: 'bob@example.com', reason: 'MANUAL' } }] });
    const bob = await h.contact(tenantId, { firstName: 'Bob', email: 'bob@example.com', preferred: ['email'], consents: [granted('email')] });
    const seg = await h.segment(tenantId, [bob]);
    const c = dataOf(await gql(CREATE, { i: { name: 'S', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await h.waitStatus(tenantId, c.id, 'completed');
    expect((await h.messages(tenantId, c.id)).map((m) => m.skip_reason)).toEqual(['SUPPRESSED']);
    expect(dataOf(await gql(`mutation { removeSuppression(input: { channel: EMAIL, address: "bob@example.com" }) }`)).removeSuppression).toBe(true);
    expect(dataOf(await gql(`mutation { removeSuppression(input: { channel: EMAIL, address: "bob@example.com" }) }`)).removeSuppression).toBe(false);
    const ro = h.client(tenantId, ['manager']);
    expectError(await ro(`mutation { addSuppression(input: { channel: EMAIL, address: "x@example.com" }) { address } }`), 'FORBIDDEN');
  });

  it('Contact.campaignMessages and Campaign.messages show each decision; a merge moves them, an erasure blanks them and keeps the counts', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const ada = await h.contact(tenantId, { firstName: 'Ada', email: 'ada@example.com', preferred: ['email'], consents: [granted('email')] });
    const dup = await h.contact(tenantId, { firstName: 'Ada2', preferred: ['sms'], consents: [] });
    const seg = await h.segment(tenantId, [ada, dup]);
    const c = dataOf(await gql(CREATE, { i: { name: 'Hello', includeSegmentIds: [seg], channels: ['EMAIL', 'SMS'], email: emailContent, sms: { text: 'Hi' } } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await h.waitStatus(tenantId, c.id, 'completed');
    const ENTITY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id campaignMessages(first: 5) { totalCount edges { node { channel status skipReason sentAt campaign { name } passedOver { channel reason } } } } } } }`;
    const [adaView, dupView] = dataOf(await gql(ENTITY, { r: [{ __typename: 'Contact', id: ada }, { __typename: 'Contact', id: dup }] }))._entities;
    expect(adaView.campaignMessages).toEqual({ totalCount: 1, edges: [{ node: { channel: 'EMAIL', status: 'SENT', skipReason: null, sentAt: expect.any(String), campaign: { name: 'Hello' }, passedOver: [] } }] });
    expect(dupView.campaignMessages.edges).toEqual([{ node: { channel: null, status: 'SKIPPED', skipReason: 'NO_CONSENT', sentAt: null, campaign: { name: 'Hello' }, passedOver: [{ channel: 'SMS', reason: 'NO_CONSENT' }] } }]);
    const byStatus = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { messages(first: 10, status: SKIPPED) { totalCount edges { node { contact { id } skipReason } } } } }`, { id: c.id })).campaign.messages;
    expect(byStatus).toEqual({ totalCount: 1, edges: [{ node: { contact: { id: dup }, skipReason: 'NO_CONSENT' } }] });

    // What ContactLifecycle calls on contact.merged / contact.erased (the replica's hooks).
    const repo = new CampaignRepository();
    await inTenantTx(h.svc.dataSource, tenantId, (tx) => repo.moveContact(tx, dup, ada));
    expect(dataOf(await gql(ENTITY, { r: [{ __typename: 'Contact', id: ada }] }))._entities[0].campaignMessages.totalCount).toBe(2);
    await inTenantTx(h.svc.dataSource, tenantId, (tx) => repo.eraseContact(tx, ada));
    const rows = await h.messages(tenantId, c.id);
    expect(rows.map((r) => ({ contact: r.contact_id, status: r.status, address: r.address, subject: r.subject, body: r.body_text, html: r.body_html })).sort((x, y) => x.status.localeCompare(y.status))).toEqual([
      { contact: ada, status: 'sent', address: null, subject: null, body: null, html: null },
      { contact: ada, status: 'skipped', address: null, subject: null, body: null, html: null },
    ]);
    const stats = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { stats { routed sent skipped } } }`, { id: c.id })).campaign.stats;
    expect(stats).toEqual({ routed: 2, sent: 1, skipped: 1 });
    expect(recorder.sent.filter((m) => m.campaignId === c.id).map((m) => m.subject)).toEqual(['Hello Ada']);
  });
});
