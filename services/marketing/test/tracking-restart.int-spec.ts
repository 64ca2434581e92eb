import { Client } from 'pg';
import { databaseUrl, uniqueTenant } from '@crm/testing';
import { ChannelAdapters } from '../src/delivery/channel.port';
import { TENANTS_WITH_HITS, Tracking } from '../src/tracking/tracking.service';
import { ensureCampaignTables, queuedMessage } from './delivery-fixtures';
import { startMarketing, type Harness } from './harness';

describe('stored tracking hits: nothing lost across a restart, each applied once', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startMarketing();
    await ensureCampaignTables(h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const stored = async (id: string) => h.sql<{ link_index: number | null; at: Date }>(`SELECT link_index, at FROM "${h.schema}".tracking_hits WHERE message_id = $1 ORDER BY id`, [id]);
  const row = async (id: string) =>
    (await h.sql<{ open_count: number; opened_at: Date | null; click_count: number; clicked_at: Date | null }>(`SELECT open_count, opened_at, click_count, clicked_at FROM "${h.schema}".campaign_messages WHERE id = $1`, [id]))[0];

  it('hits answered but not yet applied when the process stops are applied by the next process: counters, one opened event, one clicked event per click; a further restart adds nothing', async () => {
    const tenantId = uniqueTenant();
    const m = await queuedMessage(h, tenantId, { html: '<html><body><a href="https://shop.example/spring">Spring</a><a href="https://shop.example/autumn">Autumn</a></body></html>' });
    await h.svc.app.get(ChannelAdapters).get('email').send(m);
    const [mail] = await h.sql<{ html_body: string }>(`SELECT html_body FROM "${h.schema}".caught_mail WHERE message_id = $1`, [m.messageId]);
    const base = h.svc.url.replace(/\/graphql$/, '');
    const local = (u: string) => u.replace(/^https?:\/\/[^/]+/, base);
    const pixel = local(/<img src="([^"]+)"/.exec(mail.html_body)![1]);
    const clicks = [...mail.html_body.matchAll(/href="([^"]+\/t\/c\/[^"]+)"/g)].map((x) => local(x[1]));

    // The background step of this process waits (as under load, or as if the process died before it ran).
    h.svc.app.get(Tracking).processDelayMs = 3_600_000;
    expect((await fetch(pixel)).status).toBe(200);
    expect((await fetch(clicks[1], { redirect: 'manual' })).headers.get('location')).toBe('https://shop.example/autumn');
    expect((await fetch(pixel)).status).toBe(200);
    expect((await fetch(clicks[0], { redirect: 'manual' })).headers.get('location')).toBe('https://shop.example/spring');
    const hits = await stored(m.messageId);
    expect(hits.map((x) => x.link_index)).toEqual([null, 1, null, 0]);
    expect(await row(m.messageId)).toMatchObject({ open_count: 0, opened_at: null, click_count: 0 });
    expect(await h.outboxEvents(tenantId)).toEqual([]);

    await h.restart(); // a graceful stop leaves stored hits stored; the new process finds them at start
    await h.svc.app.get(Tracking).settled();
    expect(await stored(m.messageId)).toEqual([]);
    expect(await row(m.messageId)).toEqual({ open_count: 2, opened_at: hits[0].at, click_count: 2, clicked_at: hits[1].at });
    const events = await h.outboxEvents(tenantId);
    expect(events.map((e) => [e.type, (e.data as { url?: string }).url])).toEqual([
      ['crm.marketing.message.opened.v1', undefined],
      ['crm.marketing.message.clicked.v1', 'https://shop.example/autumn'],
      ['crm.marketing.message.clicked.v1', 'https://shop.example/spring'],
    ]);
    expect(events[0].data).toEqual({ messageId: m.messageId, campaignId: m.campaignId, campaignName: 'Spring sale', contactId: m.contactId, channel: 'email', variant: null, openedAt: hits[0].at.toISOString() });
    expect((events[1].data as { clickedAt: string }).clickedAt).toBe(hits[1].at.toISOString());

    await h.restart();
    await h.svc.app.get(Tracking).settled();
    expect(await h.outboxEvents(tenantId)).toHaveLength(3);
    expect(await row(m.messageId)).toMatchObject({ open_count: 2, click_count: 2 });
  }, 60_000);

  it('the sweep finds every tenant with stored hits by one index probe per tenant, not by reading every hit', async () => {
    // In a transaction of its own, rolled back: the running service never sees these hits.
    const c = new Client({ connectionString: databaseUrl() });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL search_path = "${h.schema}"`);
      const tenants = [uniqueTenant(), uniqueTenant(), uniqueTenant()].sort();
      await c.query(`INSERT INTO tracking_hits (tenant_id, message_id) SELECT ($1::text[])[1 + i % 3], gen_random_uuid() FROM generate_series(1, 6000) i`, [tenants]);
      await c.query('ANALYZE tracking_hits');
      const found: string[] = (await c.query(TENANTS_WITH_HITS)).rows.map((r) => r.tenant_id);
      expect(found.filter((t) => tenants.includes(t)).sort()).toEqual(tenants);
      const [{ 'QUERY PLAN': [plan] }] = (await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${TENANTS_WITH_HITS}`)).rows;
      // Every row a node read from tracking_hits, over all its loops: one per tenant, and the probe that finds none.
      const read = (n: any): number => (n['Relation Name'] === 'tracking_hits' ? n['Actual Rows'] * n['Actual Loops'] : 0) + (n.Plans ?? []).reduce((sum: number, p: any) => sum + read(p), 0);
      expect(read(plan.Plan)).toBeLessThanOrEqual(found.length + 1);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  });
});
