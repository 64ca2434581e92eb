import { Injectable } from '@nestjs/common';
import { isUuid, keysetPage, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { z } from 'zod';
import type { Company } from '../contacts/contact.types';
import { CompanyPresenter } from './company.presenter';
import { CompanyRepository, type CompanyFilterValue } from './company.repository';

const COMPANY_ORDER: KeysetOrder = { name: 'companies', key: 'lower(name)', dir: 'ASC' };

/** A CompanyFilter checked: the list's and the CSV export's. */
export const companyFilterSchema = z.object({ search: z.string().max(200, 'must be at most 200 characters').nullish(), teamId: z.string().uuid('not a team id').nullish() });

/** Reads of companies: by id (batched: the company DataLoader, federation references), the list by name. */
@Injectable()
export class CompanyQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly presenter: CompanyPresenter,
  ) {}

  /** result[i] belongs to ids[i]; a malformed or unknown id is null. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<(Company | null)[]> {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await this.uow.run(tenantId, async (tx) => this.presenter.present(tx, await this.companies.findMany(tx, valid))) : [];
    const byId = new Map(found.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /** Active companies (merged ones left out) by name (A to Z), filtered by part of the name or one domain exactly. */
  async list(tenantId: string, args: KeysetArgs, filter: CompanyFilterValue, withTotal: boolean): Promise<ConnectionValue<Company>> {
    const page = keysetPage(COMPANY_ORDER, args);
    const f = parseInput(companyFilterSchema, filter, 'filter');
    return this.uow.run(tenantId, async (tx) => {
      // One transaction = one connection: the queries run one after the other.
      const rows = await this.companies.page(tx, page, f);
      const n = withTotal ? await this.companies.count(tx, f) : null;
      return page.connection(rows, (r) => this.presenter.present(tx, r), n);
    });
  }
}
