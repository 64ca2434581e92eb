import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** A company was created or changed. Subject = company id. */
export const CompanyUpsertedV1 = defineEvent({
  type: 'crm.contacts.company.upserted.v1',
  module: 'contacts',
  aggregate: 'company',
  description: 'A company was created or changed. Data is the full company.',
  schema: z.object({ companyId: uuid, name: z.string(), domains: z.array(z.string()), version: z.number().int().positive() }),
  example: { companyId: '5e3f9a12-1c1b-4a0e-9a57-0e4b5f7b2c33', name: 'Analytical Engines Ltd', domains: ['engines.example'], version: 1 },
});
