import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type KeysetRow, type Row, type Tx } from '@crm/platform';
import type { Company } from '../contacts/contact.types';

export interface CompanyRow extends Row {
  id: string;
  name: string;
  domains: string[];
  version: number;
  created_at: Date;
}

export function toCompany(r: CompanyRow): Company {
  return { id: r.id, name: r.name, domains: r.domains, createdAt: r.created_at };
}

export interface CompanyFilterValue {
  search?: string | null;
}

/** SQL of companies. Ids are UUIDs (checked by the caller); names are unique per tenant, case-insensitively. */
@Injectable()
export class CompanyRepository {
  /** The new row, or undefined when the name is taken. */
  async insert(tx: Tx, id: string, name: string, domains: string[]): Promise<CompanyRow | undefined> {
    return tx.maybeOne<CompanyRow>(`INSERT INTO companies (id, tenant_id, name, domains) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING *`, [id, tx.tenantId, name, domains]);
  }

  /** The id of the company with this name (any case), other than `exceptId`. */
  async idByName(tx: Tx, name: string, exceptId?: string): Promise<string | undefined> {
    const row = await tx.maybeOne<{ id: string }>(
      `SELECT id FROM companies WHERE tenant_id = $1 AND lower(name) = lower($2) AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [tx.tenantId, name, exceptId ?? null],
    );
    return row?.id;
  }

  /** Applies the given changes (undefined: unchanged), bumps the version; undefined when the company does not exist. */
  async update(tx: Tx, id: string, changes: { name?: string; domains?: string[] }): Promise<CompanyRow | undefined> {
    const q = new SqlParams(tx.tenantId, id);
    const sets = [q.set({ name: changes.name, domains: changes.domains }), 'version = version + 1', 'updated_at = now()'].filter(Boolean).join(', ');
    return tx.maybeOne<CompanyRow>(`UPDATE companies SET ${sets} WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
  }

  async findMany(tx: Tx, ids: readonly string[]): Promise<CompanyRow[]> {
    if (!ids.length) return [];
    return tx.query<CompanyRow>(`SELECT * FROM companies WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  /** The company's name, or undefined when it does not exist. */
  async nameOf(tx: Tx, id: string): Promise<string | undefined> {
    return (await tx.maybeOne<{ name: string }>(`SELECT name FROM companies WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]))?.name;
  }

  /** A page by name (case-insensitive); `search` is part of the name or one of the domains exactly. */
  async page(tx: Tx, page: KeysetPage, filter: CompanyFilterValue): Promise<(CompanyRow & KeysetRow)[]> {
    const q = new SqlParams(tx.tenantId);
    const after = page.afterSql(q.p);
    return tx.query<CompanyRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM companies WHERE ${q.where([this.filterSql(q, filter), after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
  }

  async count(tx: Tx, filter: CompanyFilterValue): Promise<number> {
    const q = new SqlParams(tx.tenantId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM companies WHERE ${this.filterSql(q, filter)}`, q.values)).n;
  }

  private filterSql(q: SqlParams, filter: CompanyFilterValue): string {
    const search = filter.search || null;
    return q.where([
      'tenant_id = $1',
      search !== null && `(name ILIKE '%' || ${q.p(search.replace(/[%_\\]/g, (c) => `\\${c}`))} || '%' OR ${q.p(search)} = ANY(domains))`,
    ]);
  }
}
