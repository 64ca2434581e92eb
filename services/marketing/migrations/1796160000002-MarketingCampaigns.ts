import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createJobTable, enableTenantIsolation } from '@crm/platform';

/**
 * Campaigns: the campaign and its A/B variants and follow-up steps, every routing decision and send
 * (`campaign_messages`, one row per recipient and step), the global suppression list, the tenant's
 * campaign settings (frequency cap, default time zone) and the durable job queue that starts,
 * dispatches and decides campaigns (`campaign_jobs`, swept by the kernel's JobScheduler).
 */
export class MarketingCampaigns1796160000002 implements MigrationInterface {
  name = 'MarketingCampaigns1796160000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        goal text,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','scheduled','running','paused','completed','cancelled')),
        include_segment_ids uuid[] NOT NULL DEFAULT '{}',
        exclude_segment_ids uuid[] NOT NULL DEFAULT '{}',
        channels text[] NOT NULL,
        messages jsonb NOT NULL,
        schedule_window jsonb,
        throttle jsonb NOT NULL DEFAULT '{}',
        quiet_hours jsonb,
        ab_test jsonb,
        ab_winner text,
        ab_decided_at timestamptz,
        scheduled_at timestamptz,
        started_at timestamptz,
        paused_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX campaigns_created ON campaigns (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE campaign_variants (
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        key text NOT NULL,
        subject text,
        messages jsonb NOT NULL DEFAULT '{}',
        channel_order text[],
        PRIMARY KEY (campaign_id, key)
      )`);
    await q.query(`
      CREATE TABLE campaign_steps (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        position int NOT NULL,
        condition text NOT NULL CHECK (condition IN ('not_opened','not_clicked','opened','clicked')),
        after_hours numeric NOT NULL,
        channels text[] NOT NULL,
        messages jsonb NOT NULL,
        fired_at timestamptz,
        UNIQUE (campaign_id, position)
      )`);
    await q.query(`
      CREATE TABLE campaign_messages (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL,
        step_id uuid,
        contact_id uuid NOT NULL,
        variant text,
        -- routed in an A/B test's sample (the variant results compare these; the rest gets the winner later)
        in_test boolean NOT NULL DEFAULT false,
        channel text,
        address text,
        skip_reason text,
        passed_over jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL CHECK (status IN ('skipped','queued','sending','sent','delivered','bounced','failed','cancelled')),
        idempotency_key text NOT NULL,
        provider_message_id text,
        due_at timestamptz,
        routed_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz,
        sent_at timestamptz,
        delivered_at timestamptz,
        opened_at timestamptz,
        clicked_at timestamptz,
        bounced_at timestamptz,
        complained_at timestamptz,
        unsubscribed_at timestamptz,
        open_count int NOT NULL DEFAULT 0,
        click_count int NOT NULL DEFAULT 0,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        subject text,
        body_text text,
        body_html text,
        UNIQUE (tenant_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX campaign_messages_campaign ON campaign_messages (tenant_id, campaign_id, routed_at DESC, id DESC)`);
    await q.query(`CREATE INDEX campaign_messages_queue ON campaign_messages (campaign_id, channel, due_at) WHERE status = 'queued'`);
    // A contact's messages, newest first (Contact.campaignMessages); also what the frequency cap counts.
    await q.query(`CREATE INDEX campaign_messages_contact ON campaign_messages (tenant_id, contact_id, routed_at DESC, id DESC)`);
    await q.query(`CREATE INDEX campaign_messages_provider ON campaign_messages (provider_message_id) WHERE provider_message_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE suppressions (
        tenant_id text NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        channel text NOT NULL,
        address text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('hard_bounce','complaint','unsubscribe','manual')),
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, channel, address)
      )`);
    await q.query(`CREATE INDEX suppressions_created ON suppressions (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE campaign_settings (
        tenant_id text PRIMARY KEY,
        frequency_cap int NOT NULL DEFAULT 3,
        frequency_window_days int NOT NULL DEFAULT 7,
        default_time_zone text NOT NULL DEFAULT 'UTC',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const t of ['campaigns', 'campaign_variants', 'campaign_steps', 'campaign_messages', 'suppressions', 'campaign_settings']) await enableTenantIsolation(q, t);
    // kind: start (route the audience) | dispatch (send a batch) | ab_decide (pick the winner) | step (a follow-up)
    await createJobTable(q, 'campaign_jobs');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_jobs, campaign_settings, suppressions, campaign_messages, campaign_steps, campaign_variants, campaigns`);
  }
}
