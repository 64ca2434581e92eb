import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/**
 * A pipeline was created with its ordered stages (by createPipeline, or the standard one a tenant
 * gets with its first deal). Subject = pipeline id. `isDefault: true` means it is now the tenant's
 * default pipeline (the previous default, if any, no longer is).
 */
export const PipelineCreatedV1 = defineEvent({
  type: 'crm.sales.pipeline.created.v1',
  module: 'sales',
  aggregate: 'pipeline',
  description: 'A sales pipeline was created with its ordered stages and their win probabilities; isDefault marks the new tenant default.',
  schema: z.object({
    pipelineId: uuid,
    name: z.string(),
    isDefault: z.boolean(),
    stages: z.array(z.object({ stageId: uuid, name: z.string(), position: z.number().int().min(0), probability: z.number().int().min(0).max(100) })),
    createdBy: z.string(),
  }),
  example: {
    pipelineId: exampleIds.pipeline,
    name: 'New business',
    isDefault: true,
    stages: [
      { stageId: exampleIds.stageA, name: 'Qualification', position: 0, probability: 10 },
      { stageId: exampleIds.stageB, name: 'Proposal', position: 1, probability: 50 },
    ],
    createdBy: 'user-1',
  },
});
