import { Injectable } from '@nestjs/common';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { emitContactsUpdated } from '../../contacts/contact.events';
import { ContactRepository } from '../../contacts/contact.repository';
import type { Company } from '../../contacts/contact.types';
import { CompanyPresenter } from '../company.presenter';
import { CompanyRepository, type CompanyRow } from '../company.repository';
import { emitCompanyMerged, emitCompanyUpserted } from '../company.events';

/**
 * Merges the duplicate company into the survivor: its contacts move to the survivor (one
 * contact.updated each), its domains, tags and custom fields are added, gaps filled; the duplicate
 * stays as a tombstone pointing at the survivor (resolvable by id, gone from lists).
 */
@Injectable()
export class MergeCompanies {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly contacts: ContactRepository,
    private readonly presenter: CompanyPresenter,
  ) {}

  async execute(ctx: RequestContext, rawSurvivorId: string, rawDuplicateId: string): Promise<Company> {
    for (const [field, id] of [['survivorId', rawSurvivorId], ['duplicateId', rawDuplicateId]] as const) {
      if (!isUuid(id)) throw invalidField(field, `"${id.slice(0, 60)}" is not a company id`);
    }
    const [survivorId, duplicateId] = [rawSurvivorId.toLowerCase(), rawDuplicateId.toLowerCase()];
    if (survivorId === duplicateId) throw invalidField('duplicateId', 'survivorId and duplicateId are the same company');
    return this.uow.run(ctx.tenantId, async (tx) => {
      // Lock both in a stable order so two concurrent merges cannot deadlock.
      for (const id of [survivorId, duplicateId].sort()) await this.lockActive(tx, id, id === survivorId ? 'survivorId' : 'duplicateId');
      const moved = await this.contacts.reassignCompany(tx, duplicateId, survivorId);
      const survivor = await this.companies.absorb(tx, survivorId, duplicateId);
      await this.companies.makeTombstone(tx, duplicateId, survivorId);
      await this.companies.recordMerge(tx, { survivorId, duplicateId, mergedBy: ctx.userId, movedContacts: moved.length });
      // Contacts are found by their company's name.
      await this.contacts.refreshSearchText(tx, moved);
      await emitCompanyMerged(tx, survivor, duplicateId, moved.length);
      await emitCompanyUpserted(tx, survivor);
      const live = (await this.contacts.findMany(tx, moved)).filter((c) => !c.merged_into && !c.erased_at);
      await emitContactsUpdated(tx, live, ['companyId']);
      return this.presenter.one(tx, survivor);
    });
  }

  private async lockActive(tx: Tx, id: string, field: 'survivorId' | 'duplicateId'): Promise<CompanyRow> {
    const row = await this.companies.lock(tx, id);
    if (!row) throw notFound(`company ${id} (${field}) does not exist`, { companyId: id, field });
    if (row.merged_into) throw conflict(`company ${id} (${field}) was already merged into ${row.merged_into}`, { companyId: id, mergedIntoId: row.merged_into, field });
    return row;
  }
}
