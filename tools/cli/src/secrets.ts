import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRM_HOME } from './paths';

export interface LocalSecrets {
  JWT_SECRET: string;
  GATEWAY_INTERNAL_SECRET: string;
  /** Seed of the local module logins' database passwords (see modulePassword). */
  DB_PASSWORD_SEED: string;
}

/** The local installation's password for a module's database login (stable across restarts). */
export const modulePassword = (s: LocalSecrets, module: string): string => createHmac('sha256', s.DB_PASSWORD_SEED).update(module).digest('hex').slice(0, 40);

/**
 * Secrets of the local (embedded) installation: taken from the environment when set, otherwise
 * generated once into .crm/secrets.json (mode 600) so tokens stay valid across restarts.
 */
export function localSecrets(): LocalSecrets {
  const file = join(CRM_HOME, 'secrets.json');
  let stored: Partial<LocalSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
  const secrets: LocalSecrets = {
    JWT_SECRET: process.env.JWT_SECRET ?? stored.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    GATEWAY_INTERNAL_SECRET: process.env.GATEWAY_INTERNAL_SECRET ?? stored.GATEWAY_INTERNAL_SECRET ?? randomBytes(32).toString('base64url'),
    DB_PASSWORD_SEED: stored.DB_PASSWORD_SEED ?? randomBytes(32).toString('base64url'),
  };
  if (!stored.JWT_SECRET || !stored.GATEWAY_INTERNAL_SECRET || !stored.DB_PASSWORD_SEED) {
    mkdirSync(CRM_HOME, { recursive: true });
    writeFileSync(file, JSON.stringify({ ...stored, ...secrets }, null, 2), { mode: 0o600 });
  }
  return secrets;
}
