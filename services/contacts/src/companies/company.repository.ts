import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type KeysetRow, type Row, type Tx } from '@crm/platform';
import { renderCustomFields, type CustomFieldDefinition } from '../custom-fields/custom-field.values';
import type { Company, CompanySize } from '../contacts/contact.types';

export interface CompanyRow extends Row {
  id: string;
  name: string;
  legal_name: string | null;
  domains: string[];
  industry: string | null;
  size: string | null;
  address: Record<string, string | null> | null;
  vat_id: string | null;
  owner_id: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  merged_into: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toCompany(r: CompanyRow, defs: Map<string, CustomFieldDefinition> = new Map()): Company {
  const a = r.address;
  return {
    id: r.id, name: r.name, legalName: r.legal_name, domains: r.domains, industry: r.industry, size: r.size as CompanySize | null,
    address: a ? { label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null, postalCode: a.postalCode ?? null, country: a.country ?? null } : null,
    vatId: r.vat_id, ownerId: r.owner_id, tags: r.tags, customFields: renderCustomFields(defs, r.custom_fields),
    mergedIntoId: r.merged_into, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface CompanyFilterValue {
  search?: string | null;
  /** Owned by a member of this team. */
  teamId?: string | null;
}

/** The columns a company's create and update write (undefined: unchanged; null: cleared). */
export interface CompanyFields {
  name?: string;
  legal_name?: string | null;
  domains?: string[];
  industry?: string | null;
  size?: string | null;
  address?: string | null;
  vat_id?: string | null;
  owner_id?: string | null;
  tags?: string[];
  custom_fields?: string;
}

/** SQL of companies. Ids are UUIDs (checked by the caller); names are unique per tenant among active companies, case-insensitively. */
@Injectable()
export class CompanyRepository {
  /** The new row, or undefined when the name is taken. */
  async insert(tx: Tx, id: string, f: CompanyFields & { name: string }): Promise<CompanyRow | undefined> {
    const cols = Object.entries({ id, tenant_id: tx.tenantId, ...f }).filter(([, v]) => v !== undefined);
    const q = new SqlParams();
    const values = cols.map(([, v]) => q.p(v)).join(', ');
    return tx.maybeOne<CompanyRow>(`INSERT INTO companies (${cols.map(([c]) => c).join(', ')}) VALUES (${values}) ON CONFLICT DO NOTHING RETURNING *`, q.values);
  }

  /** The id of the active company with this name (any case), other than `exceptId`. */
  async idByName(tx: Tx, name: string, exceptId?: string): Promise<string | undefined> {
    const row = await tx.maybeOne<{ id: string }>(
      `SELECT id FROM companies WHERE tenant_id = $1 AND lower(name) = lower($2) AND merged_into IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [tx.tenantId, name, exceptId ?? null],
    );
    return row?.id;
  }

  /**
   * Serialises writers of the same domains until the transaction ends (the domain rule is not a
   * unique index: domains are an array), then returns the active company already holding one.
   */
  async lockDomainsAndFindHolder(tx: Tx, domains: string[], exceptId?: string): Promise<{ id: string; name: string; domain: string } | undefined> {
    if (!domains.length) return undefined;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':company-domain:' || d, 0)) FROM (SELECT DISTINCT unnest($2::text[]) AS d ORDER BY 1) x`, [tx.tenantId, domains]);
    return tx.maybeOne<{ id: string; name: string; domain: string }>(
      `SELECT id, name, (SELECT d FROM unnest(domains) d WHERE d = ANY($2::text[]) LIMIT 1) AS domain FROM companies
        WHERE tenant_id = $1 AND domains && $2::text[] AND merged_into IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid) LIMIT 1`,
      [tx.tenantId, domains, exceptId ?? null],
    );
  }

  /** Locks the company row; undefined when it does not exist. */
  async lock(tx: Tx, id: string): Promise<CompanyRow | undefined> {
    return tx.maybeOne<CompanyRow>(`SELECT * FROM companies WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  /** Applies the given changes (undefined: unchanged), bumps the version. */
  async update(tx: Tx, id: string, changes: CompanyFields): Promise<CompanyRow> {
    const q = new SqlParams(tx.tenantId, id);
    const sets = [q.set({ ...changes }), 'version = version + 1', 'updated_at = now()'].filter(Boolean).join(', ');
    return tx.one<CompanyRow>(`UPDATE companies SET ${sets} WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
  }

  async findMany(tx: Tx, ids: readonly string[]): Promise<CompanyRow[]> {
    if (!ids.length) return [];
    return tx.query<CompanyRow>(`SELECT * FROM companies WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  /** The company's name and, for a merged one, its survivor; undefined when it does not exist. */
  async nameOf(tx: Tx, id: string): Promise<{ name: string; merged_into: string | null } | undefined> {
    return tx.maybeOne<{ name: string; merged_into: string | null }>(`SELECT name, merged_into FROM companies WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  // ---- merge -----------------------------------------------------------------------------------

  /** Survivor keeps its values; gaps are filled from the duplicate; domains, tags and custom fields are unioned. */
  async absorb(tx: Tx, survivorId: string, duplicateId: string): Promise<CompanyRow> {
    return tx.one<CompanyRow>(
      `UPDATE companies s SET
         legal_name = coalesce(s.legal_name, d.legal_name), industry = coalesce(s.industry, d.industry), size = coalesce(s.size, d.size),
         address = coalesce(s.address, d.address), vat_id = coalesce(s.vat_id, d.vat_id), owner_id = coalesce(s.owner_id, d.owner_id),
         domains = (SELECT coalesce(array_agg(x ORDER BY o), '{}') FROM (SELECT x, min(o) o FROM unnest(s.domains || d.domains) WITH ORDINALITY AS u(x, o) GROUP BY x) y),
         tags = (SELECT coalesce(array_agg(x ORDER BY o), '{}') FROM (SELECT x, min(o) o FROM unnest(s.tags || d.tags) WITH ORDINALITY AS u(x, o) GROUP BY x) y),
         custom_fields = d.custom_fields || s.custom_fields,
         version = s.version + 1, updated_at = now()
       FROM companies d WHERE s.tenant_id = $1 AND s.id = $2 AND d.id = $3 RETURNING s.*`,
      [tx.tenantId, survivorId, duplicateId],
    );
  }

  /** The duplicate becomes a tombstone pointing at the survivor (its domains now belong to the survivor), as do companies merged into it before. */
  async makeTombstone(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await tx.query(`UPDATE companies SET merged_into = $3, domains = '{}', version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, duplicateId, survivorId]);
    await tx.query(`UPDATE companies SET merged_into = $3 WHERE tenant_id = $1 AND merged_into = $2`, [tx.tenantId, duplicateId, survivorId]);
  }

  async recordMerge(tx: Tx, m: { survivorId: string; duplicateId: string; mergedBy: string; movedContacts: number }): Promise<void> {
    await tx.query(`INSERT INTO company_merges (tenant_id, survivor_id, duplicate_id, merged_by, moved_contacts) VALUES ($1, $2, $3, $4, $5)`, [
      tx.tenantId, m.survivorId, m.duplicateId, m.mergedBy, m.movedContacts,
    ]);
  }

  // ---- the list --------------------------------------------------------------------------------

  /** A page of active companies by name (case-insensitive); `search` is part of the name or one of the domains exactly. */
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

  /** The active companies a filter selects (the list's and the CSV export's). */
  filterSql(q: SqlParams, filter: CompanyFilterValue): string {
    const search = filter.search || null;
    return q.where([
      'tenant_id = $1',
      'merged_into IS NULL',
      filter.teamId && `owner_id IN (SELECT m.user_id FROM team_members m WHERE m.team_id = ${q.p(filter.teamId)}::uuid)`,
      search !== null && `(name ILIKE '%' || ${q.p(search.replace(/[%_\\]/g, (c) => `\\${c}`))} || '%' OR ${q.p(search.toLowerCase())} = ANY(domains))`,
    ]);
  }
}
