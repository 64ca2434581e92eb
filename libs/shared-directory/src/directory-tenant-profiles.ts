import { Injectable } from '@nestjs/common';
import { TenantProfiles, type DocumentIssuer } from '@crm/documents';
import type { Tx } from '@crm/platform';
import { DirectoryReplica, type ReplicaTenantProfile } from './directory-replica';

/** Logos a document can embed: PNG or JPEG given inline (an https logo is not fetched while rendering). */
const INLINE_LOGO = /^data:(image\/png|image\/jpeg);base64,([A-Za-z0-9+/=]+)$/;

/** The tenant profile as a document's issuer: legal name, address lines, VAT id, logo, locale, zone, currency. */
export function issuerOf(p: ReplicaTenantProfile): DocumentIssuer | null {
  if (!p.legalName) return null;
  const a = p.address;
  const cityLine = a ? [a.postalCode, a.city].filter(Boolean).join(' ') : '';
  const logo = p.logoUrl ? INLINE_LOGO.exec(p.logoUrl) : null;
  return {
    legalName: p.legalName,
    addressLines: a ? [a.line1, a.line2, cityLine, a.region, a.country].filter((l): l is string => !!l) : [],
    vatId: p.vatId,
    logo: logo ? { contentType: logo[1] as 'image/png' | 'image/jpeg', data: Buffer.from(logo[2], 'base64') } : null,
    locale: p.locale,
    timeZone: p.timeZone,
    currency: p.defaultCurrency,
  };
}

/**
 * The TenantProfiles port (@crm/documents) answered from the module's directory replica: documents
 * speak for the company of the tenant profile, and a user's days follow their own time zone, else
 * the tenant's. Without a profile (not set, or contacts not deployed) documents print the placeholder.
 */
@Injectable()
export class DirectoryTenantProfiles extends TenantProfiles {
  constructor(private readonly directory: DirectoryReplica) {
    super();
  }

  async documentIssuer(tx: Tx): Promise<DocumentIssuer | null> {
    const p = await this.directory.tenantProfile(tx);
    return p ? issuerOf(p) : null;
  }

  async timeZone(tx: Tx, userId: string | null): Promise<string | null> {
    const user = userId ? await this.directory.user(tx, userId) : null;
    if (user?.timeZone) return user.timeZone;
    return (await this.directory.tenantProfile(tx))?.timeZone ?? null;
  }
}
