import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { attribution, exampleAttribution, exampleIds, fmt, money } from './money';

/** A deal was won. Subject = deal id. Carries the attribution so marketing can credit revenue to campaigns and keywords. */
export const DealWonV1 = defineEvent({
  type: 'crm.sales.deal.won.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal was won: amount, owner, stage it was won from and its lead source / UTM attribution.',
  schema: z.object({
    dealId: uuid,
    title: z.string(),
    contactId: uuid,
    ownerId: z.string(),
    pipelineId: uuid,
    stageId: uuid,
    amount: money,
    source: attribution.nullable(),
    wonAt: z.string(),
    wonBy: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    title: 'Annual licence',
    contactId: exampleIds.contact,
    ownerId: 'user-1',
    pipelineId: exampleIds.pipeline,
    stageId: exampleIds.stageB,
    amount: { amount: '12000.00', currency: 'EUR' },
    source: exampleAttribution,
    wonAt: '2026-03-20T15:00:00.000Z',
    wonBy: 'user-1',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'deal', summary: `Deal won: ${d.title} (${fmt(d.amount)})` }),
});
