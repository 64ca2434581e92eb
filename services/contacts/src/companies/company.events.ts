import { CompanyUpsertedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';

export function emitCompanyUpserted(tx: Tx, r: { id: string; name: string; domains: string[]; version: number }): Promise<void> {
  return tx.emit(CompanyUpsertedV1, r.id, { companyId: r.id, name: r.name, domains: r.domains, version: r.version });
}

/** Companies created in bulk (the CSV import): one outbox round trip. */
export function emitCompaniesUpserted(tx: Tx, rows: { id: string; name: string; domains: string[]; version: number }[]): Promise<void> {
  return tx.emitMany(CompanyUpsertedV1, rows.map((r) => ({ subject: r.id, data: { companyId: r.id, name: r.name, domains: r.domains, version: r.version } })));
}
