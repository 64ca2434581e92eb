/**
 * Bulk CSV import throughput (the ImportContactsUseCase the CLI and GraphQL use), rows with email,
 * phone, company and tags, each producing a contact.created event in the outbox. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/import.ts [rows] [batchSize]
 */
import { createReadStream, writeFileSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { contactsService, ImportContactsUseCase } from '@crm/contacts';
import { startService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { cpuMeter, env } from './stats';

async function main() {
  env('DATABASE_URL');
  const rows = Number(process.argv[2] ?? 100000);
  const batchSize = Number(process.argv[3] ?? 2000);
  const file = join(mkdtempSync(join(tmpdir(), 'crm-bench-')), 'contacts.csv');
  const lines = ['firstName,lastName,email,phone,company,tags'];
  for (let i = 0; i < rows; i++) lines.push(`First${i},Last${i},person${i}@bench.example,+1202${String(5550000 + i).padStart(7, '0').slice(-7)},Company ${i % 500},bench;t${i % 7}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const fresh = await freshSchema('bench_import');
  // The relay is left running: the import competes with publishing, as in production.
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('imp')}.`), LOG_LEVEL: 'warn' } });
  const importer = svc.app.get(ImportContactsUseCase);
  const cpu = await cpuMeter(fresh.schema);
  const started = performance.now();
  const report = await importer.run({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, createReadStream(file), { batchSize });
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.stop();
  console.log(JSON.stringify({ bench: 'CSV import', rows, batchSize, created: report.created, failed: report.failed, seconds: +seconds.toFixed(2), rowsPerSecond: Math.round(rows / seconds), ...used, loadAverage: loadavg()[0].toFixed(1) }));
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
