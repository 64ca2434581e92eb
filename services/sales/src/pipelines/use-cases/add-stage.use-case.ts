import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zText } from '../../common/validate';
import { emitPipelineStagesChanged } from '../pipeline.events';
import { PipelineRepository } from '../pipeline.repository';
import type { AddStageInput, Pipeline } from '../pipeline.types';
import { idArgument, lockPipeline } from '../stage-guards';
import { zProbability } from './stage-input';

const schema = z.object({
  name: zText(100),
  probability: zProbability,
  position: z.number().int('must be a whole number').min(0, 'must be 0 or more').nullish(),
});

@Injectable()
export class AddStage {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  /** Inserts a stage at `position` (default: last); the stages after it move one down. */
  async execute(ctx: RequestContext, rawPipelineId: string, input: AddStageInput): Promise<Pipeline> {
    const { name, probability, position } = parseInput(schema, input, 'input');
    const pipelineId = idArgument(rawPipelineId, 'pipelineId', 'pipeline id');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const row = await lockPipeline(this.pipelines, tx, pipelineId);
      const stages = await this.pipelines.stagesOf(tx, pipelineId);
      if (stages.length >= 50) throw conflict(`pipeline ${pipelineId} already has 50 stages, the most a pipeline may have`, { pipelineId });
      if (position != null && position > stages.length) throw invalidField('input.position', `must be between 0 and ${stages.length} (the pipeline has ${stages.length} stages)`);
      if (stages.some((s) => s.name.toLowerCase() === name.toLowerCase())) throw invalidField('input.name', `the pipeline already has a stage named "${name}"`);
      const stage = await this.pipelines.insertStage(tx, pipelineId, { name, probability }, position ?? stages.length);
      const p = await this.pipelines.withStages(tx, row);
      await emitPipelineStagesChanged(tx, p, 'stage_added', stage.id, ctx.userId);
      return p;
    });
  }
}
