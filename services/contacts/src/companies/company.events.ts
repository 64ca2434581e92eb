import { CompanyMergedV1, CompanyUpsertedV1, type EventData } from '@crm/events';
import type { Tx } from '@crm/platform';
import { snapshotCustomFields } from '../contacts/contact.rows';
import type { CompanyRow } from './company.repository';

/** What every emitter has; a full company row (all but the bulk import's new companies) also carries the rest. */
type CompanyFacts = Pick<CompanyRow, 'id' | 'name' | 'domains' | 'version'> & Partial<CompanyRow>;

/** The event's data: the full company, its custom fields by key as the contact snapshot carries them. */
export function companyData(r: CompanyFacts): EventData<typeof CompanyUpsertedV1> {
  const a = r.address;
  return {
    companyId: r.id,
    name: r.name,
    domains: r.domains,
    version: r.version,
    legalName: r.legal_name ?? null,
    industry: r.industry ?? null,
    size: r.size ?? null,
    address: a ? { label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null, postalCode: a.postalCode ?? null, country: a.country ? a.country.toUpperCase() : null } : null,
    vatId: r.vat_id ?? null,
    ownerId: r.owner_id ?? null,
    tags: r.tags ?? [],
    customFields: snapshotCustomFields(r.custom_fields ?? {}),
  };
}

export function emitCompanyUpserted(tx: Tx, r: CompanyFacts): Promise<void> {
  return tx.emit(CompanyUpsertedV1, r.id, companyData(r));
}

/** Companies created in bulk (the CSV import): one outbox round trip. */
export function emitCompaniesUpserted(tx: Tx, rows: CompanyFacts[]): Promise<void> {
  return tx.emitMany(CompanyUpsertedV1, rows.map((r) => ({ subject: r.id, data: companyData(r) })));
}

export function emitCompanyMerged(tx: Tx, survivor: { id: string; name: string; domains: string[]; version: number }, duplicateId: string, movedContacts: number): Promise<void> {
  return tx.emit(CompanyMergedV1, survivor.id, {
    survivorId: survivor.id,
    duplicateId,
    survivor: { companyId: survivor.id, name: survivor.name, domains: survivor.domains, version: survivor.version },
    movedContacts,
  });
}
