import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { DirectoryRepository, type TenantProfileRow } from '../directory.repository';
import { emitTenantProfileUpdated } from '../directory.events';
import { presentTenantProfile } from '../directory.presenter';
import { tenantProfileSchema } from '../directory-fields';
import type { TenantProfile, UpdateTenantProfileInput } from '../directory.types';

/** What a tenant that never set its profile starts from; documented on UpdateTenantProfileInput. */
const FIRST_PROFILE: Omit<TenantProfileRow, 'version' | 'updated_at'> = {
  legal_name: null, address: null, vat_id: null, logo_url: null, default_currency: 'EUR', time_zone: 'UTC', locale: 'en', fiscal_year_start_month: 1,
};

const FIELDS = {
  legalName: 'legal_name', address: 'address', vatId: 'vat_id', logoUrl: 'logo_url', defaultCurrency: 'default_currency', timeZone: 'time_zone', locale: 'locale',
  fiscalYearStartMonth: 'fiscal_year_start_month',
} as const;

/** An admin sets the tenant profile (fields left out stay); tenant-profile.updated carries the whole profile and names what changed. */
@Injectable()
export class UpdateTenantProfile {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, input: UpdateTenantProfileInput): Promise<TenantProfile> {
    const v = parseInput(tenantProfileSchema, input, 'input') as Record<keyof typeof FIELDS, unknown>;
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await this.directory.tenantProfile(tx, true);
      const base: Record<string, unknown> = { ...(before ?? FIRST_PROFILE) };
      const changed: string[] = [];
      for (const [field, column] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
        const value = field === 'address' && v.address ? normaliseAddress(v.address as Record<string, string | null | undefined>) : v[field];
        if (value === undefined || JSON.stringify(value) === JSON.stringify(base[column])) continue;
        base[column] = value;
        changed.push(field);
      }
      if (before && !changed.length) return presentTenantProfile(before);
      const row = await this.directory.upsertTenantProfile(tx, base as Omit<TenantProfileRow, 'version' | 'updated_at'>);
      await emitTenantProfileUpdated(tx, row, changed);
      return presentTenantProfile(row);
    });
  }
}

function normaliseAddress(a: Record<string, string | null | undefined>) {
  return { line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null, postalCode: a.postalCode ?? null, country: a.country ?? null };
}
