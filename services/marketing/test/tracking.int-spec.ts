import { createHmac } from 'node:crypto';
import { dataOf, TopicRecorder, uniqueTenant } from '@crm/testing';
import { inTenantTx } from '@crm/platform';
import { ChannelAdapters, type OutboundMessage } from '../src/delivery/channel.port';
import { DeliveryContactData } from '../src/delivery/delivery-contact-data';
import { Tracking } from '../src/tracking/tracking.service';
import { signToken } from '../src/tracking/tracking-token';
import { ensureCampaignTables, queuedMessage } from './delivery-fixtures';
import { expectError, startMarketing, type Harness } from './harness';

const WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';
const CAUGHT = `query($n: Int, $a: String) { caughtMail(first: $n, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { messageId from to subject text html headers { name value } } } } }`;

interface Row { opened_at: Date | null; open_count: number; clicked_at: Date | null; click_count: number; unsubscribed_at: Date | null; delivered_at: Date | null; bounced_at: Date | null; complained_at: Date | null; status: string }

describe('tracking, unsubscribe and provider callbacks; email through the embedded mail catcher (no MARKETING_SMTP_URL)', () => {
  let h: Harness;
  let recorder: TopicRecorder;
  let base: string;

  beforeAll(async () => {
    h = await startMarketing({ MARKETING_WEBHOOK_SECRET: WEBHOOK_SECRET });
    await ensureCampaignTables(h);
    base = h.svc.url.replace(/\/graphql$/, '');
    recorder = await new TopicRecorder(h.svc.info.topic).start();
  });
  afterAll(async () => {
    await recorder?.stop();
    await h?.stop();
  });

  /** Sends through the real email adapter to the in-process catcher; returns the caught email's tracking URLs. */
  async function sent(tenantId: string, over: Partial<OutboundMessage> = {}) {
    const m = await queuedMessage(h, tenantId, {
      html: '<html><body><p>Hi</p><a href="https://shop.example/spring">Spring</a><a href="https://shop.example/autumn">Autumn</a></body></html>',
      ...over,
    });
    await h.svc.app.get(ChannelAdapters).get('email').send(m);
    const [mail] = await h.sql<{ html_body: string }>(`SELECT html_body FROM "${h.schema}".caught_mail WHERE message_id = $1`, [m.messageId]);
    const html = mail.html_body;
    const clicks = [...html.matchAll(/href="([^"]+\/t\/c\/[^"]+)"/g)].map((x) => x[1]);
    return { m, pixel: /<img src="([^"]+)"/.exec(html)![1], clicks, unsubscribe: /href="([^"]+\/u\/[^"]+)"/.exec(html)![1] };
  }
  const row = async (id: string) => (await h.sql<Row>(`SELECT * FROM "${h.schema}".campaign_messages WHERE id = $1`, [id]))[0];
  const outboxTypes = async (tenantId: string) => (await h.outboxEvents(tenantId)).map((e) => e.type);
  /** Hits of a message stored and not yet applied to its counters and events. */
  const storedHits = async (id: string) => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".tracking_hits WHERE message_id = $1`, [id]))[0].n;
  /** Opens of a message either applied or still stored, read in one snapshot (the background step may apply them meanwhile). */
  const opensKept = async (id: string) =>
    (await h.sql<{ n: number }>(`SELECT open_count + (SELECT count(*)::int FROM "${h.schema}".tracking_hits WHERE message_id = $1) AS n FROM "${h.schema}".campaign_messages WHERE id = $1`, [id]))[0].n;
  const settled = () => h.svc.app.get(Tracking).settled();

  it('the mail catcher stores what the email adapter really sent over SMTP, listed by caughtMail (mail.read)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const { m, pixel } = await sent(tenantId, { subject: 'Caught!', text: 'Plain Ada' });
    await sent(tenantId);
    const page1 = dataOf(await gql(CAUGHT, { n: 1 })).caughtMail;
    expect(page1.totalCount).toBe(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const older = dataOf(await gql(CAUGHT, { n: 1, a: page1.pageInfo.endCursor })).caughtMail.edges[0].node;
    expect(older).toMatchObject({ messageId: m.messageId, from: '"CRM Marketing" <marketing@crm.localhost>', to: '"Ada Lovelace" <ada@example.org>', subject: 'Caught!' });
    expect(older.text).toContain('Plain Ada');
    expect(older.html).toContain(pixel);
    expect(older.headers).toEqual(expect.arrayContaining([{ name: 'Message-ID', value: `<${m.messageId}@crm.localhost>` }, { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }]));
    // another tenant sees none of it; a rep may not read the catcher
    expect(dataOf(await h.client({ tenantId: uniqueTenant() })(CAUGHT, {})).caughtMail.totalCount).toBe(0);
    expectError(await h.client({ tenantId, roles: ['rep'] })(CAUGHT, {}), 'FORBIDDEN');
  });

  it('open pixel: opened_at and one MessageOpenedV1 on Kafka; a second open counts without a second event', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel } = await sent(tenantId);
    const local = pixel.replace(/^https?:\/\/[^/]+/, base);
    const res = await fetch(local);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect((await res.arrayBuffer()).byteLength).toBe(42);
    // Stored before it is answered: the 200 means the hit is committed, still stored or already applied (never neither).
    expect(await opensKept(m.messageId)).toBe(1);
    await settled();
    expect(await storedHits(m.messageId)).toBe(0);
    const after1 = await row(m.messageId);
    expect(after1.open_count).toBe(1);
    expect(after1.opened_at).toBeInstanceOf(Date);
    await fetch(local);
    expect(await opensKept(m.messageId)).toBe(2);
    await settled();
    const after2 = await row(m.messageId);
    expect(after2.open_count).toBe(2);
    expect(after2.opened_at).toEqual(after1.opened_at);
    expect(await outboxTypes(tenantId)).toEqual(['crm.marketing.message.opened.v1']);
    // Concurrent opens of two messages are written together: every hit counted, one event per message.
    const x = await sent(tenantId);
    const y = await sent(tenantId);
    const localOf = (u: string) => u.replace(/^https?:\/\/[^/]+/, base);
    await Promise.all([...Array(5).fill(localOf(x.pixel)), ...Array(3).fill(localOf(y.pixel))].map((u: string) => fetch(u).then((r) => r.arrayBuffer())));
    await settled();
    expect([(await row(x.m.messageId)).open_count, (await row(y.m.messageId)).open_count]).toEqual([5, 3]);
    expect((await h.outboxEvents(tenantId)).map((e) => e.key).sort()).toEqual([m.messageId, x.m.messageId, y.m.messageId].sort());
    const onKafka = await recorder.waitFor((e) => e.event?.type === 'crm.marketing.message.opened.v1' && e.event.data.messageId === m.messageId);
    expect(onKafka.event.data).toEqual({ messageId: m.messageId, campaignId: m.campaignId, campaignName: 'Spring sale', contactId: m.contactId, channel: 'email', variant: null, openedAt: after1.opened_at!.toISOString() });
  });

  it('the pixel is answered only once its hit is stored (stored before acknowledged), and does not wait for the counters', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel } = await sent(tenantId);
    const local = pixel.replace(/^https?:\/\/[^/]+/, base);
    let answered = false;
    let hit: Promise<Response> | undefined;
    // Hold the hits table: the open cannot be stored, so the pixel must not be answered yet.
    await inTenantTx(h.svc.dataSource, tenantId, async (tx) => {
      await tx.query(`LOCK TABLE tracking_hits IN SHARE MODE`);
      hit = fetch(local).then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 800));
      expect(answered).toBe(false);
    });
    const res = await hit!;
    expect(res.status).toBe(200);
    expect(await storedHits(m.messageId)).toBeLessThanOrEqual(1);
    await settled();
    expect((await row(m.messageId)).open_count).toBe(1);
    // Hold the message's row instead: the hit is stored and answered; its count and event follow once the row is free.
    await inTenantTx(h.svc.dataSource, tenantId, async (tx) => {
      await tx.query(`SELECT 1 FROM campaign_messages WHERE id = $1 FOR UPDATE`, [m.messageId]);
      expect((await fetch(local)).status).toBe(200);
      expect(await storedHits(m.messageId)).toBe(1);
    });
    await settled();
    expect(await storedHits(m.messageId)).toBe(0);
    expect((await row(m.messageId)).open_count).toBe(2);
    expect(await outboxTypes(tenantId)).toEqual(['crm.marketing.message.opened.v1']);
  });

  it('hits stored while the background step runs wait for its next run, processDelayMs later (not one transaction after another)', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel } = await sent(tenantId);
    const local = pixel.replace(/^https?:\/\/[^/]+/, base);
    const tracking = h.svc.app.get(Tracking);
    const delay = tracking.processDelayMs;
    tracking.processDelayMs = 600;
    const runs: { start: number; end?: number }[] = [];
    const apply = (tracking as unknown as { applyHits: (t: string) => Promise<number> }).applyHits;
    const spy = jest.spyOn(tracking as unknown as { applyHits: (t: string) => Promise<number> }, 'applyHits').mockImplementation(async function (this: Tracking, t: string) {
      if (t !== tenantId) return apply.call(this, t);
      const run: { start: number; end?: number } = { start: Date.now() };
      runs.push(run);
      try {
        return await apply.call(this, t);
      } finally {
        run.end = Date.now();
      }
    });
    try {
      // The first run waits on the message's row (its hit already taken); a second hit is stored while it waits.
      await inTenantTx(h.svc.dataSource, tenantId, async (tx) => {
        await tx.query(`SELECT 1 FROM campaign_messages WHERE id = $1 FOR UPDATE`, [m.messageId]);
        const [{ pid }] = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
        expect((await fetch(local)).status).toBe(200);
        const deadline = Date.now() + 5_000;
        const blocked = async () => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]))[0].n > 0;
        while (!(await blocked()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(runs).toHaveLength(1);
        expect((await fetch(local)).status).toBe(200);
      });
      const deadline = Date.now() + 10_000;
      while ((await storedHits(m.messageId)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await row(m.messageId)).open_count).toBe(2);
      expect(runs).toHaveLength(2);
      expect(runs[1].start - runs[0].end!).toBeGreaterThanOrEqual(500);
    } finally {
      spy.mockRestore();
      tracking.processDelayMs = delay;
    }
  });

  it('click: 302 to the stored URL of that link, MessageClickedV1 per click', async () => {
    const tenantId = uniqueTenant();
    const { m, clicks } = await sent(tenantId);
    expect(clicks).toHaveLength(2);
    const res = await fetch(clicks[1].replace(/^https?:\/\/[^/]+/, base), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/autumn');
    await settled();
    expect((await row(m.messageId)).click_count).toBe(1);
    const events = await h.outboxEvents(tenantId);
    expect(events).toEqual([{ key: m.messageId, type: 'crm.marketing.message.clicked.v1', data: expect.objectContaining({ messageId: m.messageId, url: 'https://shop.example/autumn' }) }]);
  });

  it('clicks are stored like opens: held back until committed, several hits of one message in one write, each click redirected to its own link with its event', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel, clicks } = await sent(tenantId);
    const local = (u: string) => u.replace(/^https?:\/\/[^/]+/, base);
    let answered = 0;
    let hits: Promise<Response[]> | undefined;
    // Hold the hits table: nothing can be stored, so no click may be redirected yet (stored before acknowledged).
    await inTenantTx(h.svc.dataSource, tenantId, async (tx) => {
      await tx.query(`LOCK TABLE tracking_hits IN SHARE MODE`);
      hits = Promise.all([clicks[0], clicks[1], clicks[1], pixel, pixel].map((u) => fetch(local(u), { redirect: 'manual' }).then((r) => ((answered += 1), r))));
      await new Promise((r) => setTimeout(r, 800));
      expect(answered).toBe(0);
    });
    const res = await hits!;
    expect(res.map((r) => [r.status, r.headers.get('location')])).toEqual([
      [302, 'https://shop.example/spring'],
      [302, 'https://shop.example/autumn'],
      [302, 'https://shop.example/autumn'],
      [200, null],
      [200, null],
    ]);
    await settled();
    const after = await row(m.messageId);
    expect([after.click_count, after.open_count]).toEqual([3, 2]);
    expect(after.clicked_at).toBeInstanceOf(Date);
    const events = await h.outboxEvents(tenantId);
    expect(events.filter((e) => e.type === 'crm.marketing.message.clicked.v1').map((e) => (e.data as { url: string }).url).sort()).toEqual(['https://shop.example/autumn', 'https://shop.example/autumn', 'https://shop.example/spring']);
    expect(events.filter((e) => e.type === 'crm.marketing.message.opened.v1')).toHaveLength(1);
    // Stored together: the first hit's insert waited on the lock while the other four arrived, so the
    // three clicks took at most two statements (a click's clickedAt is the time its hit was stored).
    const clickTimes = events.filter((e) => e.type === 'crm.marketing.message.clicked.v1').map((e) => (e.data as { clickedAt: string }).clickedAt);
    expect(new Set(clickTimes).size).toBeLessThan(3);
  });

  it('a forged or foreign token is a 404 and changes nothing; a link the message does not have cannot be produced', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel, clicks, unsubscribe } = await sent(tenantId);
    const local = (u: string) => u.replace(/^https?:\/\/[^/]+/, base);
    const flip = (u: string) => {
      const i = u.length - 8;
      return u.slice(0, i) + (u[i] === 'A' ? 'B' : 'A') + u.slice(i + 1);
    };
    const before = await row(m.messageId);
    const forgedOpen = local(pixel).replace(/([^/]+)\.gif$/, (_, t: string) => `${flip(t)}.gif`);
    expect((await fetch(forgedOpen)).status).toBe(404);
    expect((await fetch(flip(local(clicks[0])), { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(flip(local(unsubscribe)), { method: 'POST' })).status).toBe(404);
    // Signed with another key (e.g. an attacker's): 404.
    const other = signToken('some-other-secret-0123456789abcdef', { tenantId, messageId: m.messageId, kind: 'c', linkIndex: 0 });
    expect((await fetch(`${base}/t/c/${other}`, { redirect: 'manual' })).status).toBe(404);
    // The right key but a link index beyond the message's links: nothing to redirect to.
    const beyond = signToken('dev-marketing-tracking-secret-change-me', { tenantId, messageId: m.messageId, kind: 'c', linkIndex: 2 });
    expect((await fetch(`${base}/t/c/${beyond}`, { redirect: 'manual' })).status).toBe(404);
    // An open token is not a click token.
    expect((await fetch(`${base}/t/c/${/\/t\/o\/([^/]+)\.gif$/.exec(pixel)![1]}`, { redirect: 'manual' })).status).toBe(404);
    await settled();
    expect(await row(m.messageId)).toEqual(before);
    expect(await storedHits(m.messageId)).toBe(0);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
  });

  it('unsubscribe: GET shows a confirmation and changes nothing; the one-click POST suppresses the address and emits UnsubscribedV1 once', async () => {
    const tenantId = uniqueTenant();
    const { m, unsubscribe } = await sent(tenantId);
    const url = unsubscribe.replace(/^https?:\/\/[^/]+/, base);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await row(m.messageId)).unsubscribed_at).toBeNull();
    const post = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect((await row(m.messageId)).unsubscribed_at).toBeInstanceOf(Date);
    expect(await h.sql(`SELECT channel, address, reason FROM "${h.schema}".suppressions WHERE tenant_id = $1`, [tenantId])).toEqual([{ channel: 'email', address: 'ada@example.org', reason: 'unsubscribe' }]);
    const events = await h.outboxEvents(tenantId);
    expect(events).toEqual([
      { key: m.contactId, type: 'crm.marketing.contact.unsubscribed.v1', data: { contactId: m.contactId, channel: 'email', reason: 'unsubscribe', campaignId: m.campaignId, campaignName: 'Spring sale', messageId: m.messageId, unsubscribedAt: expect.any(String) } },
    ]);
  });

  it('provider webhooks: a bad signature is 401 and records nothing; delivered, hard bounce and complaint update the message, suppress and emit', async () => {
    const tenantId = uniqueTenant();
    const a = (await sent(tenantId)).m;
    const b = (await sent(tenantId, { address: 'bob@example.org' })).m;
    const c = (await sent(tenantId, { address: 'carol@example.org' })).m;
    const body = JSON.stringify({
      events: [
        { messageId: `<${a.messageId}@crm.localhost>`, type: 'delivered', occurredAt: '2026-04-01T09:00:07.000Z' },
        { messageId: b.messageId, type: 'bounced', bounce: 'hard', diagnostic: '550 5.1.1 user unknown', occurredAt: '2026-04-01T09:00:09.000Z' },
        { messageId: c.messageId, type: 'complained', occurredAt: '2026-04-01T11:00:00.000Z' },
        { messageId: '00000000-0000-4000-8000-000000000000', type: 'delivered' },
      ],
    });
    const sign = (s: string, key = WEBHOOK_SECRET) => `sha256=${createHmac('sha256', key).update(s).digest('hex')}`;
    const post = (path: string, sig: string | undefined, payload = body) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'x-crm-signature': sig } : {}) }, body: payload });
    expect((await post('/webhooks/email', undefined)).status).toBe(401);
    expect((await post('/webhooks/email', sign(body, 'wrong-secret-0123456789abcdef'))).status).toBe(401);
    expect((await post('/webhooks/email', sign(body), body.replace('hard', 'soft'))).status).toBe(401);
    expect((await row(a.messageId)).delivered_at).toBeNull();
    expect(await h.outboxEvents(tenantId)).toEqual([]);

    const ok = await post('/webhooks/email', sign(body));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ applied: 3, unknown: 1 });
    expect(await row(a.messageId)).toMatchObject({ status: 'delivered', delivered_at: new Date('2026-04-01T09:00:07.000Z') });
    expect(await row(b.messageId)).toMatchObject({ status: 'bounced', bounced_at: new Date('2026-04-01T09:00:09.000Z') });
    expect(await row(c.messageId)).toMatchObject({ complained_at: new Date('2026-04-01T11:00:00.000Z') });
    expect(await h.sql(`SELECT address, reason FROM "${h.schema}".suppressions WHERE tenant_id = $1 ORDER BY address`, [tenantId])).toEqual([
      { address: 'bob@example.org', reason: 'hard_bounce' },
      { address: 'carol@example.org', reason: 'complaint' },
    ]);
    expect((await h.outboxEvents(tenantId)).map((e) => [e.type, e.key])).toEqual([
      ['crm.marketing.message.delivered.v1', a.messageId],
      ['crm.marketing.message.bounced.v1', b.messageId],
      ['crm.marketing.message.complained.v1', c.messageId],
      ['crm.marketing.contact.unsubscribed.v1', c.contactId],
    ]);
    // The same callbacks again (providers retry): no new events.
    expect((await post('/webhooks/sms', sign(body))).status).toBe(200);
    expect(await h.outboxEvents(tenantId)).toHaveLength(4);
    // Bad JSON shape, correctly signed: 400 naming the field.
    const bad = JSON.stringify({ events: [{ messageId: a.messageId, type: 'exploded' }] });
    const res = await post('/webhooks/email', sign(bad), bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: unknown }).fields).toEqual([{ field: 'events.0.type', message: expect.any(String) }]);
  });

  it('contact data: a merge moves the tracked messages to the survivor; an erasure removes them and the caught emails (its pixel then counts nothing)', async () => {
    const tenantId = uniqueTenant();
    const { m, pixel } = await sent(tenantId);
    const survivor = '6f0c1f3e-8d43-4a36-9a55-0e0f5a1b2c3d';
    const data = new DeliveryContactData();
    await inTenantTx(h.svc.dataSource, tenantId, (tx) => data.moveContact(tx, m.contactId, survivor));
    expect(await h.sql(`SELECT contact_id FROM "${h.schema}".delivery_messages WHERE message_id = $1`, [m.messageId])).toEqual([{ contact_id: survivor }]);
    await inTenantTx(h.svc.dataSource, tenantId, (tx) => data.eraseContact(tx, survivor));
    expect(await h.sql(`SELECT 1 FROM "${h.schema}".delivery_messages WHERE message_id = $1`, [m.messageId])).toEqual([]);
    expect(await h.sql(`SELECT 1 FROM "${h.schema}".caught_mail WHERE message_id = $1`, [m.messageId])).toEqual([]);
    expect((await fetch(pixel.replace(/^https?:\/\/[^/]+/, base))).status).toBe(200);
    expect(await storedHits(m.messageId)).toBe(0);
    await settled();
    expect((await row(m.messageId)).open_count).toBe(0);
  });
});
