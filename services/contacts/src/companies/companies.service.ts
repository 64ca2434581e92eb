import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CompanyUpsertedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, isUuid, conflictOnUnique, updated, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { refreshSearchText } from '../contacts/contact.rows';
import type { Company } from '../contacts/contact.types';

interface CompanyRow {
  id: string;
  name: string;
  domains: string[];
  version: number;
  created_at: Date;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function toCompany(r: CompanyRow): Company {
  return { id: r.id, name: r.name, domains: r.domains, createdAt: r.created_at };
}

@Injectable()
export class CompaniesService {
  constructor(private readonly ds: DataSource, private readonly events: EventPublisher) {}

  validate(name: string | undefined, domains: string[] | undefined): { name?: string; domains?: string[] } {
    const out: { name?: string; domains?: string[] } = {};
    if (name !== undefined) {
      if (!name.trim() || name.length > 200) throw badUserInput('input.name: must be 1-200 characters');
      out.name = name.trim();
    }
    if (domains !== undefined) {
      const norm = [...new Set(domains.map((d) => d.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '')))];
      const bad = norm.filter((d) => !DOMAIN.test(d));
      if (bad.length) throw badUserInput(`input.domains: not a domain name: ${bad.join(', ')}`);
      if (norm.length > 20) throw badUserInput('input.domains: at most 20 domains');
      out.domains = norm;
    }
    return out;
  }

  async create(ctx: RequestContext, name: string, domains: string[] = []): Promise<Company> {
    const v = this.validate(name, domains);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const rows: CompanyRow[] = await m.query(
        `INSERT INTO companies (id, tenant_id, name, domains) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING *`,
        [randomUUID(), ctx.tenantId, v.name, v.domains],
      );
      if (!rows.length) {
        const [existing] = await m.query(`SELECT id FROM companies WHERE tenant_id = $1 AND lower(name) = lower($2)`, [ctx.tenantId, v.name]);
        throw conflict(`a company named "${v.name}" already exists (${existing?.id})`, { existingCompanyId: existing?.id });
      }
      await this.emit(m, ctx.tenantId, rows[0]);
      return toCompany(rows[0]);
    });
  }

  async update(ctx: RequestContext, id: string, name?: string, domains?: string[]): Promise<Company> {
    // Two renames to the same name at once: the unique index decides, the loser gets CONFLICT.
    return conflictOnUnique(
      () => this.updateOnce(ctx, id, name, domains),
      () => conflict(`a company named "${name}" already exists`),
    );
  }

  private async updateOnce(ctx: RequestContext, id: string, name?: string, domains?: string[]): Promise<Company> {
    const v = this.validate(name, domains);
    if (!isUuid(id)) throw badUserInput(`id: "${id.slice(0, 60)}" is not a company id`);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      if (v.name) {
        const [taken] = await m.query(`SELECT id FROM companies WHERE tenant_id = $1 AND lower(name) = lower($2) AND id <> $3`, [ctx.tenantId, v.name, id]);
        if (taken) throw conflict(`a company named "${v.name}" already exists (${taken.id})`, { existingCompanyId: taken.id });
      }
      const rows = await updated<CompanyRow>(
        m,
        `UPDATE companies SET name = coalesce($3, name), domains = coalesce($4, domains), version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [ctx.tenantId, id, v.name ?? null, v.domains ?? null],
      );
      if (!rows.length) throw notFound(`company ${id} does not exist`);
      if (v.name) {
        const ids = (await m.query(`SELECT id FROM contacts WHERE company_id = $1`, [id])).map((r: { id: string }) => r.id);
        await refreshSearchText(m, ids);
      }
      await this.emit(m, ctx.tenantId, rows[0]);
      return toCompany(rows[0]);
    });
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<(Company | null)[]> {
    const rows: CompanyRow[] = await withTenant(this.ds, tenantId, (m) =>
      m.query(`SELECT * FROM companies WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, ids.filter(isUuid)]),
    );
    const byId = new Map(rows.map((r) => [r.id, toCompany(r)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /** Companies by name (case-insensitive), with a name or domain filter. */
  async list(ctx: RequestContext, args: KeysetArgs, filter: { search?: string | null }, withTotal: boolean): Promise<ConnectionValue<Company>> {
    const page = keysetPage(COMPANY_ORDER, args);
    const search = filter.search ?? null;
    if (search && search.length > 200) throw badUserInput('filter.search: must be at most 200 characters', { fields: [{ field: 'filter.search', message: 'must be at most 200 characters' }] });
    const params: unknown[] = [ctx.tenantId, search?.replace(/[%_\\]/g, (c) => `\\${c}`) ?? null, search];
    const where = `tenant_id = $1 AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR $3 = ANY(domains))`;
    const countParams = [...params];
    const p = (v: unknown) => `$${params.push(v)}`;
    const after = page.afterSql(p);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const rows: (CompanyRow & KeysetRow)[] = await m.query(`SELECT *, ${page.sortKey} AS sort_key FROM companies WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`, params);
      const n = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM companies WHERE ${where}`, countParams))[0].n : null;
      return page.connection(rows, (r) => r.map(toCompany), n);
    });
  }

  private async emit(m: EntityManager, tenantId: string, r: CompanyRow) {
    await this.events.emit(m, tenantId, [{ type: CompanyUpsertedV1.type, subject: r.id, data: { companyId: r.id, name: r.name, domains: r.domains, version: r.version } }]);
  }
}

const COMPANY_ORDER: KeysetOrder = { name: 'companies', key: 'lower(name)', dir: 'ASC' };
