import { Injectable } from '@nestjs/common';
import { SqlParams, type Tx } from '@crm/platform';
import { CompanyRepository, type CompanyFilterValue, type CompanyRow } from '../companies/company.repository';

/** The companies CSV export's read: keyset by id over the active companies (a merged one's tombstone is not exported: its survivor is). */
@Injectable()
export class CompanyCsvRepository {
  constructor(private readonly companies: CompanyRepository) {}

  /** The companies the list's filter selects, keyset by id. */
  page(tx: Tx, filter: CompanyFilterValue, afterId: string | null, limit: number): Promise<CompanyRow[]> {
    const q = new SqlParams(tx.tenantId);
    const where = this.companies.filterSql(q, filter);
    const after = q.p(afterId);
    return tx.query<CompanyRow>(`SELECT * FROM companies WHERE ${where} AND (${after}::uuid IS NULL OR id > ${after}::uuid) ORDER BY id LIMIT ${q.p(limit)}`, q.values);
  }

  async count(tx: Tx, filter: CompanyFilterValue): Promise<number> {
    const q = new SqlParams(tx.tenantId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM companies WHERE ${this.companies.filterSql(q, filter)}`, q.values)).n;
  }
}
