import { randomUUID } from 'node:crypto';
import type { OutboundMessage } from '../src/delivery/channel.port';
import type { Harness } from './harness';

/**
 * campaign_messages and suppressions belong to the campaigns area; until its migration is in this
 * branch, the delivery tests create the agreed columns (common brief) themselves, as the module's
 * login would see them (app role grants, row-level security).
 */
export async function ensureCampaignTables(h: Harness): Promise<void> {
  const s = `"${h.schema}"`;
  const exists = await h.sql(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'campaign_messages'`, [h.schema]);
  if (!exists.length) {
    await h.sql(`
      CREATE TABLE ${s}.campaign_messages (
        tenant_id text NOT NULL, id uuid PRIMARY KEY, campaign_id uuid NOT NULL, step_id uuid, contact_id uuid NOT NULL,
        variant text, channel text, address text, skip_reason text, status text NOT NULL, idempotency_key text NOT NULL,
        provider_message_id text, queued_at timestamptz, sent_at timestamptz, delivered_at timestamptz, opened_at timestamptz,
        clicked_at timestamptz, bounced_at timestamptz, complained_at timestamptz, unsubscribed_at timestamptz,
        open_count int NOT NULL DEFAULT 0, click_count int NOT NULL DEFAULT 0, subject text, body_text text, body_html text,
        UNIQUE (tenant_id, idempotency_key))`);
    await h.sql(`
      CREATE TABLE ${s}.suppressions (
        tenant_id text NOT NULL, channel text NOT NULL, address text NOT NULL, reason text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, channel, address))`);
    for (const t of ['campaign_messages', 'suppressions']) {
      await h.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.${t} TO "${h.schema}_app"`);
      await h.sql(`ALTER TABLE ${s}.${t} ENABLE ROW LEVEL SECURITY`);
      await h.sql(`ALTER TABLE ${s}.${t} FORCE ROW LEVEL SECURITY`);
      await h.sql(`CREATE POLICY tenant_isolation ON ${s}.${t} USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`);
    }
  }
}

/** A queued campaign message (as the dispatcher leaves it before the hand-over) and what it hands to the adapter. */
export async function queuedMessage(h: Harness, tenantId: string, over: Partial<OutboundMessage> = {}): Promise<OutboundMessage> {
  const m: OutboundMessage = {
    tenantId,
    messageId: randomUUID(),
    campaignId: randomUUID(),
    campaignName: 'Spring sale',
    contactId: randomUUID(),
    channel: 'email',
    variant: null,
    address: 'ada@example.org',
    recipientName: 'Ada Lovelace',
    subject: 'Spring is here',
    html: '<html><body><p>Hello Ada</p><a href="https://shop.example/spring">Shop</a></body></html>',
    text: 'Hello Ada\nShop: https://shop.example/spring',
    ...over,
  };
  await h.sql(
    `INSERT INTO "${h.schema}".campaign_messages (tenant_id, id, campaign_id, step_id, contact_id, variant, channel, address, status, idempotency_key, queued_at, subject, body_text, body_html)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, now(), $10, $11, $12)`,
    [tenantId, m.messageId, m.campaignId, randomUUID(), m.contactId, m.variant, m.channel, m.address, `${m.campaignId}:${m.contactId}`, m.subject, m.text, m.html],
  );
  return m;
}
