import { z } from 'zod';
import { defineEvent } from '../../contract';
import { postalAddress, uuid } from '../common';

/** A company address: a contact's postal address without `primary` (a company has one). */
const companyAddress = postalAddress.omit({ primary: true });

/** A company was created or changed. Subject = company id. */
export const CompanyUpsertedV1 = defineEvent({
  type: 'crm.contacts.company.upserted.v1',
  module: 'contacts',
  aggregate: 'company',
  description: 'A company was created or changed. Data is the full company.',
  schema: z.object({
    companyId: uuid,
    name: z.string(),
    domains: z.array(z.string()),
    version: z.number().int().positive(),
    // Added after v1 was published (additive, optional: older events and older producers omit them).
    legalName: z.string().nullable().optional(),
    /** Free text, e.g. "Software". */
    industry: z.string().nullable().optional(),
    /** Head-count band: 1-10, 11-50, 51-200, 201-500, 501-1000, 1001-5000 or 5001+ (GraphQL's Company.size EMPLOYEES_51_200 is "51-200"). */
    size: z.string().nullable().optional(),
    address: companyAddress.nullable().optional(),
    vatId: z.string().nullable().optional(),
    ownerId: z.string().nullable().optional(),
    tags: z.array(z.string()).optional(),
    /** The tenant's custom fields, by key. */
    customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  }),
  example: {
    companyId: '5e3f9a12-1c1b-4a0e-9a57-0e4b5f7b2c33',
    name: 'Analytical Engines Ltd',
    domains: ['engines.example'],
    version: 1,
    legalName: 'Analytical Engines Limited',
    industry: 'Computing machinery',
    size: '11-50',
    address: { label: 'Head office', line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' },
    vatId: 'GB123456789',
    ownerId: 'user-1',
    tags: ['customer'],
    customFields: { tier: 'gold' },
  },
});
