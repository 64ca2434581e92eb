import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';

/** Who a document speaks for: the tenant's company, from its profile. */
export interface DocumentIssuer {
  legalName: string;
  addressLines: string[];
  vatId: string | null;
  /** A PNG or JPEG printed at the top of documents */
  logo?: { contentType: 'image/png' | 'image/jpeg'; data: Buffer } | null;
  /** BCP 47, e.g. de-DE: how dates and amounts are written */
  locale: string;
  /** IANA, e.g. Europe/Berlin: the calendar day an instant falls on */
  timeZone: string;
  /** The tenant's default currency (a document prints its own currency) */
  currency: string;
}

/** The issuer as a document prints it: true when the tenant has no profile yet and the block is a placeholder. */
export interface ResolvedIssuer extends DocumentIssuer {
  profileMissing: boolean;
}

export const PROFILE_MISSING_NOTE = 'Company profile not set yet: an admin enters the legal name, address and VAT ID in the tenant profile.';

/** Until a tenant has a profile, its documents name the tenant id, in English, dates in UTC. */
export function issuerWithoutProfile(tenantId: string): ResolvedIssuer {
  return { legalName: tenantId, addressLines: [], vatId: null, logo: null, locale: 'en-US', timeZone: 'UTC', currency: 'EUR', profileMissing: true };
}

export function resolveIssuer(profile: DocumentIssuer | null, tenantId: string): ResolvedIssuer {
  return profile ? { ...profile, profileMissing: false } : issuerWithoutProfile(tenantId);
}

/** The lines of the "From" block: legal name, address, VAT ID — or the tenant id and a note for the admin. */
export function issuerLines(issuer: ResolvedIssuer): string[] {
  if (issuer.profileMissing) return [issuer.legalName, PROFILE_MISSING_NOTE];
  return [issuer.legalName, ...issuer.addressLines, ...(issuer.vatId ? [`VAT ID ${issuer.vatId}`] : [])];
}

/**
 * Where a module gets the tenant's profile and its users' time zones: the one place they are looked
 * up for documents, reminders and reports, inside the caller's transaction. The default knows no
 * profile (documents print the placeholder, times are UTC); a module binds its lookup of the tenant
 * profile and the directory in its place.
 */
export abstract class TenantProfiles {
  abstract documentIssuer(tx: Tx): Promise<DocumentIssuer | null>;
  /** The IANA time zone a user's days and times are in: the user's own, else the tenant's; null when neither is known (UTC). */
  abstract timeZone(tx: Tx, userId: string | null): Promise<string | null>;
}

@Injectable()
export class NoTenantProfiles extends TenantProfiles {
  async documentIssuer(): Promise<DocumentIssuer | null> {
    return null;
  }

  async timeZone(): Promise<string | null> {
    return null;
  }
}
