import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, conflict, conflictOnUnique, invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactRepository } from '../../contacts/contact.repository';
import { CustomFieldRepository } from '../../custom-fields/custom-field.repository';
import type { Company } from '../../contacts/contact.types';
import { companyDetailsSchema, companyDomains, companyName } from '../company-input';
import { assertDomainsFree, detailColumns } from '../company-fields';
import { CompanyPresenter } from '../company.presenter';
import { CompanyRepository } from '../company.repository';
import { emitCompanyUpserted } from '../company.events';
import { OwnerRule } from '../../directory/owner-rule';

const updateCompanySchema = companyDetailsSchema.extend({
  name: companyName.nullish().transform((n) => n ?? undefined),
  domains: companyDomains.nullish().transform((d) => d ?? undefined),
});

export type UpdateCompanyInputValue = z.input<typeof updateCompanySchema>;

/** Changes the given fields (left out: unchanged; null clears an optional one); the name and domain rules of createCompany apply. */
@Injectable()
export class UpdateCompany {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly contacts: ContactRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly presenter: CompanyPresenter,
    private readonly owners: OwnerRule,
  ) {}

  async execute(ctx: RequestContext, rawId: string, input: UpdateCompanyInputValue): Promise<Company> {
    const v = parseInput(updateCompanySchema, input, 'input');
    if (!Object.values(input).some((x) => x !== undefined)) throw badUserInput('nothing to update: the input has no fields', { fields: [{ field: 'input', message: 'no change given' }] });
    if (!isUuid(rawId)) throw invalidField('id', `"${rawId.slice(0, 60)}" is not a company id`);
    const id = rawId.toLowerCase();
    // Two renames to the same name at once: the unique index decides, the loser gets CONFLICT.
    return conflictOnUnique(
      () =>
        this.uow.run(ctx.tenantId, async (tx) => {
          const current = await this.companies.lock(tx, id);
          if (!current) throw notFound(`company ${id} does not exist`, { companyId: id });
          if (current.merged_into) throw conflict(`company ${id} was merged into ${current.merged_into}; change that company instead`, { mergedIntoId: current.merged_into });
          if (v.name) {
            const taken = await this.companies.idByName(tx, v.name, id);
            if (taken) throw conflict(`a company named "${v.name}" already exists (${taken})`, { existingCompanyId: taken });
          }
          if (v.domains) await assertDomainsFree(tx, this.companies, v.domains, id);
          await this.owners.require(tx, [{ field: 'input.ownerId', ownerId: v.ownerId }]);
          const details = await detailColumns(tx, this.customFields, v, current.custom_fields);
          const row = await this.companies.update(tx, id, { ...details, name: v.name, domains: v.domains });
          // Contacts are found by their company's name.
          if (v.name) await this.contacts.refreshSearchTextOfCompany(tx, id);
          await emitCompanyUpserted(tx, row);
          return this.presenter.one(tx, row);
        }),
      () => conflict(`a company named "${v.name}" already exists`),
    );
  }
}
