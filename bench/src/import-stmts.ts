// scratch: per-statement wall time of the import (not committed)
import { createReadStream, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contactsService, ImportContactsUseCase } from '@crm/contacts';
import { startService, Tx, OutboxWriter } from '@crm/platform';
import { adminQuery } from '@crm/testing';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';

async function main() {
  const rows = Number(process.argv[2] ?? 20000);
  const file = join(mkdtempSync(join(tmpdir(), 'crm-bench-')), 'contacts.csv');
  const lines = ['firstName,lastName,email,phone,company,tags'];
  for (let i = 0; i < rows; i++) lines.push(`First${i},Last${i},person${i}@bench.example,+1202${String(5550000 + i).padStart(7, '0').slice(-7)},Company ${i % 500},bench;t${i % 7}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const fresh = await freshSchema('bench_import');
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('imp')}.`), LOG_LEVEL: 'warn', ...(process.env.NORELAY ? { OUTBOX_RELAY: 'off' } : {}) } });
  const times = new Map<string, number[]>();
  const orig = Tx.prototype.query;
  Tx.prototype.query = async function (this: Tx, sql: string, params?: readonly unknown[]) {
    const t0 = performance.now();
    try { return await orig.call(this, sql, params as unknown[]); } finally {
      const k = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
      (times.get(k) ?? times.set(k, []).get(k)!).push(performance.now() - t0);
    }
  } as typeof orig;
  const oa = OutboxWriter.prototype.append;
  OutboxWriter.prototype.append = async function (this: OutboxWriter, m: any, e: any) { const t0 = performance.now(); try { return await oa.call(this, m, e); } finally { const k = 'OUTBOX append'; (times.get(k) ?? times.set(k, []).get(k)!).push(performance.now() - t0); } } as typeof oa;
  if (process.env.NOAUDIT) for (const t of ['contacts', 'contact_emails', 'contact_phones', 'companies']) await adminQuery(`ALTER TABLE "${fresh.schema}".${t} DISABLE TRIGGER ${t}_audit_insert`);
  const importer = svc.app.get(ImportContactsUseCase);
  const started = performance.now();
  await importer.run({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, createReadStream(file), { batchSize: 2000 });
  const total = performance.now() - started;
  console.log('total ms', total.toFixed(0));
  for (const [k, v] of [...times].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))) console.log(v.reduce((x, y) => x + y, 0).toFixed(0).padStart(7), String(v.length).padStart(4), k);
  await svc.stop();
  await fresh.drop();
}
main().catch((e) => { console.error(e); process.exit(1); });
