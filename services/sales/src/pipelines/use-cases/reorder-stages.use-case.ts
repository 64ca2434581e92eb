import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zId } from '../../common/validate';
import { emitPipelineStagesChanged } from '../pipeline.events';
import { PipelineRepository } from '../pipeline.repository';
import type { Pipeline } from '../pipeline.types';
import { idArgument, lockPipeline } from '../stage-guards';

const schema = z.array(zId('stage id')).min(1, 'list every active stage of the pipeline in the new order');

@Injectable()
export class ReorderStages {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  /** `stageIds` must list every active stage of the pipeline exactly once, in the new order. */
  async execute(ctx: RequestContext, rawPipelineId: string, rawStageIds: string[]): Promise<Pipeline> {
    const stageIds = parseInput(schema, rawStageIds, 'stageIds');
    const pipelineId = idArgument(rawPipelineId, 'pipelineId', 'pipeline id');
    const dup = stageIds.findIndex((s, i) => stageIds.indexOf(s) !== i);
    if (dup >= 0) throw invalidField(`stageIds.${dup}`, `stage ${stageIds[dup]} is listed twice`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const row = await lockPipeline(this.pipelines, tx, pipelineId);
      const current = await this.pipelines.stagesOf(tx, pipelineId);
      const active = new Set(current.map((s) => s.id));
      const stranger = stageIds.findIndex((s) => !active.has(s));
      if (stranger >= 0) throw invalidField(`stageIds.${stranger}`, `stage ${stageIds[stranger]} is not an active stage of pipeline ${pipelineId}`);
      const missing = current.filter((s) => !stageIds.includes(s.id));
      if (missing.length) throw invalidField('stageIds', `every active stage must be listed; missing: ${missing.map((s) => `${s.name} (${s.id})`).join(', ')}`);
      if (current.every((s, i) => s.id === stageIds[i])) return this.pipelines.withStages(tx, row);
      await this.pipelines.reorder(tx, pipelineId, stageIds);
      const p = await this.pipelines.withStages(tx, row);
      await emitPipelineStagesChanged(tx, p, 'stages_reordered', null, ctx.userId);
      return p;
    });
  }
}
