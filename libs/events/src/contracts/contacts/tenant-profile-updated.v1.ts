import { z } from 'zod';
import { defineEvent } from '../../contract';
import { tenantProfileSnapshot, exampleTenantProfile } from '../directory';

/** An admin set the tenant profile (subject = tenant id): legal name, address, VAT id, logo, default currency, time zone, locale, fiscal year start. Carries the whole profile. */
export const TenantProfileUpdatedV1 = defineEvent({
  type: 'crm.contacts.tenant-profile.updated.v1',
  module: 'contacts',
  aggregate: 'tenant-profile',
  description: 'An admin set the tenant profile (subject = tenant id): legal name, address, VAT id, logo, default currency, time zone, locale, fiscal year start. Carries the whole profile.',
  schema: tenantProfileSnapshot.extend({ changed: z.array(z.string()) }),
  example: { ...exampleTenantProfile, changed: ['legalName'] },
});
