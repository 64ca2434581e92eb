import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/** A deal moved from one stage of its pipeline to another. Subject = deal id. */
export const DealStageChangedV1 = defineEvent({
  type: 'crm.sales.deal.stage-changed.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal moved between stages of its pipeline (who, when, from, to, and the new win probability).',
  schema: z.object({
    dealId: uuid,
    contactId: uuid,
    pipelineId: uuid,
    fromStageId: uuid,
    toStageId: uuid,
    toStageName: z.string(),
    probability: z.number().int().min(0).max(100),
    movedBy: z.string(),
    movedAt: z.string(),
  }),
  example: {
    dealId: exampleIds.deal,
    contactId: exampleIds.contact,
    pipelineId: exampleIds.pipeline,
    fromStageId: exampleIds.stageA,
    toStageId: exampleIds.stageB,
    toStageName: 'Proposal',
    probability: 50,
    movedBy: 'user-1',
    movedAt: '2026-03-02T10:00:00.000Z',
  },
});
