import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableCrossTenantSweep } from '@crm/platform';

/**
 * The stored inbound tracking hit (open pixel, click redirect): the smallest durable record a hit
 * needs before it is answered. A background step (Tracking.process) turns hits into the message's
 * counters and events and deletes them in the same transaction, so every stored hit is applied
 * exactly once and a restart resumes with what is left here.
 *
 * Written by one statement for all tenants at once (the module's login with no tenant bound, as
 * the outbox relay reads the outbox: cross-tenant sweep policy), after the message and the link were
 * checked against delivery_messages in that same statement; read and deleted per tenant under the
 * tenant's row-level security.
 */
export class MarketingTrackingHits1796400000100 implements MigrationInterface {
  name = 'MarketingTrackingHits1796400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tracking_hits (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        message_id uuid NOT NULL,
        link_index int,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`COMMENT ON COLUMN tracking_hits.link_index IS 'null: an open; otherwise the clicked link''s position in delivery_messages.links'`);
    await q.query(`CREATE INDEX tracking_hits_tenant ON tracking_hits (tenant_id, id)`);
    await enableCrossTenantSweep(q, 'tracking_hits', { tenantColumn: true });
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tracking_hits`);
  }
}
