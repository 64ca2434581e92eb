import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/**
 * Issue 10 §2, the directory: users (keyed by the identity provider's `sub`, provisioned on their
 * first request), teams with a lead and members, and one tenant profile per tenant. Contacts is its
 * one writer; other modules replicate it through @crm/shared-directory.
 *
 * `users.key` is a surrogate uuid only because keyset cursors carry a uuid tie-breaker; every other
 * table and every event names a user by `user_id` (the `sub`).
 */
export class Directory1796200000010 implements MigrationInterface {
  name = 'Directory1796200000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        key uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        email text,
        active boolean NOT NULL DEFAULT true,
        time_zone text,
        locale text,
        roles text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id),
        UNIQUE (tenant_id, key)
      )`);
    await q.query(`CREATE INDEX users_name ON users (tenant_id, lower(name), key)`);
    await q.query(`
      CREATE TABLE teams (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        lead_id text,
        archived_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, lead_id) REFERENCES users (tenant_id, user_id)
      )`);
    // One active team per name: two "Benelux" teams would make the team filter ambiguous to a user.
    await q.query(`CREATE UNIQUE INDEX teams_active_name ON teams (tenant_id, lower(name)) WHERE archived_at IS NULL`);
    await q.query(`
      CREATE TABLE team_members (
        tenant_id text NOT NULL,
        team_id uuid NOT NULL,
        user_id text NOT NULL,
        PRIMARY KEY (tenant_id, team_id, user_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
      )`);
    await q.query(`CREATE INDEX team_members_user ON team_members (tenant_id, user_id)`);
    await q.query(`
      CREATE TABLE tenant_profiles (
        tenant_id text PRIMARY KEY,
        legal_name text,
        address jsonb,
        vat_id text,
        logo_url text,
        default_currency text NOT NULL,
        time_zone text NOT NULL,
        locale text NOT NULL,
        fiscal_year_start_month smallint NOT NULL CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const t of ['users', 'teams', 'team_members', 'tenant_profiles']) await enableTenantIsolation(q, t);
    // The team filter of the contacts and companies lists: owned by a member of the team.
    await q.query(`CREATE INDEX IF NOT EXISTS contacts_owner ON contacts (tenant_id, owner_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS companies_owner ON companies (tenant_id, owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS companies_owner');
    await q.query('DROP INDEX IF EXISTS contacts_owner');
    await q.query('DROP TABLE tenant_profiles');
    await q.query('DROP TABLE team_members');
    await q.query('DROP TABLE teams');
    await q.query('DROP TABLE users');
  }
}
