import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/** The attribution tables; every one is under forced row-level security. */
export const ATTRIBUTION_TABLES = ['ad_spend', 'touches', 'leads', 'sales_deals', 'sales_conversions', 'sales_seen', 'campaign_conversions'] as const;

/**
 * Ad spend, the touches and leads marketing projects from its own events and the contacts topic, the
 * projection of sales' deals and revenue (from crm.sales.events only; marketing never reads sales'
 * tables), and the campaign conversions the campaigns context reads.
 *
 * Attribution dimensions (source, medium, campaign, keyword) are stored '' when unknown, never NULL:
 * they are part of keys (a NULL would make two "unknown" spend rows distinct) and of GROUP BYs.
 */
export class MarketingAttribution1796160000005 implements MigrationInterface {
  name = 'MarketingAttribution1796160000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ad_spend (
        id uuid NOT NULL,
        tenant_id text NOT NULL,
        day date NOT NULL,
        source text NOT NULL,
        medium text NOT NULL DEFAULT '',
        campaign text NOT NULL DEFAULT '',
        keyword text NOT NULL DEFAULT '',
        cost numeric(20, 3) NOT NULL CHECK (cost >= 0),
        currency text NOT NULL,
        clicks integer CHECK (clicks >= 0),
        impressions integer CHECK (impressions >= 0),
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, day, source, medium, campaign, keyword)
      )`);
    await q.query(`CREATE UNIQUE INDEX ad_spend_id ON ad_spend (tenant_id, id)`);

    // One row per touch; touch_key makes a redelivered or repeated event (a second click) no second touch.
    await q.query(`
      CREATE TABLE touches (
        tenant_id text NOT NULL,
        touch_key text NOT NULL,
        contact_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('form', 'campaign_sent', 'campaign_clicked', 'deal_source')),
        touched_at timestamptz NOT NULL,
        source text NOT NULL DEFAULT '',
        medium text NOT NULL DEFAULT '',
        campaign text NOT NULL DEFAULT '',
        keyword text NOT NULL DEFAULT '',
        campaign_id uuid,
        PRIMARY KEY (tenant_id, touch_key)
      )`);
    await q.query(`CREATE INDEX touches_contact ON touches (tenant_id, contact_id, touched_at)`);
    await q.query(`CREATE INDEX touches_campaign ON touches (tenant_id, campaign_id, contact_id) WHERE campaign_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE leads (
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        lead_at timestamptz NOT NULL,
        mql_at timestamptz,
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await q.query(`CREATE INDEX leads_at ON leads (tenant_id, lead_at)`);

    await q.query(`
      CREATE TABLE sales_deals (
        tenant_id text NOT NULL,
        deal_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, deal_id)
      )`);
    await q.query(`CREATE INDEX sales_deals_contact ON sales_deals (tenant_id, contact_id)`);

    // A won deal or a placed order; the row is deleted when the deal is reopened or the order cancelled.
    await q.query(`
      CREATE TABLE sales_conversions (
        tenant_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('deal_won', 'order_placed')),
        source_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        deal_id uuid,
        amount numeric(20, 3) NOT NULL,
        currency text NOT NULL,
        converted_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, kind, source_id)
      )`);
    await q.query(`CREATE INDEX sales_conversions_at ON sales_conversions (tenant_id, converted_at)`);
    await q.query(`CREATE INDEX sales_conversions_contact ON sales_conversions (tenant_id, contact_id)`);

    // Whether this tenant has ever had a sales event: without one, revenue is unknown, not zero.
    await q.query(`CREATE TABLE sales_seen (tenant_id text PRIMARY KEY, first_event_at timestamptz NOT NULL)`);

    await q.query(`
      CREATE TABLE campaign_conversions (
        tenant_id text NOT NULL,
        campaign_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('deal_won', 'order_placed')),
        source_id uuid NOT NULL,
        amount numeric(20, 3) NOT NULL,
        currency text NOT NULL,
        converted_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, campaign_id, kind, source_id)
      )`);
    await q.query(`CREATE INDEX campaign_conversions_contact ON campaign_conversions (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX campaign_conversions_source ON campaign_conversions (tenant_id, kind, source_id)`);

    for (const t of ATTRIBUTION_TABLES) await enableTenantIsolation(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...ATTRIBUTION_TABLES].reverse()) await q.query(`DROP TABLE ${t}`);
  }
}
