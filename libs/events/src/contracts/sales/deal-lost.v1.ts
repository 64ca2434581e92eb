import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, fmt, money } from './money';

/** A deal was lost, with the reason. Subject = deal id. */
export const DealLostV1 = defineEvent({
  type: 'crm.sales.deal.lost.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal was lost, with the lost reason and the stage it was lost in.',
  schema: z.object({
    dealId: uuid,
    title: z.string(),
    contactId: uuid,
    ownerId: z.string(),
    pipelineId: uuid,
    stageId: uuid,
    amount: money,
    reason: z.string(),
    lostAt: z.string(),
    lostBy: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    title: 'Annual licence',
    contactId: exampleIds.contact,
    ownerId: 'user-1',
    pipelineId: exampleIds.pipeline,
    stageId: exampleIds.stageA,
    amount: { amount: '12000.00', currency: 'EUR' },
    reason: 'price',
    lostAt: '2026-03-20T15:00:00.000Z',
    lostBy: 'user-1',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'deal', summary: `Deal lost: ${d.title} (${fmt(d.amount)}), reason: ${d.reason}` }),
});
