import { CompanyMergedV1, CompanyUpsertedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';

export function emitCompanyUpserted(tx: Tx, r: { id: string; name: string; domains: string[]; version: number }): Promise<void> {
  return tx.emit(CompanyUpsertedV1, r.id, { companyId: r.id, name: r.name, domains: r.domains, version: r.version });
}

/** Companies created in bulk (the CSV import): one outbox round trip. */
export function emitCompaniesUpserted(tx: Tx, rows: { id: string; name: string; domains: string[]; version: number }[]): Promise<void> {
  return tx.emitMany(CompanyUpsertedV1, rows.map((r) => ({ subject: r.id, data: { companyId: r.id, name: r.name, domains: r.domains, version: r.version } })));
}

export function emitCompanyMerged(tx: Tx, survivor: { id: string; name: string; domains: string[]; version: number }, duplicateId: string, movedContacts: number): Promise<void> {
  return tx.emit(CompanyMergedV1, survivor.id, {
    survivorId: survivor.id,
    duplicateId,
    survivor: { companyId: survivor.id, name: survivor.name, domains: survivor.domains, version: survivor.version },
    movedContacts,
  });
}
