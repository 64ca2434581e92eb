import { serviceMigrations, type ServiceDefinition } from './bootstrap';
import { baseServiceConfig, ConfigError, loadConfig } from './config';
import { createDataSource, migrate } from './db/data-source';
import { createLogger } from './logger';

export interface ServiceMigrationResult {
  module: string;
  schema: string;
  applied: string[];
}

/**
 * Runs one module's pending migrations (the platform's, then its own) and returns. The same migrations
 * and advisory lock as a service's start, so a migration job and a replica that still migrates at start
 * never race. Reads only DATABASE_URL (the module's own login, owner of its schema) and DB_SCHEMA.
 */
export async function migrateService(def: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<ServiceMigrationResult> {
  const config = loadConfig(baseServiceConfig.pick({ DATABASE_URL: true, DB_SCHEMA: true }), env);
  const schema = config.DB_SCHEMA ?? def.name;
  const ds = createDataSource({ url: config.DATABASE_URL, schema, entities: def.entities, migrations: serviceMigrations(def), poolSize: 2, readPool: false, applicationName: `crm-migrate-${def.name}` });
  await ds.initialize();
  try {
    return { module: def.name, schema, applied: await migrate(ds, schema) };
  } finally {
    await ds.destroy();
  }
}

/**
 * A module's `dist/migrate.js` (src/migrate.ts): for deployments that migrate in a job (a Kubernetes Job,
 * a pre-deploy step) and start the service with RUN_MIGRATIONS=false. Exit 0 when the schema is current.
 */
export function runMigrateCommand(def: ServiceDefinition): void {
  const logger = createLogger(`${def.name}-migrate`, process.env.LOG_LEVEL ?? 'info');
  migrateService(def).then(
    (r) => {
      logger.info({ schema: r.schema, applied: r.applied }, r.applied.length ? `applied ${r.applied.length} migration(s)` : 'schema is up to date');
      process.exit(0);
    },
    (err) => {
      if (err instanceof ConfigError) process.stderr.write(`${def.name} migrate: ${err.message}\n`);
      else logger.error({ err }, 'migration failed');
      process.exit(1);
    },
  );
}
