import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from '@crm/platform';

/**
 * The contact replica a module keeps of what it needs of contacts (fed by contact events). A service
 * importing ContactReplicaModule runs it (ModuleMigrations); its name and timestamp stay as they
 * were when services listed it by hand. Unqualified names: search_path puts the service
 * schema first. Tenant-isolated by row-level security like every tenant table.
 */
export class ContactReplicaTables1764000000100 implements MigrationInterface {
  name = 'ContactReplicaTables1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contact_replica (
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        version integer NOT NULL,
        first_name text,
        last_name text,
        display_name text NOT NULL,
        emails jsonb NOT NULL DEFAULT '[]',
        phones jsonb NOT NULL DEFAULT '[]',
        primary_email text,
        primary_phone text,
        company_id uuid,
        company_name text,
        tags text[] NOT NULL DEFAULT '{}',
        owner_id text,
        lifecycle_stage text,
        preferred_channels text[] NOT NULL DEFAULT '{}',
        consents jsonb NOT NULL DEFAULT '[]',
        merged_into uuid,
        erased_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await q.query(`CREATE INDEX contact_replica_merged_into ON contact_replica (tenant_id, merged_into) WHERE merged_into IS NOT NULL`);
    await q.query(`CREATE INDEX contact_replica_primary_email ON contact_replica (tenant_id, primary_email) WHERE primary_email IS NOT NULL`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON contact_replica TO ${await appRole(q)}`);
    await enableTenantIsolation(q, 'contact_replica');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE contact_replica');
  }
}
