import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/** Tenant tables of the marketing module; every one is under forced row-level security. */
export const MARKETING_TENANT_TABLES = ['segments'] as const;

/**
 * The module's first schema. SAMPLE: `segments` is the generated sample aggregate — rename it to the
 * module's first real aggregate (or replace it) before this migration ever runs in production;
 * afterwards, every change is a new migration file listed in src/service.ts.
 */
export class MarketingSchema1796153645498 implements MigrationInterface {
  name = 'MarketingSchema1796153645498';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        name text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX segments_contact ON segments (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX segments_created ON segments (tenant_id, created_at DESC, id DESC)`);
    for (const t of MARKETING_TENANT_TABLES) await enableTenantIsolation(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE segments`);
  }
}
