import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { attribution, exampleAttribution, exampleIds, fmt, money } from './money';

/** A deal was opened for a contact. Subject = deal id. Shown on the contact's timeline. */
export const DealCreatedV1 = defineEvent({
  type: 'crm.sales.deal.created.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal was created in a pipeline stage for a contact, with its amount, owner, expected close date and attribution.',
  schema: z.object({
    dealId: uuid,
    title: z.string(),
    contactId: uuid,
    companyId: uuid.nullable(),
    ownerId: z.string(),
    pipelineId: uuid,
    stageId: uuid,
    amount: money,
    expectedCloseDate: z.string().nullable(),
    source: attribution.nullable(),
    createdBy: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    title: 'Annual licence',
    contactId: exampleIds.contact,
    companyId: null,
    ownerId: 'user-1',
    pipelineId: exampleIds.pipeline,
    stageId: exampleIds.stageA,
    amount: { amount: '12000.00', currency: 'EUR' },
    expectedCloseDate: '2026-06-30',
    source: exampleAttribution,
    createdBy: 'user-1',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'deal', summary: `Deal created: ${d.title} (${fmt(d.amount)})` }),
});
