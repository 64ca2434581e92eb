/**
 * A bulk CSV import end to end (issue 11: "a 1M-row import end to end with projections caught up"):
 * contacts, sales and marketing in one process on their own schemas and a shared topic prefix, as
 * deployed; the import (ImportContactsUseCase, what `crm import` and GraphQL use) writes the contacts
 * and their contact.created events; the relay publishes them to Kafka while the import runs; sales'
 * and marketing's consumers apply them to their contact replicas. Reports the import's own time and
 * the time until each replica holds every imported contact (and whether every outbox row is out), and
 * until every consumer group of each service on the contacts topic has consumed it all (lag 0 in the
 * service's own `crm_consumer_lag` metric: its other projections — marketing's lead scoring,
 * attribution, segment facts — are done too).
 * Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/import-e2e.ts [rows=1000000] [batchSize=2000]
 */
import { createReadStream, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { topicName } from '@crm/events';
import { contactsService, ImportContactsUseCase } from '@crm/contacts';
import { marketingService } from '@crm/marketing';
import { startService, type RunningService } from '@crm/platform';
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
  const replicaRows = (schema: string) => count(`SELECT count(*) AS n FROM "${schema}".contact_replica WHERE tenant_id = 'bench'`);
  // What ops would read: the summed lag of every consumer group of the service on the contacts topic
  // (from committed offsets).
  const contactsTopic = topicName('contacts', prefix);
  const lag = async (svc: RunningService) => {
    const text = await (await fetch(svc.metricsUrl!)).text();
    const lines = text.split('\n').filter((l) => l.startsWith('crm_consumer_lag{') && l.includes(`topic="${contactsTopic}"`));
    return lines.length ? lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : Infinity;
  };
  const unpublished = () => count(`SELECT count(*) AS n FROM "${schemas.contacts.schema}".outbox WHERE published_at IS NULL`);
  /** How far the events have got: rows not yet published, each service's lag on the contacts topic. */
  const position = async () => ({ unpublished: await unpublished(), salesLag: await lag(sales), marketingLag: await lag(marketing) });

  const load0 = loadavg()[0];
  const started = performance.now();
  const seconds = () => +((performance.now() - started) / 1000).toFixed(1);
  // A line a minute on stderr: a run stopped before the end still says how far each part got.
  const progressLine = setInterval(() => {
    void (async () => {
      const imported = await count(`SELECT count(*) AS n FROM "${schemas.contacts.schema}".contacts WHERE tenant_id = 'bench'`);
      console.error(JSON.stringify({ seconds: seconds(), imported, ...(await position()) }));
    })().catch(() => undefined);
  }, 60_000);
  const report = await contacts.app.get(ImportContactsUseCase).run({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, createReadStream(file), { batchSize });
  const importSeconds = seconds();
  const services = { sales: { svc: sales, schema: schemas.sales.schema }, marketing: { svc: marketing, schema: schemas.marketing.schema } };
  const atImportEnd = await position();

  // Caught up: the outbox is out, then each service's consumer groups are at the topic's end (the
  // lag counts only from then: before, the end still moves) — checked against an exact count of its
  // replica at that moment. Polled every second; no progress for 5 minutes ends the run.
  const caughtUp: Record<string, number | null> = { outbox: null, sales: null, marketing: null };
  const replicaWhenCaughtUp: Record<string, number> = {};
  let progress = { at: performance.now(), behind: -1 };
  while (Object.values(caughtUp).some((v) => v === null)) {
    let behind = await unpublished();
    if (caughtUp.outbox === null && behind === 0) caughtUp.outbox = seconds();
    for (const [name, { svc, schema }] of Object.entries(services)) {
      if (caughtUp[name] !== null) continue;
      const l = await lag(svc);
      behind += Number.isFinite(l) ? l : 0;
      if (caughtUp.outbox !== null && l === 0) {
        caughtUp[name] = seconds();
        replicaWhenCaughtUp[name] = await replicaRows(schema);
      }
    }
    if (behind !== progress.behind) progress = { at: performance.now(), behind };
    else if (performance.now() - progress.at > 300_000) break;
    await sleep(1000);
  }
  clearInterval(progressLine);
  const endToEnd = Math.max(...Object.values(caughtUp).map((v) => v ?? Infinity));
  console.log(
    JSON.stringify({
      bench: 'CSV import end to end', rows, batchSize, created: report.created, failed: report.failed,
      importSeconds, importRowsPerSecond: Math.round(report.created / importSeconds), atImportEnd,
      caughtUpSeconds: caughtUp, replicaWhenCaughtUp, endToEndRowsPerSecond: Number.isFinite(endToEnd) ? Math.round(report.created / endToEnd) : null,
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
