import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zText } from '../../common/validate';
import { emitPipelineStagesChanged } from '../pipeline.events';
import { PipelineRepository, toStage } from '../pipeline.repository';
import type { Stage, UpdateStageInput } from '../pipeline.types';
import { idArgument, lockActiveStage } from '../stage-guards';
import { zProbability } from './stage-input';

// null is refused: a stage always has a name and a probability.
const schema = z
  .object({ name: zText(100).optional(), probability: zProbability.optional() })
  .refine((i) => i.name !== undefined || i.probability !== undefined, { error: 'nothing to change: give name and/or probability', path: ['name'] });

@Injectable()
export class UpdateStage {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  /** Renames a stage and/or changes its win probability (the old probability is kept in its history). */
  async execute(ctx: RequestContext, rawId: string, input: UpdateStageInput): Promise<Stage> {
    const changes = parseInput(schema, input, 'input');
    const id = idArgument(rawId, 'id', 'stage id');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const { pipeline, stage } = await lockActiveStage(this.pipelines, tx, id);
      const name = changes.name !== undefined && changes.name !== stage.name ? changes.name : undefined;
      const probability = changes.probability !== undefined && changes.probability !== stage.probability ? changes.probability : undefined;
      if (name === undefined && probability === undefined) return toStage(stage);
      if (name !== undefined) {
        const others = await this.pipelines.stagesOf(tx, stage.pipeline_id);
        if (others.some((s) => s.id !== id && s.name.toLowerCase() === name.toLowerCase())) throw invalidField('input.name', `the pipeline already has a stage named "${name}"`);
      }
      const updated = await this.pipelines.updateStage(tx, id, { name, probability });
      if (probability !== undefined) await this.pipelines.recordProbability(tx, id, stage.probability, probability, ctx.userId);
      await emitPipelineStagesChanged(tx, await this.pipelines.withStages(tx, pipeline), 'stage_updated', id, ctx.userId, probability !== undefined ? stage.probability : null);
      return toStage(updated);
    });
  }
}
