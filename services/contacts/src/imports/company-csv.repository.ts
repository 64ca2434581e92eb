import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { CompanyRow } from '../companies/company.repository';

/** The companies CSV export's read: keyset by id over the active companies (a merged one's tombstone is not exported: its survivor is). */
@Injectable()
export class CompanyCsvRepository {
  page(tx: Tx, afterId: string | null, limit: number): Promise<CompanyRow[]> {
    return tx.query<CompanyRow>(`SELECT * FROM companies WHERE tenant_id = $1 AND merged_into IS NULL AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3`, [tx.tenantId, afterId, limit]);
  }

  async count(tx: Tx): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM companies WHERE tenant_id = $1 AND merged_into IS NULL`, [tx.tenantId])).n;
  }
}
