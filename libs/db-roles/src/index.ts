/** The part of a node-postgres Client these helpers use (an admin connection). */
export interface AdminClient {
  query(sql: string): Promise<unknown>;
  escapeIdentifier(s: string): string;
  escapeLiteral(s: string): string;
}

/**
 * Least-privilege database layout. Each module has
 *
 * - a LOGIN role (`crm_contacts`, `crm_sales`, …): NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE,
 *   owner of the module's schema and of nothing else. It runs the module's migrations and its
 *   cross-tenant infrastructure (outbox relay, retention and inbox purges, schedulers). No other
 *   module's schema grants it anything, so `SELECT … FROM sales.deals` as `crm_contacts` is refused.
 * - an app role `<login>_app` (NOLOGIN, granted to the login only): what every tenant-bound
 *   transaction switches to (`set_config('role', session_user || '_app', true)`, see libs/platform/src/kernel/tx.ts),
 *   and every connection of a service's read pool for its session (kernel/read-session.ts).
 *   It holds only DML grants on the module's tables (append-only tables get fewer), never ownership.
 *
 * Every tenant table is under FORCE ROW LEVEL SECURITY, so the login (the owner) is bound by the
 * tenant policy too: `RESET ROLE` inside a tenant transaction still sees one tenant only. The login
 * is a member of nothing but its app role, so `SET ROLE postgres` / another module's role fail.
 *
 * Limit (stated, not hidden): the tenant binding is a setting (`app.tenant_id`, per transaction or per read session). It
 * protects against code that forgets a tenant filter, not against SQL injected into the service —
 * injected SQL could set the setting to another tenant (on a read-pool connection, for the
 * requests that get that connection after it). The module boundary, in contrast, is enforced
 * by Postgres privileges and holds even then.
 */
export const appRoleOf = (login: string): string => `${login}_app`;

/** The login role of a module: `crm_<module>`. */
export const moduleLogin = (module: string): string => `crm_${module}`;

/** `url` with its user and password replaced (the admin URL → a module login's URL). */
export function urlWithLogin(url: string, login: string, password: string | undefined): string {
  const u = new URL(url);
  u.username = encodeURIComponent(login);
  u.password = password ? encodeURIComponent(password) : '';
  return u.toString();
}

export interface ModuleRoles {
  login: string;
  schema: string;
  /** Set (or reset) the login's password; undefined leaves an existing password alone. */
  password?: string;
}

/**
 * Creates (or brings up to date) a module's login, app role and schema. Idempotent; run by an admin
 * (`crm db init`, `crm start`, the test helpers). A schema left by the older single-superuser layout
 * (tables owned by another role, grants to the shared `crm_app`) is adopted: its objects are given to
 * the module login and the app role receives the table privileges `crm_app` had.
 */
export async function ensureModuleRoles(admin: AdminClient, r: ModuleRoles): Promise<void> {
  const login = admin.escapeIdentifier(r.login);
  const app = admin.escapeIdentifier(appRoleOf(r.login));
  const schema = admin.escapeIdentifier(r.schema);
  const lit = (s: string) => admin.escapeLiteral(s);
  // Concurrent callers (test files in parallel workers) may race on CREATE ROLE: take turns.
  await admin.query(`SELECT pg_advisory_lock(hashtext('crm.db-init'))`);
  try {
    await admin.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(r.login)}) THEN CREATE ROLE ${login} LOGIN; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(appRoleOf(r.login))}) THEN CREATE ROLE ${app} NOLOGIN; END IF;
    END $$`);
    await admin.query(`ALTER ROLE ${login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT`);
    if (r.password !== undefined) await admin.query(`ALTER ROLE ${login} PASSWORD ${lit(r.password)}`);
    await admin.query(`ALTER ROLE ${app} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    await admin.query(`GRANT ${app} TO ${login}`);
    await admin.query(`DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${lit(r.login)}); END $$`);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${login}`);
    await admin.query(`ALTER SCHEMA ${schema} OWNER TO ${login}`);
    await admin.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${app}`);
    // Tables the login creates later (migrations) are the app role's to read and write; a migration
    // narrows that where a table needs less (append-only consent history).
    await admin.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${login} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`);
    await admin.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${login} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${app}`);
    await adoptLegacySchema(admin, r.login, r.schema);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('crm.db-init'))`);
  }
}

/**
 * Objects of the schema owned by another role become the login's; the app role gets the table
 * privileges `crm_app` had. `crm_app`'s own grants are left in place: no module login is a member of
 * it (it cannot `SET ROLE crm_app`), and a not-yet-upgraded process still running as the old
 * superuser keeps working during the switch. Drop `crm_app` once every service runs as its login.
 */
async function adoptLegacySchema(admin: AdminClient, login: string, schema: string): Promise<void> {
  await admin.query(
    `DO $$ DECLARE t record; p record; adopted boolean := false; BEGIN
      FOR t IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c
                 WHERE c.relnamespace = ${admin.escapeLiteral(schema)}::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                   AND pg_get_userbyid(c.relowner) <> ${admin.escapeLiteral(login)}
                   AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', t.rel, ${admin.escapeLiteral(login)});
        adopted := true;
      END LOOP;
      -- Only while adopting (later runs must not re-grant what a migration has since revoked).
      IF adopted AND EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_app') THEN
        FOR p IN SELECT g.table_name, string_agg(g.privilege_type, ', ') AS privs FROM information_schema.role_table_grants g
                  WHERE g.table_schema = ${admin.escapeLiteral(schema)} AND g.grantee = 'crm_app' GROUP BY g.table_name LOOP
          EXECUTE format('GRANT %s ON %I.%I TO %I', p.privs, ${admin.escapeLiteral(schema)}, p.table_name, ${admin.escapeLiteral(appRoleOf(login))});
        END LOOP;
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', ${admin.escapeLiteral(schema)}, ${admin.escapeLiteral(appRoleOf(login))});
      END IF;
    END $$`,
  );
}

/** Drops a module's schema, login and app role (test teardown). */
export async function dropModuleRoles(admin: AdminClient, r: { login: string; schema: string }): Promise<void> {
  const login = admin.escapeIdentifier(r.login);
  const app = admin.escapeIdentifier(appRoleOf(r.login));
  // Same lock as ensureModuleRoles: role and database-ACL changes of parallel callers would collide.
  await admin.query(`SELECT pg_advisory_lock(hashtext('crm.db-init'))`);
  try {
    await dropLocked(admin, r, login, app);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('crm.db-init'))`);
  }
}

async function dropLocked(admin: AdminClient, r: { login: string; schema: string }, login: string, app: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${admin.escapeIdentifier(r.schema)} CASCADE`);
  await admin.query(`DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = ${admin.escapeLiteral(r.login)}) THEN EXECUTE 'DROP OWNED BY ${login.replace(/'/g, "''")}'; END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = ${admin.escapeLiteral(appRoleOf(r.login))}) THEN EXECUTE 'DROP OWNED BY ${app.replace(/'/g, "''")}'; END IF;
  END $$`);
  await admin.query(`DROP ROLE IF EXISTS ${app}`);
  await admin.query(`DROP ROLE IF EXISTS ${login}`);
}
