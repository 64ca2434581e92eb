import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/**
 * The duplicate company was merged into the survivor (subject = survivor id). Its contacts now
 * belong to the survivor (each also gets a contact.updated with `changed: ['companyId']`); the
 * duplicate id stays resolvable as a tombstone pointing at the survivor.
 */
export const CompanyMergedV1 = defineEvent({
  type: 'crm.contacts.company.merged.v1',
  module: 'contacts',
  aggregate: 'company',
  description: "A duplicate company was merged into a survivor. Move the duplicate's references to the survivor.",
  schema: z.object({
    survivorId: uuid,
    duplicateId: uuid,
    survivor: z.object({ companyId: uuid, name: z.string(), domains: z.array(z.string()), version: z.number().int().positive() }),
    movedContacts: z.number().int().nonnegative(),
  }),
  example: {
    survivorId: '5e3f9a12-1c1b-4a0e-9a57-0e4b5f7b2c33',
    duplicateId: '0b6a3c9e-2f41-4d7e-8c55-3e1f0a9b7d21',
    survivor: { companyId: '5e3f9a12-1c1b-4a0e-9a57-0e4b5f7b2c33', name: 'Analytical Engines Ltd', domains: ['engines.example', 'ae.example'], version: 3 },
    movedContacts: 12,
  },
});
