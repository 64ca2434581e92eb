import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import type { Company } from '../../contacts/contact.types';
import { companyDomains, companyName } from '../company-input';
import { CompanyRepository, toCompany } from '../company.repository';
import { emitCompanyUpserted } from '../company.events';

const createCompanySchema = z.object({
  name: companyName,
  domains: companyDomains.nullish().transform((d) => d ?? []),
});

export type CreateCompanyInputValue = z.input<typeof createCompanySchema>;

@Injectable()
export class CreateCompany {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
  ) {}

  async execute(ctx: RequestContext, input: CreateCompanyInputValue): Promise<Company> {
    const v = parseInput(createCompanySchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const row = await this.companies.insert(tx, randomUUID(), v.name, v.domains);
      if (!row) {
        const existing = await this.companies.idByName(tx, v.name);
        throw conflict(`a company named "${v.name}" already exists (${existing})`, { existingCompanyId: existing });
      }
      await emitCompanyUpserted(tx, row);
      return toCompany(row);
    });
  }
}
