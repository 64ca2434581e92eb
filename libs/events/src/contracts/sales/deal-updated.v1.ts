import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { attribution, exampleAttribution, exampleIds, money } from './money';

/** A deal's details changed (amount, close date, owner, forecast category, …). Subject = deal id. */
export const DealUpdatedV1 = defineEvent({
  type: 'crm.sales.deal.updated.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal changed (not its stage or status, which have their own events): the deal after the change and the changed field names.',
  schema: z.object({
    dealId: uuid,
    title: z.string(),
    contactId: uuid,
    companyId: uuid.nullable(),
    ownerId: z.string(),
    amount: money,
    expectedCloseDate: z.string().nullable(),
    forecastCategory: z.enum(['pipeline', 'best_case', 'commit', 'omitted']),
    source: attribution.nullable(),
    version: z.number().int().positive(),
    changed: z.array(z.string()),
    updatedBy: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    title: 'Annual licence',
    contactId: exampleIds.contact,
    companyId: null,
    ownerId: 'user-2',
    amount: { amount: '15000.00', currency: 'EUR' },
    expectedCloseDate: '2026-07-31',
    forecastCategory: 'commit',
    source: exampleAttribution,
    version: 2,
    changed: ['amount', 'ownerId'],
    updatedBy: 'user-1',
  },
});
