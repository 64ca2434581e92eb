import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, conflict, conflictOnUnique, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import type { Company } from '../../contacts/contact.types';
import { ContactRepository } from '../../contacts/contact.repository';
import { companyDomains, companyName } from '../company-input';
import { CompanyRepository, toCompany } from '../company.repository';
import { emitCompanyUpserted } from '../company.events';

const updateCompanySchema = z.object({
  name: companyName.nullish().transform((n) => n ?? undefined),
  domains: companyDomains.nullish().transform((d) => d ?? undefined),
});

export type UpdateCompanyInputValue = z.input<typeof updateCompanySchema>;

@Injectable()
export class UpdateCompany {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(ctx: RequestContext, id: string, input: UpdateCompanyInputValue): Promise<Company> {
    const v = parseInput(updateCompanySchema, input, 'input');
    if (!isUuid(id)) throw badUserInput(`id: "${id.slice(0, 60)}" is not a company id`);
    // Two renames to the same name at once: the unique index decides, the loser gets CONFLICT.
    return conflictOnUnique(
      () =>
        this.uow.run(ctx.tenantId, async (tx) => {
          if (v.name) {
            const taken = await this.companies.idByName(tx, v.name, id);
            if (taken) throw conflict(`a company named "${v.name}" already exists (${taken})`, { existingCompanyId: taken });
          }
          const row = await this.companies.update(tx, id, v);
          if (!row) throw notFound(`company ${id} does not exist`);
          // Contacts are found by their company's name.
          if (v.name) await this.contacts.refreshSearchTextOfCompany(tx, id);
          await emitCompanyUpserted(tx, row);
          return toCompany(row);
        }),
      () => conflict(`a company named "${v.name}" already exists`),
    );
  }
}
