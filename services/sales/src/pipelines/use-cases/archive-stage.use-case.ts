import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { emitPipelineStagesChanged } from '../pipeline.events';
import { PipelineRepository } from '../pipeline.repository';
import type { Pipeline } from '../pipeline.types';
import { idArgument, lockActiveStage } from '../stage-guards';

@Injectable()
export class ArchiveStage {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  /**
   * Takes a stage out of its pipeline. Its open deals must be moved first (a CONFLICT says how many);
   * won and lost deals keep pointing at it, as does every deal's stage history.
   */
  async execute(ctx: RequestContext, rawId: string): Promise<Pipeline> {
    const id = idArgument(rawId, 'id', 'stage id');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const { pipeline, stage } = await lockActiveStage(this.pipelines, tx, id);
      // Deals lock their row, not the stage: a deal moved into the stage concurrently is refused by MoveDeal, which re-reads the stage under the pipeline lock.
      const open = await this.pipelines.openDealsIn(tx, id);
      if (open > 0) {
        throw conflict(`stage "${stage.name}" still has ${open} open deal${open === 1 ? '' : 's'}; move ${open === 1 ? 'it' : 'them'} to another stage before archiving it`, {
          stageId: id, openDeals: open,
        });
      }
      if ((await this.pipelines.stagesOf(tx, stage.pipeline_id)).length === 1) throw conflict(`stage "${stage.name}" is the last stage of its pipeline; a pipeline needs at least one`, { stageId: id });
      await this.pipelines.archiveStage(tx, stage, ctx.userId);
      const p = await this.pipelines.withStages(tx, pipeline);
      await emitPipelineStagesChanged(tx, p, 'stage_archived', id, ctx.userId);
      return p;
    });
  }
}
