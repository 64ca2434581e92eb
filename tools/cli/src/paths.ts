import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
/** Local state of the embedded mode (database files, secrets, Kafka data); gitignored. */
export const CRM_HOME = process.env.CRM_HOME ?? join(REPO_ROOT, '.crm');
