import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from '@crm/platform';

/**
 * The companies a module may reference (a deal's companyId), fed by company.upserted and
 * company.merged on the contacts topic: which ids exist, their name and domains, and where a
 * merged-away company went. Tenant-isolated by row-level security like every tenant table.
 */
export class CompanyReplica1796200000001 implements MigrationInterface {
  name = 'CompanyReplica1796200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE company_replica (
        tenant_id text NOT NULL,
        company_id uuid NOT NULL,
        -- 0 for a row that only records a merge seen before any snapshot
        version integer NOT NULL,
        name text,
        domains text[] NOT NULL DEFAULT '{}',
        merged_into uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, company_id)
      )`);
    await q.query(`CREATE INDEX company_replica_merged_into ON company_replica (tenant_id, merged_into) WHERE merged_into IS NOT NULL`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON company_replica TO ${await appRole(q)}`);
    await enableTenantIsolation(q, 'company_replica');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE company_replica');
  }
}
