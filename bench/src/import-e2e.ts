/**
 * A bulk CSV import end to end (issue 11: "a 1M-row import end to end with projections caught up"):
 * contacts, sales and marketing in one process on their own schemas and a shared topic prefix, as
 * deployed; the import (ImportContactsUseCase, what `crm import` and GraphQL use) writes the contacts
 * and their contact.created events; the relay publishes them to Kafka while the import runs; sales'
 * and marketing's consumers apply them to their contact replicas. Reports the import's own time and
 * the time until each replica holds every imported contact (and whether every outbox row is out).
 * Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/import-e2e.ts [rows=1000000] [batchSize=2000]
 */
import { createReadStream, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { contactsService, ImportContactsUseCase } from '@crm/contacts';
import { marketingService } from '@crm/marketing';
import { startService } from '@crm/platform';
import { salesService } from '@crm/sales';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { env, writeContactsCsv } from './stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const batchSize = Number(process.argv[3] ?? 2000);
  const file = writeContactsCsv(rows);

  const prefix = `${uniqueId('e2e')}.`;
  const schemas = { contacts: await freshSchema('e2e_contacts'), sales: await freshSchema('e2e_sales'), marketing: await freshSchema('e2e_marketing') };
  const envOf = (schema: string) => ({ ...serviceTestEnv(schema, prefix), LOG_LEVEL: 'warn', DB_POOL_SIZE: '10' });
  const contacts = await startService(contactsService, { env: envOf(schemas.contacts.schema) });
  const sales = await startService(salesService, { env: envOf(schemas.sales.schema) });
  const marketing = await startService(marketingService, { env: envOf(schemas.marketing.schema) });
  const pg = new Client({ connectionString: env('DATABASE_URL') });
  await pg.connect();
  const count = async (sql: string) => Number((await pg.query<{ n: string }>(sql)).rows[0].n);
  // Progress from the statistics (a count of a replica of a million rows every second would be a
  // load of its own); the exact count only once they say the replica is complete.
  const replicaRows = async (schema: string) => {
    const inserted = await count(`SELECT n_tup_ins AS n FROM pg_stat_user_tables WHERE schemaname = '${schema}' AND relname = 'contact_replica'`);
    return inserted < report.created ? inserted : count(`SELECT count(*) AS n FROM "${schema}".contact_replica WHERE tenant_id = 'bench'`);
  };
  const unpublished = () => count(`SELECT count(*) AS n FROM "${schemas.contacts.schema}".outbox WHERE published_at IS NULL`);

  const load0 = loadavg()[0];
  const started = performance.now();
  const seconds = () => +((performance.now() - started) / 1000).toFixed(1);
  const report = await contacts.app.get(ImportContactsUseCase).run({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, createReadStream(file), { batchSize });
  const importSeconds = seconds();
  const atImportEnd = { unpublished: await unpublished(), sales: await replicaRows(schemas.sales.schema), marketing: await replicaRows(schemas.marketing.schema) };

  // Caught up: every replica holds every imported contact. Polled every second; a stall of 5 minutes ends the run.
  const caughtUp: Record<string, number | null> = { outbox: null, sales: null, marketing: null };
  let progress = { at: performance.now(), total: -1 };
  while (Object.values(caughtUp).some((v) => v === null)) {
    const now = { outbox: await unpublished(), sales: await replicaRows(schemas.sales.schema), marketing: await replicaRows(schemas.marketing.schema) };
    if (caughtUp.outbox === null && now.outbox === 0) caughtUp.outbox = seconds();
    if (caughtUp.sales === null && now.sales >= report.created) caughtUp.sales = seconds();
    if (caughtUp.marketing === null && now.marketing >= report.created) caughtUp.marketing = seconds();
    const total = now.sales + now.marketing - now.outbox;
    if (total !== progress.total) progress = { at: performance.now(), total };
    else if (performance.now() - progress.at > 300_000) break;
    await sleep(1000);
  }
  const endToEnd = Math.max(...Object.values(caughtUp).map((v) => v ?? Infinity));
  console.log(
    JSON.stringify({
      bench: 'CSV import end to end', rows, batchSize, created: report.created, failed: report.failed,
      importSeconds, importRowsPerSecond: Math.round(report.created / importSeconds), atImportEnd,
      caughtUpSeconds: caughtUp, endToEndRowsPerSecond: Number.isFinite(endToEnd) ? Math.round(report.created / endToEnd) : null,
      loadAverage: `${load0.toFixed(1)}→${loadavg()[0].toFixed(1)}`,
    }),
  );
  await pg.end();
  for (const svc of [marketing, sales, contacts]) await svc.stop();
  for (const s of Object.values(schemas)) await s.drop();
  rmSync(dirname(file), { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
