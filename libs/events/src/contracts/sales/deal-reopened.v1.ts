import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/**
 * A won or lost deal was reopened (it is open again, in the stage it was closed from). Subject =
 * deal id. When it had been won, every commission it earned was reversed by a negative ledger entry
 * dated now (`reversedCommissions`: the entries reversed, with the amount taken back); the original
 * entries stay.
 */
export const DealReopenedV1 = defineEvent({
  type: 'crm.sales.deal.reopened.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A won or lost deal was reopened; the commissions earned on its win are reversed by ledger entries.',
  schema: z.object({
    dealId: uuid,
    title: z.string(),
    contactId: uuid,
    ownerId: z.string(),
    pipelineId: uuid,
    stageId: uuid,
    amount: money,
    previousStatus: z.enum(['won', 'lost']),
    reversedCommissions: z.array(z.object({ entryId: uuid, reversalEntryId: uuid, ownerId: z.string(), commission: money })),
    reopenedAt: z.string(),
    reopenedBy: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    title: 'Annual licence',
    contactId: exampleIds.contact,
    ownerId: 'user-1',
    pipelineId: exampleIds.pipeline,
    stageId: exampleIds.stageB,
    amount: { amount: '12000.00', currency: 'EUR' },
    previousStatus: 'won',
    reversedCommissions: [
      { entryId: '7c8d9e0f-1a2b-4c3d-8e4f-6a7b8c9d0e1f', reversalEntryId: '8d9e0f1a-2b3c-4d4e-9f5a-7b8c9d0e1f2a', ownerId: 'user-1', commission: { amount: '-600.00', currency: 'EUR' } },
    ],
    reopenedAt: '2026-03-22T09:00:00.000Z',
    reopenedBy: 'manager-1',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'deal', summary: `Deal reopened: ${d.title} (was ${d.previousStatus})` }),
});
