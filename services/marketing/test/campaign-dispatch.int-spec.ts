import { dataOf } from '@crm/testing';
import { CREATE, emailContent, eventually, expectError, recorder, SCHEDULE, startCampaigns, uniqueTenant, type CampaignHarness } from './campaign-helpers';

const PAUSE = `mutation($id: ID!) { pauseCampaign(id: $id) { status } }`;
const RESUME = `mutation($id: ID!) { resumeCampaign(id: $id) { status } }`;
const CANCEL = `mutation($id: ID!) { cancelCampaign(id: $id) { status } }`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('campaign dispatch: every message once, across a restart; pause, resume and cancel', () => {
  let h: CampaignHarness;
  beforeAll(async () => {
    // Small rounds and few adapter calls in flight, so a send of 1,000 takes several rounds to interrupt.
    h = await startCampaigns({ MARKETING_DISPATCH_BATCH: '50', MARKETING_DISPATCH_CONCURRENCY: '5' });
  });
  afterAll(async () => {
    recorder.behaviour = async () => undefined;
    await h?.stop();
  });

  /** n contacts in one segment: the first `emails` prefer email, the rest SMS; all consented. */
  async function audience(tenantId: string, n: number, emails: number): Promise<string> {
    await h.sql(
      `INSERT INTO contact_replica (tenant_id, contact_id, version, first_name, display_name, primary_email, primary_phone, preferred_channels, consents)
       SELECT $1, gen_random_uuid(), 1, 'P' || i, 'Person ' || i, 'p' || i || '@example.com', '+1415555' || lpad(i::text, 4, '0'),
              CASE WHEN i <= $3 THEN '{email,sms}'::text[] ELSE '{sms,email}'::text[] END,
              '[{"channel":"email","status":"granted","legalBasis":"consent","recordedAt":"2026-01-01T00:00:00Z"},{"channel":"sms","status":"granted","legalBasis":"consent","recordedAt":"2026-01-01T00:00:00Z"}]'
       FROM generate_series(1, $2) i`,
      [tenantId, n, emails],
    );
    const ids = (await h.sql<{ contact_id: string }>(`SELECT contact_id FROM contact_replica WHERE tenant_id = $1`, [tenantId])).map((r) => r.contact_id);
    return h.segment(tenantId, ids);
  }

  it('sends a 1,000-recipient campaign over email and SMS exactly once to the adapters, though the service is restarted mid-send', async () => {
    const tenantId = uniqueTenant();
    const seg = await audience(tenantId, 1000, 600);
    recorder.behaviour = () => sleep(20);
    const c = dataOf(await h.client(tenantId)(CREATE, { i: { name: 'Big send', includeSegmentIds: [seg], channels: ['EMAIL', 'SMS'], email: emailContent, sms: { text: 'Hi {{firstName}}, 20% off' } } })).createCampaign;
    dataOf(await h.client(tenantId)(SCHEDULE, { id: c.id }));
    const mine = () => recorder.sent.filter((m) => m.campaignId === c.id);
    await eventually(async () => mine().length >= 250, 30000, '250 messages sent');
    const before = mine().length;
    expect(before).toBeLessThan(1000);
    await h.restart(); // a graceful stop waits for the round in flight to commit; the new process resumes from the database
    await h.waitStatus(tenantId, c.id, 'completed', 60000);

    const sent = mine();
    expect(sent).toHaveLength(1000);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(1000);
    expect(sent.filter((m) => m.channel === 'email')).toHaveLength(600);
    expect(sent.filter((m) => m.channel === 'sms')).toHaveLength(400);
    const email = sent.find((m) => m.address === 'p7@example.com')!;
    expect(email).toMatchObject({ channel: 'email', subject: 'Hello P7', html: '<p>Hi P7 from us</p>', text: 'Hi P7', recipientName: 'Person 7', campaignName: 'Big send', variant: null });
    expect(sent.find((m) => m.address === '+14155550999')).toMatchObject({ channel: 'sms', text: 'Hi P999, 20% off', subject: null, html: null });
    const rows = await h.messages(tenantId, c.id);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(1000);
    expect(rows.find((r) => r.address === 'p7@example.com')).toMatchObject({ subject: 'Hello P7', body_text: 'Hi P7', body_html: '<p>Hi P7 from us</p>' });
    const types = await h.outboxTypes(tenantId);
    expect(types.filter((t) => t === 'crm.marketing.message.sent.v1')).toHaveLength(1000);
    expect(types.filter((t) => t === 'crm.marketing.message.routed.v1')).toHaveLength(1000);
  }, 120000);

  it('pause stops sending at once; resume sends the rest; nothing is sent twice', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    recorder.behaviour = async () => undefined;
    const seg = await audience(tenantId, 60, 60);
    // 600 a minute: 10 per one-second round, so the send takes about 6 s.
    const c = dataOf(await gql(CREATE, { i: { name: 'Throttled', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, throttle: [{ channel: 'EMAIL', perMinute: 600 }] } })).createCampaign;
    expectError(await gql(PAUSE, { id: c.id }), 'CONFLICT'); // a draft is not running
    dataOf(await gql(SCHEDULE, { id: c.id }));
    const mine = () => recorder.sent.filter((m) => m.campaignId === c.id);
    await eventually(async () => mine().length >= 10, 30000, 'first round');
    expect(dataOf(await gql(PAUSE, { id: c.id })).pauseCampaign.status).toBe('PAUSED');
    const atPause = mine().length;
    expect(atPause).toBeLessThan(60);
    await sleep(2500);
    expect(mine().length).toBe(atPause);
    expect((await h.messages(tenantId, c.id)).filter((r) => r.status === 'queued')).toHaveLength(60 - atPause);
    expect(dataOf(await gql(RESUME, { id: c.id })).resumeCampaign.status).toBe('RUNNING');
    await h.waitStatus(tenantId, c.id, 'completed', 30000);
    expect(mine()).toHaveLength(60);
    expect(new Set(mine().map((m) => m.messageId)).size).toBe(60);
    const lifecycle = (await h.outboxTypes(tenantId)).filter((t) => t.startsWith('crm.marketing.campaign.'));
    expect(lifecycle).toEqual([
      'crm.marketing.campaign.created.v1', 'crm.marketing.campaign.scheduled.v1', 'crm.marketing.campaign.started.v1', 'crm.marketing.campaign.paused.v1',
      'crm.marketing.campaign.resumed.v1', 'crm.marketing.campaign.completed.v1',
    ]);
    expectError(await gql(RESUME, { id: c.id }), 'CONFLICT');
  }, 60000);

  it('cancel marks what is left cancelled and sends nothing more', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    recorder.behaviour = async () => undefined;
    const seg = await audience(tenantId, 40, 40);
    const c = dataOf(await gql(CREATE, { i: { name: 'To cancel', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, throttle: [{ channel: 'EMAIL', perMinute: 600 }] } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    const mine = () => recorder.sent.filter((m) => m.campaignId === c.id);
    await eventually(async () => mine().length >= 10, 30000, 'first round');
    expect(dataOf(await gql(CANCEL, { id: c.id })).cancelCampaign.status).toBe('CANCELLED');
    const atCancel = mine().length;
    await sleep(2000);
    expect(mine().length).toBe(atCancel);
    const rows = await h.messages(tenantId, c.id);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect({ queued: count('queued'), sent: count('sent'), cancelled: count('cancelled') }).toEqual({ queued: 0, sent: atCancel, cancelled: 40 - atCancel });
    const cancelled = (await h.sql<{ payload: { data: { cancelledMessages: number } } }>(`SELECT payload FROM outbox WHERE tenant_id = $1 AND type = 'crm.marketing.campaign.cancelled.v1'`, [tenantId]))[0];
    expect(cancelled.payload.data.cancelledMessages).toBe(40 - atCancel);
    expectError(await gql(CANCEL, { id: c.id }), 'CONFLICT');
  }, 60000);

  it('an adapter refusal bounces the message; an adapter error leaves it queued for a later attempt, and the campaign waits for it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    recorder.behaviour = async (m) => {
      if (m.address === 'p1@example.com') return { providerMessageId: null, permanentFailure: { diagnostic: '550 5.1.1 user unknown' } };
      if (m.address === 'p2@example.com') throw new Error('connection refused');
    };
    const seg = await audience(tenantId, 3, 3);
    const c = dataOf(await gql(CREATE, { i: { name: 'Failures', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await eventually(async () => (await h.messages(tenantId, c.id)).filter((r) => r.status !== 'queued').length === 2, 30000, 'two messages handled');
    await sleep(500);
    const rows = await h.sql<{ address: string; status: string; attempts: number; last_error: string | null; retry_in_s: number | null }>(
      `SELECT address, status, attempts, last_error, extract(epoch FROM due_at - now())::int AS retry_in_s FROM campaign_messages WHERE campaign_id = $1 ORDER BY address`, [c.id]);
    expect(rows.map(({ retry_in_s: _retry, ...r }) => r)).toEqual([
      { address: 'p1@example.com', status: 'bounced', attempts: 0, last_error: '550 5.1.1 user unknown' },
      { address: 'p2@example.com', status: 'queued', attempts: 1, last_error: 'Error: connection refused' },
      { address: 'p3@example.com', status: 'sent', attempts: 0, last_error: null },
    ]);
    expect(rows[1].retry_in_s).toBeGreaterThan(50); // the first retry after a minute
    expect(await h.campaignStatus(tenantId, c.id)).toBe('running');
    expect((await h.outboxTypes(tenantId)).filter((t) => t === 'crm.marketing.message.sent.v1')).toHaveLength(1);
    // The refusal is a hard bounce: announced once, and the address suppressed for every later campaign.
    const bounces = await h.sql<{ payload: { data: { kind: string; diagnostic: string; channel: string } } }>(
      `SELECT payload FROM outbox WHERE tenant_id = $1 AND type = 'crm.marketing.message.bounced.v1'`, [tenantId]);
    expect(bounces.map((b) => b.payload.data)).toMatchObject([{ kind: 'hard', diagnostic: '550 5.1.1 user unknown', channel: 'email' }]);
    expect(await h.sql(`SELECT channel, address, reason FROM suppressions WHERE tenant_id = $1`, [tenantId])).toEqual([{ channel: 'email', address: 'p1@example.com', reason: 'hard_bounce' }]);
    recorder.behaviour = async () => undefined;
  }, 60000);

  it('a crash between the hand-over and the commit loses nothing: the round is sent again with the same message ids (at-least-once), marked and announced once', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const seg = await audience(tenantId, 200, 200);
    let crashed = false;
    recorder.behaviour = async () => {
      if (crashed || recorder.sent.filter((m) => m.campaignId === campaignId).length < 75) return;
      crashed = true;
      // The database connection of the round in flight dies after some of its messages left (what a killed process leaves behind).
      await h.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND state = 'idle in transaction'`, [h.schema]);
    };
    const c = dataOf(await gql(CREATE, { i: { name: 'Crash', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    const campaignId: string = c.id;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await h.waitStatus(tenantId, c.id, 'completed', 60000);
    recorder.behaviour = async () => undefined;
    expect(crashed).toBe(true);
    const sent = recorder.sent.filter((m) => m.campaignId === c.id);
    const ids = sent.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(200); // every message reached the adapter
    expect(sent.length).toBeGreaterThan(200); // some twice: the round that died is sent again…
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated.every((id) => sent.filter((m) => m.messageId === id).every((m) => m.address === sent.find((x) => x.messageId === id)!.address))).toBe(true); // …with the same id for the provider to drop
    expect((await h.messages(tenantId, c.id)).filter((r) => r.status === 'sent')).toHaveLength(200);
    expect((await h.outboxTypes(tenantId)).filter((t) => t === 'crm.marketing.message.sent.v1')).toHaveLength(200);
  }, 90000);
});
