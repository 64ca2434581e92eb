import { randomUUID } from 'node:crypto';
import { dataOf } from '@crm/testing';
import type { Channel } from '../src/delivery/channel.port';
import { routeRecipient, type RoutingContact } from '../src/routing/reference';
import { CREATE, emailContent, granted, recorder, SCHEDULE, startCampaigns, uniqueTenant, withdrawn, type CampaignHarness, type ReplicaSeed } from './campaign-helpers';

type Expected = { channel: Channel | null; address?: string; skipReason: string | null; passedOver: { channel: Channel; reason: string }[] };

describe('campaign routing: the preferred, consented, reachable channel — set-based SQL, agreeing with the TypeScript reference', () => {
  let h: CampaignHarness;
  beforeAll(async () => {
    h = await startCampaigns();
  });
  afterAll(async () => h?.stop());

  it('routes every case of the table to the channel or skip reason written out by hand, and the reference agrees', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const addr = { label: 'home', line1: '1 Main St', line2: '', postalCode: '62701', city: 'Springfield', region: 'IL', country: 'US', primary: true };
    const cases: Record<string, { seed: ReplicaSeed; expected: Expected }> = {
      ada: { seed: { email: 'ada@example.com', preferred: ['email', 'sms'], consents: [granted('email')] }, expected: { channel: 'email', address: 'ada@example.com', skipReason: null, passedOver: [] } },
      bobWithdrewEmailLater: {
        seed: { email: 'bob@example.com', phone: '+14155550101', preferred: ['email', 'sms'], consents: [granted('email', '2026-01-01T00:00:00Z'), withdrawn('email', '2026-02-01T00:00:00Z'), granted('sms')] },
        expected: { channel: 'sms', address: '+14155550101', skipReason: null, passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }] },
      },
      cyGrantedAgainAfterWithdrawing: {
        // The records arrive out of order: the latest by recordedAt wins, not the last in the list.
        seed: { email: 'cy@example.com', preferred: ['email', 'sms'], consents: [granted('email', '2026-03-01T00:00:00Z'), withdrawn('email', '2026-01-15T00:00:00Z')] },
        expected: { channel: 'email', address: 'cy@example.com', skipReason: null, passedOver: [] },
      },
      diNoPhoneFallsToEmail: {
        seed: { email: 'di@example.com', preferred: ['sms', 'email'], consents: [granted('sms'), granted('email')] },
        expected: { channel: 'email', address: 'di@example.com', skipReason: null, passedOver: [{ channel: 'sms', reason: 'NO_ADDRESS' }] },
      },
      edNeverConsented: { seed: { email: 'ed@example.com', preferred: ['email'], consents: [] }, expected: { channel: null, skipReason: 'NO_CONSENT', passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }] } },
      floOnlyPhone: { seed: { phone: '+14155550102', preferred: ['phone'], consents: [granted('phone')] }, expected: { channel: null, skipReason: 'NO_ALLOWED_CHANNEL', passedOver: [{ channel: 'phone', reason: 'NO_ALLOWED_CHANNEL' }] } },
      gusPhoneThenEmailWithoutAddress: {
        seed: { phone: '+14155550103', preferred: ['phone', 'email'], consents: [granted('phone'), granted('email')] },
        expected: { channel: null, skipReason: 'NO_ADDRESS', passedOver: [{ channel: 'phone', reason: 'NO_ALLOWED_CHANNEL' }, { channel: 'email', reason: 'NO_ADDRESS' }] },
      },
      halTwoReasonsFirstAllowedWins: {
        seed: { email: 'hal@example.com', preferred: ['email', 'sms'], consents: [granted('sms')] },
        expected: { channel: null, skipReason: 'NO_CONSENT', passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }, { channel: 'sms', reason: 'NO_ADDRESS' }] },
      },
      ivyErased: { seed: { preferred: [], consents: [], erasedAt: '2026-03-01T00:00:00Z', displayName: 'Erased contact' }, expected: { channel: null, skipReason: 'ERASED', passedOver: [] } },
      joArchived: { seed: { email: 'jo@example.com', preferred: ['email'], consents: [granted('email')], archivedAt: '2026-03-01T00:00:00Z' }, expected: { channel: null, skipReason: 'ARCHIVED', passedOver: [] } },
      kimNoPreference: { seed: { email: 'kim@example.com', preferred: [], consents: [granted('email')] }, expected: { channel: null, skipReason: 'NO_ALLOWED_CHANNEL', passedOver: [] } },
      leaByPost: {
        seed: { email: 'lea@example.com', preferred: ['post', 'email'], consents: [granted('post'), granted('email')], addresses: [addr] },
        expected: { channel: 'post', address: '1 Main St\n62701 Springfield IL\nUS', skipReason: null, passedOver: [] },
      },
      niaNoPostcodeIsFine: {
        seed: { preferred: ['post'], consents: [granted('post')], addresses: [{ line1: '3 Quay St', city: 'Dublin', country: 'ie', primary: false }] },
        expected: { channel: 'post', address: '3 Quay St\nDublin\nIE', skipReason: null, passedOver: [] },
      },
      maxIncompleteAddress: {
        seed: { email: 'max@example.com', preferred: ['post', 'email'], consents: [granted('post'), granted('email')], addresses: [{ line1: '2 High St', postalCode: 'SW1A 1AA', country: 'GB', primary: true }] },
        expected: { channel: 'email', address: 'max@example.com', skipReason: null, passedOver: [{ channel: 'post', reason: 'NO_ADDRESS' }] },
      },
      nedSocial: {
        seed: { phone: '+14155550104', preferred: ['social', 'sms'], consents: [granted('social'), granted('sms')], socialHandles: [{ network: ' X ', handle: '@ned' }] },
        expected: { channel: 'social', address: 'x:@ned', skipReason: null, passedOver: [] },
      },
      ozSuppressed: { seed: { email: 'oz@example.com', preferred: ['email'], consents: [granted('email')] }, expected: { channel: null, skipReason: 'SUPPRESSED', passedOver: [{ channel: 'email', reason: 'SUPPRESSED' }] } },
      piaSuppressedEmailGetsSms: {
        seed: { email: 'pia@example.com', phone: '+14155550105', preferred: ['email', 'sms'], consents: [granted('email'), granted('sms')] },
        expected: { channel: 'sms', address: '+14155550105', skipReason: null, passedOver: [{ channel: 'email', reason: 'SUPPRESSED' }] },
      },
      quinnExcluded: { seed: { email: 'quinn@example.com', preferred: ['email'], consents: [granted('email')] }, expected: { channel: null, skipReason: 'EXCLUDED', passedOver: [] } },
      raeTieLaterEntryWins: {
        seed: { email: 'rae@example.com', preferred: ['email'], consents: [granted('email', '2026-01-01T00:00:00.000Z'), withdrawn('email', '2026-01-01T00:00:00.000Z')] },
        expected: { channel: null, skipReason: 'NO_CONSENT', passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }] },
      },
      samJunkEmail: { seed: { email: 'not-an-email', preferred: ['email'], consents: [granted('email')] }, expected: { channel: null, skipReason: 'NO_ADDRESS', passedOver: [{ channel: 'email', reason: 'NO_ADDRESS' }] } },
      tessCapped: { seed: { email: 'tess@example.com', preferred: ['email'], consents: [granted('email')] }, expected: { channel: null, skipReason: 'FREQUENCY_CAP', passedOver: [] } },
      umaOldMessagesDoNotCount: { seed: { email: 'uma@example.com', preferred: ['email'], consents: [granted('email')] }, expected: { channel: 'email', address: 'uma@example.com', skipReason: null, passedOver: [] } },
      vicTwoRecentUnderTheCap: { seed: { email: 'vic@example.com', preferred: ['email'], consents: [granted('email')] }, expected: { channel: 'email', address: 'vic@example.com', skipReason: null, passedOver: [] } },
    };
    const ids: Record<string, string> = {};
    for (const [name, c] of Object.entries(cases)) ids[name] = await h.contact(tenantId, { firstName: name, ...c.seed });
    // A duplicate merged into Ada is still a member of the segment: Ada is routed once.
    const mergedAway = randomUUID();
    await h.sql(`INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, merged_into) VALUES ($1, $2, 0, 'Merged contact', $3)`, [tenantId, mergedAway, ids.ada]);
    await h.sql(`INSERT INTO suppressions (tenant_id, channel, address, reason) VALUES ($1, 'email', 'oz@example.com', 'hard_bounce'), ($1, 'email', 'pia@example.com', 'unsubscribe')`, [tenantId]);
    // Other campaigns' messages: Tess has 3 in the last 7 days (the default cap), Uma 3 of 10 days ago, Vic 2 recent; skipped ones never count.
    const other = randomUUID();
    const prior = (contact: string, daysAgo: number, status = 'sent') =>
      h.sql(`INSERT INTO campaign_messages (id, tenant_id, campaign_id, contact_id, channel, status, idempotency_key, queued_at) VALUES (gen_random_uuid(), $1, $2, $3, 'email', $4, gen_random_uuid()::text, now() - make_interval(days => $5))`, [tenantId, other, contact, status, daysAgo]);
    for (let i = 0; i < 3; i++) await prior(ids.tessCapped, 1 + i);
    for (let i = 0; i < 3; i++) await prior(ids.umaOldMessagesDoNotCount, 10);
    for (let i = 0; i < 2; i++) await prior(ids.vicTwoRecentUnderTheCap, 2);
    await h.sql(`INSERT INTO campaign_messages (id, tenant_id, campaign_id, contact_id, skip_reason, status, idempotency_key) VALUES (gen_random_uuid(), $1, $2, $3, 'NO_CONSENT', 'skipped', 'x')`, [tenantId, other, ids.vicTwoRecentUnderTheCap]);

    const everyone = Object.values(ids).filter((id) => id !== ids.quinnExcluded);
    const include = await h.segment(tenantId, [...everyone, mergedAway, ids.quinnExcluded]);
    const exclude = await h.segment(tenantId, [ids.quinnExcluded]);
    const campaign = dataOf(
      await gql(CREATE, {
        i: { name: 'Routing table', includeSegmentIds: [include], excludeSegmentIds: [exclude], channels: ['EMAIL', 'SMS', 'POST', 'SOCIAL'], email: emailContent, sms: { text: 'Hi {{firstName}}' }, post: { text: 'Dear {{fullName}}' }, social: { text: 'Hey' } },
      }),
    ).createCampaign;
    dataOf(await gql(SCHEDULE, { id: campaign.id }));
    await h.waitStatus(tenantId, campaign.id, 'completed');

    const rows = await h.messages(tenantId, campaign.id);
    expect(rows).toHaveLength(Object.keys(cases).length);
    expect(rows).toHaveLength(23);
    const byContact = new Map(rows.map((r) => [r.contact_id, r]));
    const replica = await h.sql<Record<string, unknown>>(`SELECT * FROM contact_replica WHERE tenant_id = $1`, [tenantId]);
    for (const [name, c] of Object.entries(cases)) {
      const row = byContact.get(ids[name])!;
      const got = { channel: row.channel, skipReason: row.skip_reason, passedOver: row.passed_over, ...(c.expected.address ? { address: row.address } : {}) };
      expect({ name, ...got }).toEqual({ name, ...c.expected });
      expect(row.status).toBe(c.expected.channel ? 'sent' : 'skipped');
      // The TypeScript reference decides the same from the same replica row.
      const r = replica.find((x) => x.contact_id === ids[name])!;
      const contact: RoutingContact = {
        preferredChannels: r.preferred_channels as Channel[], consents: r.consents as RoutingContact['consents'], primaryEmail: r.primary_email as string | null,
        primaryPhone: r.primary_phone as string | null, addresses: r.addresses as RoutingContact['addresses'], socialHandles: r.social_handles as RoutingContact['socialHandles'],
        erasedAt: r.erased_at as Date | null, archivedAt: r.archived_at as Date | null,
      };
      const recent = { tessCapped: 3, vicTwoRecentUnderTheCap: 2 }[name] ?? 0;
      const ref = routeRecipient(contact, { allowed: ['email', 'sms', 'post', 'social'], excluded: name === 'quinnExcluded', suppressed: new Set(['email:oz@example.com', 'email:pia@example.com']), recentMessages: recent, frequencyCap: 3 });
      expect({ name, channel: ref.channel, skipReason: ref.skipReason, passedOver: ref.passedOver, ...(c.expected.address ? { address: ref.address } : {}) }).toEqual({ name, ...c.expected });
    }
    // Each decision is one MessageRoutedV1; the sent ones one MessageSentV1 each, to the adapters.
    const events = await h.sql<{ type: string; payload: { data: Record<string, unknown> } }>(`SELECT type, payload FROM outbox WHERE tenant_id = $1 ORDER BY seq`, [tenantId]);
    const routed = events.filter((e) => e.type === 'crm.marketing.message.routed.v1');
    expect(routed).toHaveLength(23);
    expect(routed.find((e) => e.payload.data.contactId === ids.bobWithdrewEmailLater)!.payload.data).toEqual({
      messageId: byContact.get(ids.bobWithdrewEmailLater)!.id, campaignId: campaign.id, contactId: ids.bobWithdrewEmailLater, channel: 'sms', skipReason: null,
      passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }], variant: null, routedAt: expect.any(String),
    });
    const sentTo = recorder.sent.filter((m) => m.campaignId === campaign.id).map((m) => `${m.channel}:${m.address}`).sort();
    expect(sentTo).toEqual(['email:ada@example.com', 'email:cy@example.com', 'email:di@example.com', 'email:max@example.com', 'email:uma@example.com', 'email:vic@example.com',
      'post:1 Main St\n62701 Springfield IL\nUS', 'post:3 Quay St\nDublin\nIE', 'sms:+14155550101', 'sms:+14155550105', 'social:x:@ned']);
    expect(events.filter((e) => e.type === 'crm.marketing.message.sent.v1')).toHaveLength(11);
    expect(events.map((e) => e.type).filter((t) => t.startsWith('crm.marketing.campaign.'))).toEqual([
      'crm.marketing.campaign.created.v1', 'crm.marketing.campaign.scheduled.v1', 'crm.marketing.campaign.started.v1', 'crm.marketing.campaign.completed.v1',
    ]);
    const stats = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { status stats { routed sent skipped skippedByReason { reason count } byChannel { channel sent } } } }`, { id: campaign.id })).campaign;
    expect(stats).toEqual({
      status: 'COMPLETED',
      stats: {
        routed: 23, sent: 11, skipped: 12,
        skippedByReason: [
          { reason: 'NO_ADDRESS', count: 2 }, { reason: 'NO_ALLOWED_CHANNEL', count: 2 }, { reason: 'NO_CONSENT', count: 3 }, { reason: 'ARCHIVED', count: 1 }, { reason: 'ERASED', count: 1 },
          { reason: 'EXCLUDED', count: 1 }, { reason: 'FREQUENCY_CAP', count: 1 }, { reason: 'SUPPRESSED', count: 1 },
        ].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
        byChannel: [{ channel: 'EMAIL', sent: 6 }, { channel: 'POST', sent: 2 }, { channel: 'SMS', sent: 2 }, { channel: 'SOCIAL', sent: 1 }],
      },
    });
  });

  it('a lower tenant frequency cap skips the contact who reached it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    dataOf(await gql(`mutation { setCampaignSettings(input: { frequencyCap: 1, frequencyWindowDays: 30, defaultTimeZone: "Europe/Berlin" }) { frequencyCap } }`));
    const once = await h.contact(tenantId, { email: 'once@example.com', preferred: ['email'], consents: [granted('email')] });
    const fresh = await h.contact(tenantId, { email: 'fresh@example.com', preferred: ['email'], consents: [granted('email')] });
    await h.sql(`INSERT INTO campaign_messages (id, tenant_id, campaign_id, contact_id, channel, status, idempotency_key, queued_at) VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, 'email', 'sent', 'k1', now() - interval '20 days')`, [tenantId, once]);
    const seg = await h.segment(tenantId, [once, fresh]);
    const c = dataOf(await gql(CREATE, { i: { name: 'Capped', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await h.waitStatus(tenantId, c.id, 'completed');
    const rows = await h.messages(tenantId, c.id);
    expect(rows.map((r) => [r.contact_id, r.status, r.skip_reason]).sort()).toEqual([[once, 'skipped', 'FREQUENCY_CAP'], [fresh, 'sent', null]].sort());
  });
});
