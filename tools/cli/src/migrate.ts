import { baseServiceConfig, ConfigError, createDataSource, loadConfig, migrate, serviceMigrations } from '@crm/platform';
import { selectModules } from './modules';

export interface MigrationResult {
  module: string;
  schema: string;
  applied: string[];
}

/**
 * `crm migrate`: runs the pending migrations of the chosen modules (default: every installed one)
 * and exits, for deployments that migrate in a job before rolling out services started with
 * RUN_MIGRATIONS=false. Same migrations, same advisory lock as a service's start, so a job and a
 * replica that still migrates at start never race. Needs only DATABASE_URL (and DB_SCHEMA to
 * migrate one module into a schema other than its name). Migrations run as the module's own login
 * (the owner of its schema, see `crm db init`): `<MODULE>_DATABASE_URL` when set, else DATABASE_URL —
 * so migrate several modules in one run only with their own URLs, never with an admin's.
 */
export async function migrateModules(modules: string | undefined, env: NodeJS.ProcessEnv = process.env, report: (r: MigrationResult) => void = () => undefined): Promise<MigrationResult[]> {
  const config = loadConfig(baseServiceConfig.pick({ DATABASE_URL: true, DB_SCHEMA: true }), env);
  const defs = selectModules(modules);
  if (!defs.length) throw new Error('no modules installed');
  if (config.DB_SCHEMA && defs.length > 1) {
    throw new ConfigError([`DB_SCHEMA: names one schema ("${config.DB_SCHEMA}") but ${defs.length} modules were chosen (${defs.map((d) => d.name).join(', ')}); migrate one module per schema with --modules`]);
  }
  const results: MigrationResult[] = [];
  for (const def of defs) {
    const schema = config.DB_SCHEMA ?? def.name;
    const url = env[`${def.name.toUpperCase()}_DATABASE_URL`] ?? config.DATABASE_URL;
    const ds = createDataSource({ url, schema, entities: def.entities, migrations: serviceMigrations(def), poolSize: 2, readPool: false, applicationName: `crm-migrate-${def.name}` });
    await ds.initialize();
    try {
      const r = { module: def.name, schema, applied: await migrate(ds, schema) };
      report(r);
      results.push(r);
    } finally {
      await ds.destroy();
    }
  }
  return results;
}
