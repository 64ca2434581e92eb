import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from '@crm/platform';

/**
 * The directory replica a module keeps (users, teams, the tenant profile), fed by the directory
 * events of contacts. A service importing DirectoryReplicaModule runs it (ModuleMigrations).
 * Unqualified names: search_path puts the service schema first. Tenant-isolated by row-level
 * security like every tenant table.
 */
export class DirectoryReplicaTables1796200000011 implements MigrationInterface {
  name = 'DirectoryReplicaTables1796200000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_users (
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        email text,
        active boolean NOT NULL,
        time_zone text,
        locale text,
        roles text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE directory_teams (
        tenant_id text NOT NULL,
        team_id uuid NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        lead_id text,
        member_ids text[] NOT NULL DEFAULT '{}',
        archived boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, team_id)
      )`);
    await q.query(`
      CREATE TABLE directory_tenant_profile (
        tenant_id text PRIMARY KEY,
        version integer NOT NULL,
        profile jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    const role = await appRole(q);
    for (const t of ['directory_users', 'directory_teams', 'directory_tenant_profile']) {
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${role}`);
      await enableTenantIsolation(q, t);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE directory_tenant_profile');
    await q.query('DROP TABLE directory_teams');
    await q.query('DROP TABLE directory_users');
  }
}
