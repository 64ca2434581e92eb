import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/**
 * A pipeline was renamed and/or made the tenant's default. Subject = pipeline id. When it became
 * the default, `previousDefaultPipelineId` names the pipeline that no longer is (null if none was).
 * Stage changes have their own event (pipeline.stages-changed.v1).
 */
export const PipelineUpdatedV1 = defineEvent({
  type: 'crm.sales.pipeline.updated.v1',
  module: 'sales',
  aggregate: 'pipeline',
  description: 'A sales pipeline was renamed and/or became the tenant default (the previous default is named).',
  schema: z.object({
    pipelineId: uuid,
    name: z.string(),
    previousName: z.string().nullable(),
    isDefault: z.boolean(),
    previousDefaultPipelineId: uuid.nullable(),
    changedBy: z.string(),
  }),
  example: {
    pipelineId: exampleIds.pipeline,
    name: 'New business (EMEA)',
    previousName: 'New business',
    isDefault: true,
    previousDefaultPipelineId: null,
    changedBy: 'user-1',
  },
});
