import { dataOf } from '@crm/testing';
import { CREATE, emailContent, eventually, granted, recorder, SCHEDULE, startCampaigns, uniqueTenant, type CampaignHarness } from './campaign-helpers';

const VARIANTS = `query($id: ID!) { campaign(id: $id) { status abTest { testShare metric winner } variants { key subject recipients sent opened clicked rate differenceToBest winner } } }`;

describe('A/B tests: the test share gets the variants, the winner by its metric goes to the rest', () => {
  let h: CampaignHarness;
  beforeAll(async () => {
    h = await startCampaigns();
  });
  afterAll(async () => h?.stop());

  /** The test's duration is hours: the test moves its decision job to now, as the clock would. */
  const endTest = (campaignId: string) => h.sql(`UPDATE campaign_jobs SET due_at = now() WHERE payload->>'kind' = 'ab_decide' AND payload->>'campaignId' = $1`, [campaignId]);

  it('sends A and B to half of the audience, picks B from seeded opens, sends B to the other half, and reports rates and differences', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const ids: string[] = [];
    for (let i = 1; i <= 40; i++) ids.push(await h.contact(tenantId, { firstName: `C${i}`, email: `c${i}@example.com`, preferred: ['email'], consents: [granted('email')] }));
    const seg = await h.segment(tenantId, ids);
    const c = dataOf(await gql(CREATE, { i: {
      name: 'Subject test', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent,
      abTest: { variants: [{ key: 'A', subject: 'Subject A for {{firstName}}' }, { key: 'B', subject: 'Subject B for {{firstName}}' }], testShare: 0.5, metric: 'OPEN', durationHours: 4 },
    } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    const mine = () => recorder.sent.filter((m) => m.campaignId === c.id);
    await eventually(async () => mine().length === 20, 30000, 'the test share sent');
    let rows = await h.messages(tenantId, c.id);
    // ceil(40 × 0.5) = 20 in the test, in turn A, B: 10 each; the other 20 are not routed yet.
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.variant === 'A')).toHaveLength(10);
    expect(rows.filter((r) => r.variant === 'B')).toHaveLength(10);
    const a = mine().filter((m) => m.variant === 'A');
    expect(a[0].subject).toMatch(/^Subject A for C\d+$/);
    // Tracking (the delivery module) records opens: 2 of A's 10, 5 of B's 10; one click on A.
    await h.sql(`UPDATE campaign_messages SET opened_at = now(), open_count = 1 WHERE id IN (SELECT id FROM campaign_messages WHERE campaign_id = $1 AND variant = 'A' ORDER BY id LIMIT 2)`, [c.id]);
    await h.sql(`UPDATE campaign_messages SET opened_at = now(), open_count = 1 WHERE id IN (SELECT id FROM campaign_messages WHERE campaign_id = $1 AND variant = 'B' ORDER BY id LIMIT 5)`, [c.id]);
    await h.sql(`UPDATE campaign_messages SET clicked_at = now(), click_count = 1 WHERE id IN (SELECT id FROM campaign_messages WHERE campaign_id = $1 AND variant = 'A' ORDER BY id LIMIT 1)`, [c.id]);
    expect(await h.campaignStatus(tenantId, c.id)).toBe('running');
    await endTest(c.id);
    await h.waitStatus(tenantId, c.id, 'completed');

    rows = await h.messages(tenantId, c.id);
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.variant === 'B')).toHaveLength(30);
    expect(new Set(rows.map((r) => r.contact_id)).size).toBe(40);
    const rest = mine().filter((m) => !a.includes(m) && m.variant === 'B');
    expect(rest).toHaveLength(30);
    expect(mine()).toHaveLength(40);
    expect(rest.every((m) => /^Subject B for C\d+$/.test(m.subject!))).toBe(true);

    const view = dataOf(await gql(VARIANTS, { id: c.id })).campaign;
    expect(view).toEqual({
      status: 'COMPLETED',
      abTest: { testShare: 0.5, metric: 'OPEN', winner: 'B' },
      variants: [
        // The test sample only: 2 opens of 10 against 5 of 10 (the 20 of the rest all got B).
        { key: 'A', subject: 'Subject A for {{firstName}}', recipients: 10, sent: 10, opened: 2, clicked: 1, rate: 0.2, differenceToBest: -0.3, winner: false },
        { key: 'B', subject: 'Subject B for {{firstName}}', recipients: 10, sent: 10, opened: 5, clicked: 0, rate: 0.5, differenceToBest: 0.3, winner: true },
      ],
    });
    const chosen = (await h.sql<{ payload: { data: Record<string, unknown> } }>(`SELECT payload FROM outbox WHERE tenant_id = $1 AND type = 'crm.marketing.campaign.winner-chosen.v1'`, [tenantId]))[0];
    expect(chosen.payload.data).toMatchObject({ campaignId: c.id, winner: 'B', metric: 'open', rates: { A: 0.2, B: 0.5 } });
  }, 90000);

  it('a channel-order variant routes its half by its order; with no clicks the tie keeps A', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push(await h.contact(tenantId, { firstName: `D${i}`, email: `d${i}@example.com`, phone: `+1415555020${i}`, preferred: ['email', 'sms'], consents: [granted('email'), granted('sms')] }));
    const seg = await h.segment(tenantId, ids);
    const c = dataOf(await gql(CREATE, { i: {
      name: 'Channel test', includeSegmentIds: [seg], channels: ['EMAIL', 'SMS'], email: emailContent, sms: { text: 'Hi {{firstName}}' },
      abTest: { variants: [{ key: 'A', channelOrder: ['EMAIL', 'SMS'] }, { key: 'B', channelOrder: ['SMS', 'EMAIL'] }], testShare: 0.5, metric: 'CLICK', durationHours: 1 },
    } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await eventually(async () => recorder.sent.filter((m) => m.campaignId === c.id).length === 2, 30000, 'the test share sent');
    const test = await h.messages(tenantId, c.id);
    expect(test.map((r) => `${r.variant}:${r.channel}`).sort()).toEqual(['A:email', 'B:sms']);
    await endTest(c.id);
    await h.waitStatus(tenantId, c.id, 'completed');
    const all = await h.messages(tenantId, c.id);
    expect(all.map((r) => `${r.variant}:${r.channel}`).sort()).toEqual(['A:email', 'A:email', 'A:email', 'B:sms']);
  }, 60000);

  it('the conversion metric counts contacts with a conversion of the campaign (campaign_conversions) per variant', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const ids: string[] = [];
    for (let i = 1; i <= 8; i++) ids.push(await h.contact(tenantId, { firstName: `E${i}`, email: `e${i}@example.com`, preferred: ['email'], consents: [granted('email')] }));
    const seg = await h.segment(tenantId, ids);
    const c = dataOf(await gql(CREATE, { i: {
      name: 'Conversion test', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent,
      abTest: { variants: [{ key: 'A', subject: 'A' }, { key: 'B', subject: 'B' }, { key: 'C', subject: 'C' }], testShare: 0.75, metric: 'CONVERSION', durationHours: 24 },
    } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    // ceil(8 × 0.75) = 6 in the test: A, B, C two each.
    await eventually(async () => recorder.sent.filter((m) => m.campaignId === c.id).length === 6, 30000, 'the test share sent');
    const rows = await h.messages(tenantId, c.id);
    const of = (v: string) => rows.filter((r) => r.variant === v).map((r) => r.contact_id);
    // The attribution module records won deals: one of C's two recipients (twice: still one contact), none of A's or B's; and one for another campaign.
    await h.sql(
      `INSERT INTO campaign_conversions (tenant_id, campaign_id, contact_id, kind, source_id, amount, currency, converted_at)
       VALUES ($1, $2, $3, 'deal_won', gen_random_uuid(), 100, 'EUR', now()), ($1, $2, $3, 'order_placed', gen_random_uuid(), 20, 'EUR', now()), ($1, gen_random_uuid(), $4, 'deal_won', gen_random_uuid(), 5, 'EUR', now())`,
      [tenantId, c.id, of('C')[0], of('A')[0]],
    );
    await endTest(c.id);
    await h.waitStatus(tenantId, c.id, 'completed');
    const view = dataOf(await gql(`query($id: ID!) { campaign(id: $id) { stats { converted } variants { key converted rate winner } } }`, { id: c.id })).campaign;
    expect(view).toEqual({
      stats: { converted: 1 },
      variants: [{ key: 'A', converted: 0, rate: 0, winner: false }, { key: 'B', converted: 0, rate: 0, winner: false }, { key: 'C', converted: 1, rate: 0.5, winner: true }],
    });
    expect((await h.messages(tenantId, c.id)).filter((r) => r.variant === 'C')).toHaveLength(4);
  }, 60000);
});
