import { Injectable } from '@nestjs/common';
import { invalidField, isUuid, UnitOfWork, type RequestContext } from '@crm/platform';
import { PipelineRepository } from '../../pipelines/pipeline.repository';
import { assertOpen, dealId, lockDeal } from '../deal-guards';
import { emitDealStageChanged } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

@Injectable()
export class MoveDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
    private readonly pipelines: PipelineRepository,
  ) {}

  /** Moves an open deal to another stage of its pipeline, recorded in its stage history. */
  async execute(ctx: RequestContext, rawId: string, rawStageId: string): Promise<Deal> {
    if (!isUuid(rawStageId)) throw invalidField('stageId', `"${String(rawStageId).slice(0, 60)}" is not a stage id`);
    const stageId = rawStageId.toLowerCase();
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      assertOpen(d, 'moved');
      const stage = await this.pipelines.stageForDeal(tx, stageId);
      if (!stage) throw invalidField('stageId', `stage ${stageId} does not exist`);
      if (stage.archived_at) throw invalidField('stageId', `stage ${stageId} ("${stage.name}") is archived`);
      if (stage.pipeline_id !== d.pipelineId) throw invalidField('stageId', `stage ${stageId} belongs to pipeline ${stage.pipeline_id}; deal ${d.id} is in pipeline ${d.pipelineId}`);
      if (stage.id === d.stageId) return d;
      const movedAt = await this.deals.recordStage(tx, { dealId: d.id, pipelineId: d.pipelineId, fromStageId: d.stageId, toStageId: stage.id, movedBy: ctx.userId });
      const moved = await this.deals.setStage(tx, d.id, stage.id);
      await emitDealStageChanged(tx, d, stage, ctx.userId, movedAt);
      return moved;
    });
  }
}
