import { z } from 'zod';
import { postalAddress, uuid } from './common';

/**
 * The directory's shapes (users, teams, the tenant profile) as every directory event carries them:
 * each event holds the whole aggregate, so a replica needs only the latest one it saw (`version`,
 * monotonic per aggregate, orders them).
 */
export const directoryRole = z.enum(['admin', 'manager', 'rep', 'read-only', 'dpo']);

export const userSnapshot = z.object({
  /** The identity provider's `sub`: the id every module stores as owner, assignee or actor. */
  userId: z.string(),
  version: z.number().int().positive(),
  name: z.string(),
  email: z.string().nullable(),
  active: z.boolean(),
  /** IANA time zone, or null (the tenant profile's then applies). */
  timeZone: z.string().nullable(),
  /** BCP 47 tag, or null (the tenant profile's then applies). */
  locale: z.string().nullable(),
  roles: z.array(directoryRole),
});
export type UserSnapshot = z.infer<typeof userSnapshot>;

export const teamSnapshot = z.object({
  teamId: uuid,
  version: z.number().int().positive(),
  name: z.string(),
  /** A member's user id, or null. */
  leadId: z.string().nullable(),
  memberIds: z.array(z.string()),
  archived: z.boolean(),
});
export type TeamSnapshot = z.infer<typeof teamSnapshot>;

export const tenantProfileSnapshot = z.object({
  version: z.number().int().positive(),
  legalName: z.string().nullable(),
  address: postalAddress.omit({ label: true, primary: true }).nullable(),
  vatId: z.string().nullable(),
  /** An https URL or a small data: URL (image/png, jpeg, gif, webp, svg+xml). */
  logoUrl: z.string().nullable(),
  /** ISO 4217. */
  defaultCurrency: z.string(),
  /** IANA time zone. */
  timeZone: z.string(),
  /** BCP 47 tag. */
  locale: z.string(),
  /** 1 = January. */
  fiscalYearStartMonth: z.number().int().min(1).max(12),
});
export type TenantProfileSnapshot = z.infer<typeof tenantProfileSnapshot>;

export const exampleUser: UserSnapshot = {
  userId: 'auth0|ada',
  version: 1,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  active: true,
  timeZone: 'Europe/London',
  locale: 'en-GB',
  roles: ['rep'],
};

export const exampleTeam: TeamSnapshot = {
  teamId: '7d0c1f5e-3a2b-4c8d-9e6f-1a2b3c4d5e6f',
  version: 2,
  name: 'Benelux field sales',
  leadId: 'auth0|ada',
  memberIds: ['auth0|ada', 'auth0|charles'],
  archived: false,
};

export const exampleTenantProfile: TenantProfileSnapshot = {
  version: 3,
  legalName: 'Analytical Engines Ltd',
  address: { line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' },
  vatId: 'GB123456789',
  logoUrl: 'https://cdn.example.com/logo.png',
  defaultCurrency: 'GBP',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  fiscalYearStartMonth: 4,
};
