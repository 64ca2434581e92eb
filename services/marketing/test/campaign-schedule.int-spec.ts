import { dataOf } from '@crm/testing';
import { CREATE, emailContent, eventually, granted, recorder, SCHEDULE, startCampaigns, uniqueTenant, type CampaignHarness } from './campaign-helpers';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hhmm = (h: number) => `${String(((h % 24) + 24) % 24).padStart(2, '0')}:00`;
/** The wall-clock hour:minute of an instant in a time zone. */
const localHHMM = (d: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);

describe('campaign schedule: follow-up steps, the recipient’s time-zone window, quiet hours, a later start', () => {
  let h: CampaignHarness;
  beforeAll(async () => {
    h = await startCampaigns();
  });
  afterAll(async () => h?.stop());

  it('a "not opened" follow-up sends the SMS variant to those who did not open, and only then completes the campaign', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const both = { preferred: ['email' as const, 'sms' as const], consents: [granted('email'), granted('sms')] };
    const opener = await h.contact(tenantId, { firstName: 'Opener', email: 'o@example.com', phone: '+14155550301', ...both });
    const silent = await h.contact(tenantId, { firstName: 'Silent', email: 's@example.com', phone: '+14155550302', ...both });
    const seg = await h.segment(tenantId, [opener, silent]);
    // 0.002 h = 7.2 s after the send.
    const c = dataOf(await gql(CREATE, { i: { name: 'With follow-up', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, followUps: [{ condition: 'NOT_OPENED', afterHours: 0.002, channels: ['SMS'], sms: { text: 'Did you see our email, {{firstName}}?' } }] } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await eventually(async () => recorder.sent.filter((m) => m.campaignId === c.id).length === 2, 30000, 'the main send');
    await h.sql(`UPDATE campaign_messages SET opened_at = now(), open_count = 1 WHERE campaign_id = $1 AND contact_id = $2`, [c.id, opener]);
    expect(await h.campaignStatus(tenantId, c.id)).toBe('running'); // the step is pending
    await h.waitStatus(tenantId, c.id, 'completed', 40000);
    const sms = recorder.sent.filter((m) => m.campaignId === c.id && m.channel === 'sms');
    expect(sms.map((m) => [m.contactId, m.address, m.text])).toEqual([[silent, '+14155550302', 'Did you see our email, Silent?']]);
    const rows = await h.messages(tenantId, c.id);
    expect(rows.filter((r) => r.step_id).map((r) => [r.contact_id, r.channel, r.status])).toEqual([[silent, 'sms', 'sent']]);
  }, 60000);

  it('a send window holds each message until the window opens in the recipient’s time zone (the tenant’s without one); quiet hours defer', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    dataOf(await gql(`mutation { setCampaignSettings(input: { frequencyCap: 3, frequencyWindowDays: 7, defaultTimeZone: "America/New_York" }) { defaultTimeZone } }`));
    const zones = { tokyo: 'Asia/Tokyo', utc: 'UTC', none: null };
    const ids: Record<string, string> = {};
    for (const [name, tz] of Object.entries(zones)) ids[name] = await h.contact(tenantId, { firstName: name, email: `${name}@example.com`, preferred: ['email'], consents: [granted('email')], timeZone: tz });
    const seg = await h.segment(tenantId, Object.values(ids));
    // A one-hour window starting two hours from now in UTC: closed now for UTC; for the others it is where it falls.
    const start = new Date().getUTCHours() + 2;
    const window = { start: hhmm(start), end: start % 24 === 23 ? '23:59' : hhmm(start + 1) };
    const c = dataOf(await gql(CREATE, { i: { name: 'Windowed', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent, sendWindow: window } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id }));
    await h.waitStatus(tenantId, c.id, 'running');
    const zoneOf = new Map(Object.entries(zones).map(([name, tz]) => [ids[name], tz ?? 'America/New_York']));
    const windowOpen = (zone: string) => {
      const localNow = localHHMM(new Date(), zone);
      return localNow >= window.start && localNow < window.end;
    };
    const windowRows = () => h.sql<{ contact_id: string; status: string; due_at: Date }>(`SELECT contact_id, status, due_at FROM campaign_messages WHERE campaign_id = $1`, [c.id]);
    // A recipient whose window is open now is sent by the first dispatch round (polled, not slept: CI may be slow to run it).
    await eventually(
      async () => (await windowRows()).every((r) => r.status === 'sent' || !windowOpen(zoneOf.get(r.contact_id)!)),
      30000,
      'the recipients inside their window sent',
    );
    const rows = await windowRows();
    const now = Date.now();
    for (const [name, tz] of Object.entries(zones)) {
      const r = rows.find((x) => x.contact_id === ids[name])!;
      const zone = tz ?? 'America/New_York';
      const localNow = localHHMM(new Date(now), zone);
      const open = localNow >= window.start && localNow < window.end;
      if (open) expect({ name, sent: r.status }).toEqual({ name, sent: 'sent' });
      else {
        expect({ name, status: r.status, localDue: localHHMM(r.due_at, zone) }).toEqual({ name, status: 'queued', localDue: window.start });
        expect(r.due_at.getTime()).toBeGreaterThan(now);
        expect(r.due_at.getTime()).toBeLessThan(now + 24 * 3_600_000);
      }
    }
    // UTC's window is two hours away: never open now.
    expect(rows.find((x) => x.contact_id === ids.utc)!.status).toBe('queued');
    expect(recorder.sent.some((m) => m.contactId === ids.utc && m.campaignId === c.id)).toBe(false);

    // Quiet hours around now (UTC recipient) defer the message to their end.
    const quietTenant = uniqueTenant();
    const q = h.client(quietTenant);
    const quiet = await h.contact(quietTenant, { email: 'q@example.com', preferred: ['email'], consents: [granted('email')], timeZone: 'UTC' });
    const qseg = await h.segment(quietTenant, [quiet]);
    const hour = new Date().getUTCHours();
    const quietHours = { start: hhmm(hour - 1), end: hhmm(hour + 2) };
    const qc = dataOf(await q(CREATE, { i: { name: 'Quiet', includeSegmentIds: [qseg], channels: ['EMAIL'], email: emailContent, quietHours } })).createCampaign;
    dataOf(await q(SCHEDULE, { id: qc.id }));
    await h.waitStatus(quietTenant, qc.id, 'running');
    const quietRow = async () => (await h.sql<{ status: string; due_at: Date }>(`SELECT status, due_at FROM campaign_messages WHERE campaign_id = $1`, [qc.id]))[0];
    // The dispatch round defers it (polled, not slept: under a loaded CI the round may come seconds later); the end is at least an hour after `hour` was read.
    await eventually(async () => (await quietRow()).status !== 'queued' || (await quietRow()).due_at.getTime() > Date.now() + 1_800_000, 30000, 'the message deferred to the end of the quiet hours');
    const m = await quietRow();
    expect({ status: m.status, localDue: localHHMM(m.due_at, 'UTC') }).toEqual({ status: 'queued', localDue: quietHours.end });
  }, 60000);

  it('scheduled for later: nothing is routed before the time; then it runs', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client(tenantId);
    const x = await h.contact(tenantId, { email: 'later@example.com', preferred: ['email'], consents: [granted('email')] });
    const seg = await h.segment(tenantId, [x]);
    const c = dataOf(await gql(CREATE, { i: { name: 'Later', includeSegmentIds: [seg], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    dataOf(await gql(SCHEDULE, { id: c.id, at: new Date(Date.now() + 4000).toISOString() }));
    await sleep(1500);
    expect(await h.campaignStatus(tenantId, c.id)).toBe('scheduled');
    expect(await h.messages(tenantId, c.id)).toEqual([]);
    await h.waitStatus(tenantId, c.id, 'completed', 30000);
    expect(recorder.sent.filter((m) => m.campaignId === c.id).map((m) => m.address)).toEqual(['later@example.com']);
  }, 60000);
});
