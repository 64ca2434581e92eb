import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureModuleRoles, moduleLogin, urlWithLogin } from '@crm/db-roles';
import { selectModules } from './modules';

export interface ModuleDatabase {
  module: string;
  login: string;
  schema: string;
  /** The module's DATABASE_URL (with the password when this run set one). */
  url: string;
  /** True when this run generated the password (print it once; it is not stored anywhere). */
  generated: boolean;
}

/** `CONTACTS_DB_PASSWORD` for contacts: where `crm db init` and compose take a module's password from. */
export const passwordVariable = (module: string) => `${module.toUpperCase()}_DB_PASSWORD`;

/**
 * `crm db init`: with an admin connection (a role that may create roles, e.g. the postgres
 * superuser), creates for every chosen module its login `crm_<module>` (NOSUPERUSER NOBYPASSRLS, owner
 * of schema `<module>` only) and the app role its tenant-bound transactions switch to. Idempotent:
 * run it on every deploy. A login's password comes from `<MODULE>_DB_PASSWORD` (or `passwords`);
 * without one, a new login gets a generated password (returned once) and an existing one keeps its own.
 * Services then run with `DATABASE_URL=postgres://crm_<module>:<password>@host/db` — never the admin.
 */
export async function initModuleDatabases(
  adminUrl: string,
  modules: string | undefined,
  passwords: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ModuleDatabase[]> {
  const defs = selectModules(modules);
  const admin = new Client({ connectionString: adminUrl, application_name: 'crm-db-init' });
  await admin.connect();
  try {
    const out: ModuleDatabase[] = [];
    for (const def of defs) {
      const login = moduleLogin(def.name);
      let password = passwords[def.name] ?? env[passwordVariable(def.name)] ?? undefined;
      let generated = false;
      const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login]);
      if (!password && !rowCount) {
        password = randomBytes(24).toString('hex');
        generated = true;
      }
      await ensureModuleRoles(admin, { login, schema: def.name, password });
      out.push({ module: def.name, login, schema: def.name, url: urlWithLogin(adminUrl, login, password), generated });
    }
    return out;
  } finally {
    await admin.end();
  }
}
