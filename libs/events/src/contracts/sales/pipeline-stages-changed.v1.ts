import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

const stage = z.object({ stageId: uuid, name: z.string(), position: z.number().int().min(0), probability: z.number().int().min(0).max(100) });

/**
 * The stages of a pipeline changed: a stage was added, renamed or given another win probability,
 * the stages were re-ordered, or a stage was archived. Subject = pipeline id. `stages` is the full
 * list of active stages after the change, in order (an archived stage is no longer in it), so a
 * consumer can replace what it holds; `stageId` names the stage the change was about (null for a
 * re-ordering). `previousProbability` is set when a stage's probability changed.
 */
export const PipelineStagesChangedV1 = defineEvent({
  type: 'crm.sales.pipeline.stages-changed.v1',
  module: 'sales',
  aggregate: 'pipeline',
  description: 'A pipeline’s stages changed (stage added, updated, archived, or stages re-ordered); carries the full active stage list after the change.',
  schema: z.object({
    pipelineId: uuid,
    change: z.enum(['stage_added', 'stage_updated', 'stages_reordered', 'stage_archived']),
    stageId: uuid.nullable(),
    previousProbability: z.number().int().min(0).max(100).nullable(),
    stages: z.array(stage),
    changedBy: z.string(),
  }),
  example: {
    pipelineId: exampleIds.pipeline,
    change: 'stage_updated',
    stageId: exampleIds.stageB,
    previousProbability: 50,
    stages: [
      { stageId: exampleIds.stageA, name: 'Qualification', position: 0, probability: 10 },
      { stageId: exampleIds.stageB, name: 'Proposal sent', position: 1, probability: 60 },
    ],
    changedBy: 'user-1',
  },
});
