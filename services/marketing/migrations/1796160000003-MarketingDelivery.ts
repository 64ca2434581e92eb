import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableCrossTenantSweep, enableTenantIsolation } from '@crm/platform';

/**
 * Delivery and tracking: what the adapters keep of each message they hand over (tracked links, the
 * letters of the post channel, the call list of the phone channel) and the local mail catcher.
 */
export class MarketingDelivery1796160000003 implements MigrationInterface {
  name = 'MarketingDelivery1796160000003';

  async up(q: QueryRunner): Promise<void> {
    // One row per message an adapter handed over: the links a click token may point to (no open
    // redirect: a click resolves to one of these or to nothing) and the message's references for the
    // tracking events. Provider callbacks and the mail catcher know only a message id, not its
    // tenant: they look the tenant up here on an unbound connection (cross-tenant sweep policy).
    await q.query(`
      CREATE TABLE delivery_messages (
        message_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL,
        campaign_name text NOT NULL,
        contact_id uuid NOT NULL,
        channel text NOT NULL,
        variant text,
        address text NOT NULL,
        links text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX delivery_messages_contact ON delivery_messages (tenant_id, contact_id)`);
    await enableCrossTenantSweep(q, 'delivery_messages', { tenantColumn: true });

    await q.query(`
      CREATE TABLE caught_mail (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        message_id uuid,
        mail_from text NOT NULL,
        mail_to text NOT NULL,
        subject text,
        text_body text,
        html_body text,
        headers jsonb NOT NULL,
        size_bytes int NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX caught_mail_received ON caught_mail (tenant_id, received_at DESC, id DESC)`);
    await enableTenantIsolation(q, 'caught_mail');

    await q.query(`
      CREATE TABLE letters (
        message_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        recipient_name text NOT NULL,
        address_lines text[] NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX letters_campaign ON letters (tenant_id, campaign_id, created_at, message_id)`);
    await q.query(`CREATE INDEX letters_contact ON letters (tenant_id, contact_id)`);
    await enableTenantIsolation(q, 'letters');

    await q.query(`
      CREATE TABLE call_tasks (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL,
        campaign_name text NOT NULL,
        contact_id uuid NOT NULL,
        recipient_name text NOT NULL,
        phone text NOT NULL,
        script text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        outcome text CHECK (outcome IN ('reached', 'no_answer', 'voicemail', 'wrong_number', 'declined', 'callback')),
        notes text,
        done_by text,
        done_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX call_tasks_campaign ON call_tasks (tenant_id, campaign_id, created_at, id)`);
    await q.query(`CREATE INDEX call_tasks_contact ON call_tasks (tenant_id, contact_id)`);
    await enableTenantIsolation(q, 'call_tasks');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['call_tasks', 'letters', 'caught_mail', 'delivery_messages']) await q.query(`DROP TABLE ${t}`);
  }
}
