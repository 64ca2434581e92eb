import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrl, uniqueId } from '@crm/testing';

const CLI = join(__dirname, '../bin/crm.js');

/**
 * `crm db init` on a database of its own (roles are cluster-wide and shared with other runs: the
 * test sets the same passwords every time, and never drops crm_contacts / crm_sales).
 */
describe('crm db init (issue 6 §4)', () => {
  const database = uniqueId('crm_dbinit').toLowerCase();
  const adminUrl = (() => {
    const u = new URL(databaseUrl());
    u.pathname = `/${database}`;
    return u.toString();
  })();
  const env = { ...process.env, CONTACTS_DB_PASSWORD: 'contacts-test-pw', SALES_DB_PASSWORD: 'sales-test-pw', DATABASE_ADMIN_URL: adminUrl };
  const q = async <T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const init = () => spawnSync(process.execPath, [CLI, 'db', 'init', '--modules', 'contacts,sales'], { env, encoding: 'utf8' });

  beforeAll(async () => {
    await q(databaseUrl(), `CREATE DATABASE "${database}"`);
    // A schema as the older superuser layout left it: owned by the admin, privileges granted to crm_app.
    await q(adminUrl, `DO $$ BEGIN CREATE ROLE crm_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await q(adminUrl, `CREATE SCHEMA contacts; CREATE TABLE contacts.legacy (tenant_id text); GRANT USAGE ON SCHEMA contacts TO crm_app; GRANT SELECT, INSERT ON contacts.legacy TO crm_app`);
  });
  afterAll(async () => {
    await q(databaseUrl(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    await q(databaseUrl(), `DROP DATABASE IF EXISTS "${database}"`);
  });

  it('creates one NOSUPERUSER NOBYPASSRLS login per module owning its schema only, prints its URL, and is idempotent', async () => {
    const r = init();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^CONTACTS_DATABASE_URL=postgres:\/\/crm_contacts:\*\*\*\*@/m);
    expect(r.stdout).toMatch(/^SALES_DATABASE_URL=postgres:\/\/crm_sales:\*\*\*\*@/m);
    expect(init().status).toBe(0);

    const roles = await q(adminUrl, `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname LIKE 'crm\\_contacts%' OR rolname LIKE 'crm\\_sales%' ORDER BY rolname`);
    expect(roles).toEqual([
      { rolname: 'crm_contacts', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true },
      { rolname: 'crm_contacts_app', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: false },
      { rolname: 'crm_sales', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true },
      { rolname: 'crm_sales_app', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: false },
    ]);
    expect(await q(adminUrl, `SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('contacts', 'sales') ORDER BY 1`)).toEqual([
      { nspname: 'contacts', owner: 'crm_contacts' },
      { nspname: 'sales', owner: 'crm_sales' },
    ]);

    const asContacts = (() => {
      const u = new URL(adminUrl);
      u.username = 'crm_contacts';
      u.password = 'contacts-test-pw';
      return u.toString();
    })();
    const asSales = asContacts.replace('crm_contacts:contacts-test-pw', 'crm_sales:sales-test-pw');
    await q(asSales, `CREATE TABLE sales.deals (id int)`);
    await expect(q(asContacts, `SELECT * FROM sales.deals`)).rejects.toThrow(/permission denied for schema sales/);
    await expect(q(asContacts, `SET ROLE crm_sales`)).rejects.toThrow(/permission denied/);
    await expect(q(asContacts, `SET ROLE crm_app`)).rejects.toThrow(/permission denied/);
    await expect(q(asContacts, `CREATE SCHEMA other`)).rejects.toThrow(/permission denied/);

    // The legacy schema was adopted: the login owns its table, the app role has what crm_app had.
    expect(await q(adminUrl, `SELECT tableowner FROM pg_tables WHERE schemaname = 'contacts' AND tablename = 'legacy'`)).toEqual([{ tableowner: 'crm_contacts' }]);
    const privs = await q(adminUrl, `SELECT privilege_type FROM information_schema.role_table_grants WHERE table_schema = 'contacts' AND table_name = 'legacy' AND grantee = 'crm_contacts_app' ORDER BY 1`);
    expect(privs.map((p) => p.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });

  it('refuses to run without an admin URL, naming the variable', () => {
    const r = spawnSync(process.execPath, [CLI, 'db', 'init'], { env: { ...process.env, DATABASE_ADMIN_URL: '', DATABASE_URL: '' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_ADMIN_URL/);
  });
});
