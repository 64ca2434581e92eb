import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { CustomFieldRepository } from '../../custom-fields/custom-field.repository';
import type { Company } from '../../contacts/contact.types';
import { companyDetailsSchema, companyDomains, companyName } from '../company-input';
import { assertDomainsFree, detailColumns } from '../company-fields';
import { CompanyPresenter } from '../company.presenter';
import { CompanyRepository } from '../company.repository';
import { emitCompanyUpserted } from '../company.events';
import { OwnerRule } from '../../directory/owner-rule';

export const createCompanySchema = companyDetailsSchema.extend({
  name: companyName,
  domains: companyDomains.nullish().transform((d) => d ?? []),
});

export type CreateCompanyInputValue = z.input<typeof createCompanySchema>;

/** A new company; its name and each of its domains must not belong to another company (CONFLICT naming it). The owner defaults to the creator. */
@Injectable()
export class CreateCompany {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly presenter: CompanyPresenter,
    private readonly owners: OwnerRule,
  ) {}

  async execute(ctx: RequestContext, input: CreateCompanyInputValue): Promise<Company> {
    const v = parseInput(createCompanySchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.owners.require(tx, [{ field: 'input.ownerId', ownerId: v.ownerId }]);
      await assertDomainsFree(tx, this.companies, v.domains);
      const details = await detailColumns(tx, this.customFields, v);
      const row = await this.companies.insert(tx, randomUUID(), { ...details, name: v.name, domains: v.domains, owner_id: details.owner_id === undefined ? ctx.userId : details.owner_id });
      if (!row) {
        const existing = await this.companies.idByName(tx, v.name);
        throw conflict(`a company named "${v.name}" already exists (${existing})`, { existingCompanyId: existing });
      }
      await emitCompanyUpserted(tx, row);
      return this.presenter.one(tx, row);
    });
  }
}
